// The agent socket: connect, reconnect with backoff, keep it alive with a heartbeat, and
// hand each event to the caller. It knows the transport only; what the events mean is
// the caller's business.
import { Backoff } from "../shared/backoff.js";
import { Heartbeat } from "../shared/heartbeat.js";

const CLOSED_FOR_GOOD = {
  4401: "logged-out", // nobody is logged in: reconnecting cannot help
  4403: "forbidden", // not an agent, or the page's origin is not the host's
};
const OPEN = 1;

function browser() {
  return {
    WebSocket: globalThis.WebSocket,
    location: globalThis.location,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id),
    random: Math.random,
  };
}

export class AgentSocket {
  /**
   * ``heartbeat()`` gives the frame sent every ``heartbeatInterval`` seconds; a socket
   * that hears nothing for 2 × that + 5 s is closed and reconnected. ``env`` (the
   * browser's by default): WebSocket, location, setTimeout, clearTimeout, random.
   */
  constructor(path, { onEvent, onState, baseDelay = 1, heartbeatInterval, heartbeat, env = browser() }) {
    const { protocol, host } = env.location;
    this.url = `${protocol === "https:" ? "wss" : "ws"}://${host}${path}`;
    Object.assign(this, { onEvent, onState, env });
    this.backoff = new Backoff({ baseDelay: Math.max(0.25, baseDelay), maxRetries: Infinity, random: env.random });
    this.heartbeat = new Heartbeat({
      interval: heartbeatInterval,
      beat: () => this.send(heartbeat ? heartbeat() : { type: "ping" }),
      silent: () => this.silent(),
      env,
    });
    this.ws = null;
    this.timer = null;
  }

  connect() {
    this.env.clearTimeout(this.timer);
    this.timer = null;
    this.onState(this.backoff.attempt ? "reconnecting" : "connecting");
    const ws = new this.env.WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.backoff.reset();
      this.heartbeat.start();
      this.onState("online");
    });
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws) return;
      this.heartbeat.heard();
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data && typeof data.type === "string") this.onEvent(data);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws === ws) this.lost(event.code);
    });
  }

  lost(code) {
    this.ws = null;
    this.heartbeat.stop();
    const final = CLOSED_FOR_GOOD[code];
    this.onState(final || "offline");
    if (final) return;
    // Exponential backoff with jitter, so that a restarted server is not stampeded.
    this.timer = this.env.setTimeout(() => this.connect(), this.backoff.next() * 1000);
  }

  /** Nothing heard for too long: the socket is dead even if the browser has not noticed. */
  silent() {
    const ws = this.ws;
    if (!ws) return;
    this.lost(1006);
    ws.close();
  }

  get open() {
    return this.ws !== null && this.ws.readyState === OPEN;
  }

  /** Send a frame if the socket is open; false if it is not. */
  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Reconnect now (the browser came back online, the tab woke up). */
  nudge() {
    if (!this.ws && this.timer) {
      this.backoff.reset();
      this.connect();
    }
  }
}
