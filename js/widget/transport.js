/**
 * Delivery: the visitor socket first, the HTTP API whenever the socket is not open.
 *
 * - A message goes over the socket when it is open and identified, else over HTTP at
 *   once. A socket message not echoed back (by ``client_id``) in time, or caught by an
 *   error frame (which names no message), is sent again over HTTP, whose answer is
 *   per message; the server stores a ``client_id`` only once.
 * - A lost socket reconnects with exponential backoff and jitter, up to the retry limit;
 *   then the widget works over HTTP polling and tries the socket again now and then.
 * - Every (re)join asks for the messages after the last seq held, and while the socket
 *   is down with a conversation going, HTTP polling does the same.
 */
import { Backoff, probeDelay } from "./backoff.js";
import { ChatError, NETWORK } from "./http.js";
import { PENDING } from "./outbox.js";

const OPEN = 1;
const CLOSE_FORBIDDEN = 4403;
const PING_EVERY = 25; // seconds: proxies drop sockets idle for about a minute
const ACK_TIMEOUT = 10; // seconds the socket has to echo a message before HTTP takes it

export const CONNECTING = "connecting";
export const SOCKET = "socket";
export const POLLING = "http";
export const REFUSED = "refused";

export class Transport {
  /**
   * ``hooks``: identity(), lastSeq(), onSession(session, created), onSessionLost(),
   * onMessages(afterSeq | null, messages), onTyping(event), onStatus(event),
   * onError(error), onItem(item), onState(state, reachable).
   * ``env``: WebSocket, setTimeout, clearTimeout, random.
   */
  constructor({ config, http, outbox, hooks, env }) {
    Object.assign(this, { config, http, outbox, hooks, env });
    this.backoff = new Backoff({
      baseDelay: config.reconnectBaseDelay,
      maxRetries: config.reconnectMaxRetries,
      random: env.random,
    });
    this.session = null;
    this.ws = null;
    this.ready = false; // the socket is open and identified
    this.state = "";
    this.reachable = true; // the last HTTP call reached the server
    this.timers = {};
    this.opening = null; // an HTTP identify in flight
    this.working = 0; // HTTP posts waiting for the responder's reply
    this.freshStart = false; // the token was refused once: a second refusal is final
    this.forbidden = null;
    this.identifying = false;
  }

  // ------------------------------------------------------------------ the socket

