// Fakes the JavaScript suites share (tests/js/ and tests/js/dashboard/): a clock whose
// timers run only when a test advances it, and WebSockets a test opens, feeds and drops.

/** Timers that run only when the test advances the clock. */
export class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.ids = 0;
    this.setTimeout = (fn, ms) => {
      this.timers.set(++this.ids, { at: this.now + ms, fn });
      return this.ids;
    };
    this.clearTimeout = (id) => this.timers.delete(id);
  }

  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const [id, due] = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0] || [];
      if (!due || due.at > end) break;
      this.timers.delete(id);
      this.now = due.at;
      due.fn();
    }
    this.now = end;
  }

  delays() {
    return [...this.timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
}

/**
 * A WebSocket class whose instances (``.all``) the test drives: ``open()``,
 * ``receive(frame)``, ``drop(code)``; ``sent`` holds the frames sent, parsed. With
 * ``respond`` set, each frame sent is answered at once with ``respond(frame)`` (if it
 * gives one), as a live server answers the heartbeat. It has both the ``onmessage`` properties (the widget) and ``addEventListener``
 * (the dashboard).
 */
export function socketClass() {
  return class FakeSocket {
    static all = [];
    constructor(url) {
      Object.assign(this, { url, readyState: 0, sent: [], closed: 0, respond: null, listeners: {} });
      FakeSocket.all.push(this);
    }
    addEventListener(type, fn) {
      (this.listeners[type] ||= []).push(fn);
    }
    emit(type, event) {
      const handler = this["on" + type];
      if (handler) handler(event);
      for (const fn of this.listeners[type] || []) fn(event);
    }
    send(data) {
      if (this.readyState !== 1) throw new Error("not open");
      const frame = JSON.parse(data);
      this.sent.push(frame);
      const answer = this.respond && this.respond(frame);
      if (answer) this.receive(answer);
    }
    close() {
      this.closed++;
      this.readyState = 3;
    }
    open() {
      this.readyState = 1;
      this.emit("open", {});
    }
    receive(frame) {
      this.emit("message", { data: JSON.stringify(frame) });
    }
    drop(code = 1006) {
      this.readyState = 3;
      this.emit("close", { code });
    }
    /** The frames sent of one type. */
    frames(type) {
      return this.sent.filter((frame) => frame.type === type);
    }
  };
}

export const settle = () => new Promise((resolve) => setImmediate(resolve));
