/**
 * Delivery: the visitor socket first, the HTTP API whenever the socket is not open.
 *
 * - A message goes over the socket when it is open and identified, else over HTTP at
 *   once. A socket message not echoed back (by ``client_id``) in time is sent again over
 *   HTTP, whose answer is per message; the server stores a ``client_id`` only once.
 * - An error naming a message (``client_id``) acts on that message only: tried again
 *   later (UNAVAILABLE, RATE_LIMITED), failed for good (INVALID_MESSAGE,
 *   MESSAGE_TOO_LONG) or sent over HTTP (anything else). An error naming none makes
 *   every unconfirmed socket message go over HTTP.
 * - A lost socket reconnects with exponential backoff and jitter, up to the retry limit;
 *   then the widget works over HTTP polling and tries the socket again now and then. A
 *   socket silent for too long (no pong to the heartbeat) counts as lost.
 * - A lost socket, or a first attempt that fails, asks HTTP at once (the conversation's
 *   messages, or without one the website's widget settings), so the status line says
 *   within seconds whether the server is reachable at all, and how many agents are online.
 * - Live delivery may drop events, so nothing relies on it alone: every (re)join asks for
 *   the messages after the last seq held, a hole below a message or a pong naming a newer
 *   seq is repaired with a history request, and while the socket is down with a
 *   conversation going, HTTP polling asks the same.
 */
import { Backoff, probeDelay } from "../shared/backoff.js";
import { CatchUp } from "../shared/catchup.js";
import { Heartbeat } from "../shared/heartbeat.js";
import { ChatError, NETWORK } from "./http.js";
import { PENDING } from "./outbox.js";

const OPEN = 1;
const CLOSE_FORBIDDEN = 4403;
const ACK_TIMEOUT = 10; // seconds the socket has to echo a message before HTTP takes it
const RETRY_AFTER = 2; // seconds before sending again when the server names no delay
const LATER = "later"; // an item's ``via`` while it waits to be sent again
const CONVERSATION = ""; // the catch-up key: the widget has one conversation

export const CONNECTING = "connecting";
export const SOCKET = "socket";
export const POLLING = "http";
export const REFUSED = "refused";

export class Transport {
  /**
   * ``hooks``: identity(), lastSeq(), highestSeq(), onSession(session, created, frame),
   * onSessionLost(), onMessages(afterSeq | null, messages), onTyping(event),
   * onStatus(event), onDelta(event), onHandoff(event), onError(error), onItem(item),
   * onState(state, reachable), onPresence(agentsOnline), onAvailability(patch).
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
    this.reachable = null; // the last HTTP call reached the server (null: none made yet)
    this.timers = {};
    this.opening = null; // an HTTP identify in flight
    this.working = 0; // HTTP posts waiting for the responder's reply
    this.freshStart = false; // the token was refused once: a second refusal is final
    this.forbidden = null;
    this.identifying = false;
    this.heartbeat = new Heartbeat({
      interval: config.heartbeatInterval,
      beat: () => this.ping(),
      silent: () => this.silent(),
      env,
    });
    this.catchUp = new CatchUp({
      missing: (key, upTo) => this.hooks.lastSeq() < upTo,
      request: () => this.requestHistory(),
      env,
    });
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
    this.heartbeat.start();
    if (!this.identify()) this.backoff.reset();
  }

  /** The heartbeat: the pong says the conversation's newest seq. */
  ping() {
    this.sendFrame(this.ready ? { type: "ping", last_seq: this.hooks.lastSeq() } : { type: "ping", website_id: this.config.websiteId });
  }

  /** Nothing heard for too long: the socket is dead even if the browser has not noticed. */
  silent() {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.close();
    this.socketClosed(ws, { code: 1006 });
  }

