// Published by js/widget/build.mjs from js/shared/heartbeat.js: edit that file.
/**
 * Keepalive and liveness of a socket. A heartbeat frame goes every ``interval`` seconds
 * (it also asks the server for news), and a socket that has said nothing at all for
 * 2 × interval + 5 s is taken for dead even if the browser still calls it open: a proxy,
 * a network change or a sleeping laptop can leave a socket half-open for minutes.
 */

export const DEFAULT_HEARTBEAT = 25; // seconds: proxies drop sockets idle for about a minute

/** Seconds without any frame after which an open socket counts as dead. */
export function silenceLimit(interval) {
  return 2 * interval + 5;
}

export class Heartbeat {
  /**
   * ``beat()`` sends the heartbeat frame; ``silent()`` is called once when the server has
   * been quiet for too long. ``env``: setTimeout, clearTimeout.
   */
  constructor({ interval, beat, silent, env }) {
    Object.assign(this, { beat, silent, env });
    this.interval = Number(interval) > 0 ? Number(interval) : DEFAULT_HEARTBEAT;
    this.running = false;
    this.beatTimer = this.silenceTimer = null;
  }

  /** The socket opened. */
  start() {
    this.stop();
    this.running = true;
    this.schedule();
    this.heard();
  }

  schedule() {
    this.beatTimer = this.env.setTimeout(() => {
      this.beat();
      if (this.running) this.schedule();
    }, this.interval * 1000);
  }

  /** A frame came from the server: it is alive. */
  heard() {
    if (!this.running) return;
    this.env.clearTimeout(this.silenceTimer);
    this.silenceTimer = this.env.setTimeout(() => {
      this.stop();
      this.silent();
    }, silenceLimit(this.interval) * 1000);
  }

  /** The socket closed. */
  stop() {
    this.running = false;
    this.env.clearTimeout(this.beatTimer);
    this.env.clearTimeout(this.silenceTimer);
    this.beatTimer = this.silenceTimer = null;
  }
}