  connect() {
    if (this.ws || this.state === REFUSED) return;
    this.cancel("reconnect");
    if (this.state !== POLLING) this.setState(CONNECTING);
    let ws;
    try {
      ws = new this.env.WebSocket(this.config.wsUrl);
    } catch {
      // A bad URL, or a page whose CSP forbids the socket: as if it closed at once.
      this.later("reconnect", 0, () => this.socketClosed(null, { code: 1006 }));
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws === this.ws && this.socketOpened();
    ws.onmessage = (event) => ws === this.ws && this.frame(event.data);
    ws.onclose = (event) => ws === this.ws && this.socketClosed(ws, event);
  }

  socketOpened() {
    this.setState(SOCKET);
    this.ping();
    if (!this.identify()) this.backoff.reset();
  }

  ping() {
    this.later("ping", PING_EVERY, () => {
      this.sendFrame({ type: "ping" });
      this.ping();
    });
  }

  /** Identify on the open socket: rejoin, or start a conversation for waiting messages. */
  identify() {
    if (!this.socketOpen()) return false;
    this.identifying = true;
    if (this.session) {
      this.historyFrom = this.hooks.lastSeq();
      this.sendFrame({
        type: "identify",
        website_id: this.config.websiteId,
        conversation_id: this.session.conversationId,
        visitor_token: this.session.visitorToken,
        last_seq: this.historyFrom,
      });
      return true;
    }
    if (this.outbox.pending().length && !this.opening) {
      this.sendFrame({ type: "identify", ...this.identity() });
      return true;
    }
    this.identifying = false;
    return false;
  }

  frame(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    switch (frame && frame.type) {
      case "identified":
        return this.identified(frame);
      case "history":
        this.receive(this.historyFrom, frame.messages || []);
        if (frame.has_more && frame.messages.length) {
          this.historyFrom = frame.messages[frame.messages.length - 1].seq;
          this.sendFrame({ type: "history", last_seq: this.historyFrom });
        }
        return;
      case "chat_message":
        return this.receive(null, [frame]);
      case "typing":
        return this.hooks.onTyping(frame);
      case "status":
        return this.hooks.onStatus(frame);
      case "error":
        return this.socketError(new ChatError(frame.code, frame.message, { retryAfter: frame.retry_after }));
    }
  }

  identified(frame) {
    this.identifying = false;
    const created = !this.session || this.session.conversationId !== frame.conversation_id;
    this.setSession(frame, created);
    this.ready = true;
    this.freshStart = false;
    this.backoff.reset();
    this.cancel("poll");
    this.setState(SOCKET);
    this.retryFailed();
    this.flush();
  }

  socketError(error) {
    switch (error.code) {
      case "FORBIDDEN":
        this.forbidden = error; // the close (4403) follows
        return;
      case "INVALID_WEBSITE":
        return this.refuse(error);
      case "NOT_IDENTIFIED":
        this.ready = false;
        this.identify();
        return;
    }
    // An error frame names no message: HTTP answers for each unconfirmed one.
    const unsure = this.outbox.pending().filter((item) => item.via === "ws");
    unsure.forEach((item) => this.sendHttp(item));
    if (!unsure.length || error.code === "INTERNAL_ERROR") this.hooks.onError(error);
  }

  socketClosed(ws, event) {
    this.ws = null;
    this.ready = this.identifying = false;
    this.cancel("ping");
    if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
    // Its "typing: false" may have been lost with it.
    this.hooks.onTyping({ role: "assistant", is_typing: false });
    if (event.code === CLOSE_FORBIDDEN) return this.refused();
    // No message waits for a reconnect.
    for (const item of this.outbox.pending()) if (item.via !== "http") this.sendHttp(item);
    this.startPolling();
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.state === REFUSED) return;
    let delay = this.backoff.next();
    if (delay === null) {
      delay = probeDelay(this.env.random);
      this.setState(POLLING);
      this.startPolling();
    } else if (this.state !== POLLING) {
      this.setState(CONNECTING);
    }
    this.later("reconnect", delay, () => this.connect());
  }

  /** FORBIDDEN: a token no longer valid is dropped once; otherwise this origin is refused. */
  refused() {
    const error = this.forbidden || new ChatError("FORBIDDEN");
    this.forbidden = null;
    if (this.session && !this.freshStart) {
      this.freshStart = true;
      this.session = null;
      this.hooks.onSessionLost();
      this.connect();
      return;
    }
    this.refuse(error);
  }