  /**
   * Identify on the open socket: rejoin, or start a conversation for waiting messages. A
   * visitor named (setUser) after an anonymous start is named in the rejoin, which keeps
   * the conversation.
   */
  identify() {
    if (!this.socketOpen()) return false;
    this.identifying = true;
    if (this.session) {
      this.historyFrom = this.hooks.lastSeq();
      this.catchUp.begin(CONVERSATION); // the history that follows the rejoin
      this.sendFrame({ type: "identify", ...this.rejoin(), last_seq: this.historyFrom });
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
    this.heartbeat.heard();
    switch (frame && frame.type) {
      case "identified":
        return this.identified(frame);
      case "history":
        return this.history(frame);
      case "chat_message":
        return this.receive(null, [frame]);
      case "pong":
        this.presence(frame);
        return this.checkGap(Number.isInteger(frame.last_seq) ? frame.last_seq : 0);
      case "presence":
        return this.presence(frame);
      case "typing":
        return this.hooks.onTyping(frame);
      case "status":
        return this.hooks.onStatus(frame);
      case "reply_delta":
        return this.hooks.onDelta(frame);
      case "handoff":
        return this.hooks.onHandoff(frame);
      case "error":
        return this.socketError(
          new ChatError(frame.code, frame.message, { retryAfter: frame.retry_after }),
          frame.client_id,
        );
    }
  }

  history(frame) {
    const messages = frame.messages || [];
    this.receive(this.historyFrom, messages);
    if (frame.has_more && messages.length) {
      this.historyFrom = messages[messages.length - 1].seq;
      this.catchUp.begin(CONVERSATION);
      this.sendFrame({ type: "history", last_seq: this.historyFrom });
      return;
    }
    this.catchUp.done(CONVERSATION);
  }

  /**
   * Something may be missing: a hole below the highest seq held, or the server's newest
   * seq (a pong's) above it. Over the socket, ask for it if it does not come by itself;
   * without the socket, HTTP polling asks anyway.
   */
  checkGap(newest = 0) {
    const upTo = Math.max(newest, this.hooks.highestSeq());
    if (this.ready && upTo > this.hooks.lastSeq()) this.catchUp.note(CONVERSATION, upTo);
  }

  requestHistory() {
    if (!this.ready) return false;
    this.historyFrom = this.hooks.lastSeq();
    this.sendFrame({ type: "history", last_seq: this.historyFrom, reason: "gap" });
    return true;
  }

  identified(frame) {
    this.identifying = false;
    this.presence(frame);
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

  socketError(error, clientId) {
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
    if (clientId) {
      const item = this.outbox.get(clientId);
      if (item && item.state === PENDING) this.refusedItem(item, error);
      return;
    }
    // An error frame that names no message: HTTP answers for each unconfirmed one.
    const unsure = this.outbox.pending().filter((item) => item.via === "ws");
    unsure.forEach((item) => this.sendHttp(item));
    if (!unsure.length || error.code === "INTERNAL_ERROR") this.hooks.onError(error);
  }

  /** The server refused this one message (over the socket or HTTP). */
  refusedItem(item, error) {
    switch (error.code) {
      case "UNAVAILABLE": // nothing was stored: the same client_id again later
      case "RATE_LIMITED":
        return this.retryLater(item, error.retryAfter);
      case "INVALID_MESSAGE":
      case "MESSAGE_TOO_LONG":
        return this.fail(item, error);
      default:
        return this.sendHttp(item); // INTERNAL_ERROR: HTTP answers for this message
    }
  }

  socketClosed(ws, event) {
    const opened = this.state === SOCKET;
    this.ws = null;
    this.ready = this.identifying = false;
    this.heartbeat.stop();
    this.catchUp.reset(); // the rejoin asks for everything after the last seq held
    if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
    // Its "typing: false" may have been lost with it.
    this.hooks.onTyping({ role: "assistant", is_typing: false });
    if (event.code === CLOSE_FORBIDDEN) return this.refused();
    // No message waits for a reconnect (but one told to wait keeps waiting).
    for (const item of this.outbox.pending()) if (item.via === "ws" || !item.via) this.sendHttp(item);
    // Is the server down, or only the socket? Asked once, not on every attempt.
    if (opened || this.reachable === null) this.probe();
    else this.startPolling();
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
    this.heartbeat.stop();
    this.catchUp.reset();
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
    for (const item of this.outbox.pending()) if (item.via === "ws" || !item.via) this.sendSocket(item);
  }

  /** Send it again after ``seconds`` (the server's ``retry_after``), with the same client_id. */
  retryLater(item, seconds) {
    item.via = LATER;
    this.cancel("ack:" + item.clientId);
    this.later("retry:" + item.clientId, Number(seconds) > 0 ? Number(seconds) : RETRY_AFTER, () => {
      item.via = "";
      if (item.state === PENDING) this.send(item);
    });
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
      if (error.code === "UNAVAILABLE" || error.code === "RATE_LIMITED") return this.retryLater(item, error.retryAfter);
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
          this.presence(frame);
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
    if (this.outbox.fail(item.clientId, detail, error.retryable, error.code)) this.hooks.onItem(item, error);
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
      this.presence(page);
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

  /** Does HTTP reach the server? Asked when the socket fails, and by a new visitor. */
  async probe() {
    if (this.session) {
      this.cancel("poll");
      return this.poll();
    }
    try {
      this.presence(await this.http.widget(this.config.websiteId));
      this.setReachable(true);
    } catch (error) {
      this.setReachable(error.code !== NETWORK); // any answer means the server is up
    }
  }

  // ------------------------------------------------------------------ plumbing

  /** A rejoin's fields, and the visitor's identity while the conversation is anonymous. */
  rejoin() {
    const identity = this.identity();
    const { conversationId, visitorToken, userIdentifier } = this.session;
    const named = identity.user_identifier && !userIdentifier ? identity : { website_id: identity.website_id };
    return { ...named, conversation_id: conversationId, visitor_token: visitorToken };
  }

  /** ``agents_online`` of an identified frame, a presence event, a pong or an HTTP answer. */
  presence(data) {
    if (!data) return;
    // Opening hours: in the settings and ``identified``; ``presence`` says only ``open``.
    if (data.availability || typeof data.open === "boolean") this.hooks.onAvailability(data.availability || { open: data.open });
    if (Number.isInteger(data.agents_online)) this.hooks.onPresence(data.agents_online);
  }

  receive(afterSeq, messages) {
    for (const message of messages) {
      if (message.role === "user" && message.client_id && this.outbox.acknowledge(message.client_id)) {
        this.cancel("ack:" + message.client_id);
        this.cancel("retry:" + message.client_id);
      }
    }
    this.hooks.onMessages(afterSeq, messages);
    this.checkGap();
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
    this.hooks.onSession(this.session, created, frame);
  }

  /** Another tab started or left a conversation, or the visitor changed: follow it. */
  adopt(session) {
    if (session && this.session && session.conversationId === this.session.conversationId) return;
    this.session = session;
    this.ready = false;
    this.catchUp.reset(); // what was missing belonged to the other conversation
    if (!session && this.ws) {
      // The socket is still in the old conversation's group: a fresh one is in none.
      const ws = this.ws;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close();
      this.heartbeat.stop();
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
