// The agent socket: connect, reconnect with backoff, hand each event to the caller.
// It knows the transport only; what the events mean is the caller's business.

const CLOSED_FOR_GOOD = {
  4401: "logged-out", // nobody is logged in: reconnecting cannot help
  4403: "forbidden", // not an agent, or the page's origin is not the host's
};
const MAX_DELAY_MS = 30000;
const KEEPALIVE_MS = 25000;

export class AgentSocket {
  constructor(path, { onEvent, onState, baseDelay = 1 }) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.onEvent = onEvent;
    this.onState = onState;
    this.baseDelayMs = Math.max(250, baseDelay * 1000);
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.keepalive = null;
    this.stopped = false;
  }

  connect() {
    clearTimeout(this.timer);
    this.onState(this.attempt ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.onState("online");
      this.keepalive = setInterval(() => this.send({ type: "ping" }), KEEPALIVE_MS);
    });
    ws.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data && typeof data.type === "string") this.onEvent(data);
    });
    ws.addEventListener("close", (event) => {
      clearInterval(this.keepalive);
      if (this.ws !== ws) return;
      this.ws = null;
      const final = CLOSED_FOR_GOOD[event.code];
      if (final || this.stopped) {
        this.onState(final || "offline");
        return;
      }
      this.onState("offline");
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    // Exponential backoff with jitter, so that a restarted server is not stampeded.
    const ceiling = Math.min(MAX_DELAY_MS, this.baseDelayMs * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a frame if the socket is open; false if it is not. */
  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Reconnect now (the browser came back online, the tab woke up). */
  nudge() {
    if (!this.ws && !this.stopped && this.timer) {
      this.attempt = 0;
      this.connect();
    }
  }
}