  refuse(error) {
    this.setState(REFUSED);
    for (const name of Object.keys(this.timers)) this.cancel(name);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close();
    }
    this.ready = false;
    for (const item of this.outbox.pending()) this.fail(item, error);
    this.hooks.onError(error);
  }

  // ------------------------------------------------------------------ sending

  /** Deliver an outbox item (new, or retried by the visitor). */
  send(item) {
    if (this.state === REFUSED) {
      // The visitor asked to try again: let the server say it again, or not.
      this.state = "";
      this.freshStart = false;
      this.backoff.reset();
    }
    if (this.ready) return this.sendSocket(item);
    if (this.socketOpen()) {
      if (!this.identifying) this.identify(); // then flush() sends it
      return this.watch(item);
    }
    this.sendHttp(item);
    if (!this.ws && this.timers.reconnect === undefined) this.connect();
  }

  sendSocket(item) {
    item.via = "ws";
    this.sendFrame({ type: "chat_message", message: item.text, client_id: item.clientId });
    this.watch(item);
  }

  watch(item) {
    this.later("ack:" + item.clientId, ACK_TIMEOUT, () => {
      if (item.state === PENDING && item.via !== "http") this.sendHttp(item);
    });
  }

  flush() {
    for (const item of this.outbox.pending()) if (item.via !== "http") this.sendSocket(item);
  }

  async sendHttp(item) {
    item.via = "http";
    this.cancel("ack:" + item.clientId);
    this.setWorking(1);
    try {
      const session = await this.ensureSession();
      const answer = await this.http.post(session.visitorToken, item.text, item.clientId);
      this.setReachable(true);
      this.receive(null, [answer.message, answer.reply].filter(Boolean));
      this.startPolling();
    } catch (error) {
      if (error.code === NETWORK) this.setReachable(false);
      this.fail(item, error);
      if (error.code === "FORBIDDEN") {
        this.forbidden = error;
        this.refused();
      } else if (error.code === "INVALID_WEBSITE") {
        this.refuse(error);
      }
    } finally {
      this.setWorking(-1);
    }
  }

  ensureSession() {
    if (this.session) return Promise.resolve(this.session);
    if (!this.opening) {
      this.opening = this.http
        .open(this.identity())
        .then((frame) => {
          this.setReachable(true);
          if (!this.session) this.setSession(frame, true);
          this.identify(); // a socket open without a conversation joins it now
          return this.session;
        })
        .finally(() => {
          this.opening = null;
        });
    }
    return this.opening;
  }

  retryFailed() {
    for (const item of this.outbox.retryable()) {
      this.outbox.retry(item.clientId);
      this.hooks.onItem(item);
      if (!this.ready) this.send(item);
    }
  }

  fail(item, error) {
    this.cancel("ack:" + item.clientId);
    // A refusal is explained once, by the error note, not on every message.
    const detail = error.code === "FORBIDDEN" || error.code === "INVALID_WEBSITE" ? "" : error.detail;
    if (this.outbox.fail(item.clientId, detail, error.retryable)) this.hooks.onItem(item, error);
  }

  // ------------------------------------------------------------------ polling

  startPolling() {
    if (!this.session || this.ready || this.state === REFUSED || this.timers.poll !== undefined) return;
    this.later("poll", this.config.pollInterval, () => this.poll());
  }

  async poll() {
    const session = this.session;
    if (!session || this.ready) return;
    try {
      const afterSeq = this.hooks.lastSeq();
      const page = await this.http.list(session.visitorToken, afterSeq);
      this.setReachable(true);
      if (session !== this.session) return;
      this.receive(afterSeq, page.messages || []);
      if (page.has_more && page.messages.length) return this.poll();
    } catch (error) {
      if (error.code === "FORBIDDEN") {
        this.forbidden = error;
        return this.refused();
      }
      if (error.retryable) this.setReachable(false);
    }
    this.startPolling();
  }

  // ------------------------------------------------------------------ plumbing

  receive(afterSeq, messages) {
    for (const message of messages) {
      if (message.role === "user" && message.client_id && this.outbox.acknowledge(message.client_id)) {
        this.cancel("ack:" + message.client_id);
      }
    }
    this.hooks.onMessages(afterSeq, messages);
  }

  identity() {
    return { website_id: this.config.websiteId, ...this.hooks.identity() };
  }

  setSession(frame, created) {
    this.session = {
      conversationId: frame.conversation_id,
      visitorToken: frame.visitor_token,
      userIdentifier: frame.user_identifier || "",
    };
    this.hooks.onSession(this.session, created);
  }

  /** Another tab started or left a conversation, or the visitor changed: follow it. */
  adopt(session) {
    if (session && this.session && session.conversationId === this.session.conversationId) return;
    this.session = session;
    this.ready = false;
    if (!session && this.ws) {
      // The socket is still in the old conversation's group: a fresh one is in none.
      const ws = this.ws;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close();
      this.cancel("ping");
      this.connect();
    } else if (this.socketOpen()) {
      this.identify(); // the server moves the socket to the new conversation
    } else if (session) {
      this.connect();
    }
  }

  /** The browser is back online: do not wait for the next attempt. */
  wake() {
    if (this.ws || this.state === REFUSED || !this.state) return;
    this.backoff.reset();
    this.connect();
  }

  setWorking(delta) {
    this.working += delta;
    this.hooks.onTyping({ role: "assistant", is_typing: this.working > 0, local: true });
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.hooks.onState(state, this.reachable);
  }

  setReachable(reachable) {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    this.hooks.onState(this.state, reachable);
    if (reachable) this.retryFailed();
  }

  socketOpen() {
    return Boolean(this.ws) && this.ws.readyState === OPEN;
  }

  sendFrame(frame) {
    if (this.socketOpen()) this.ws.send(JSON.stringify(frame));
  }

  later(name, seconds, fn) {
    this.cancel(name);
    this.timers[name] = this.env.setTimeout(() => {
      delete this.timers[name];
      fn();
    }, seconds * 1000);
  }

  cancel(name) {
    if (this.timers[name] === undefined) return;
    this.env.clearTimeout(this.timers[name]);
    delete this.timers[name];
  }
}
