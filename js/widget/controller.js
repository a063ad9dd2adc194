/**
 * The widget: wires the conversation state, the transport, the view, storage and sound,
 * and is the host page's API (``window.LiveChat``). What only some visitors need (the
 * pre-chat form, the email prompt, the rating, uploads) is in widget-extras.js, loaded
 * the first time it is needed (``extras()``).
 */
import { MessageLog } from "../shared/messages.js";
import { httpClient } from "./http.js";
import { Outbox } from "./outbox.js";
import { Chime } from "./sound.js";
import { VisitorStore } from "./storage.js";
import { REFUSED, SOCKET, Transport } from "./transport.js";
import { View } from "./view.js";

const EVENTS = ["message", "open", "close", "status", "sound"];

export class ChatWidget {
  constructor(config, env) {
    this.config = config;
    this.env = env;
    this.listeners = Object.fromEntries(EVENTS.map((name) => [name, new Set()]));
    this.user = {};
    this.isOpen = false;
    this.agents = undefined; // agents online: unknown until the server says
    this.availability = config.availability || {};
    this.log = new MessageLog();
    this.outbox = new Outbox();
    this.store = new VisitorStore(localStorageOf(env), config.websiteId);
    this.chime = new Chime("django-livechat-sound:" + config.websiteId, env);
    this.view = new View(config, {
      toggle: () => this.toggle(),
      close: () => {
        this.close();
        this.view.focusLauncher();
      },
      send: (text) => this.send(text),
      retry: (clientId) => this.retry(clientId),
      mute: () => this.setMuted(!this.store.state.muted),
      typing: (on) => this.typing(on),
      // A file in a message: shown by the extras (its link, or its thumbnail).
      decorate: (bubble, attachment) => this.withExtras("attachment", bubble, attachment),
    }, env.document);
    this.transport = new Transport({
      config,
      http: httpClient(config.apiUrl, (...args) => env.fetch(...args)),
      outbox: this.outbox,
      hooks: this,
      env: {
        WebSocket: env.WebSocket,
        setTimeout: (fn, ms) => env.setTimeout(fn, ms),
        clearTimeout: (id) => env.clearTimeout(id),
        random: Math.random,
      },
    });
    this.typingOn = { remote: false, local: false };
    this.openKey = "django-livechat-open:" + config.websiteId;
    this.view.mount();
    this.view.setMuted(this.store.state.muted);
    env.addEventListener("storage", (event) => this.storageChanged(event));
    env.addEventListener("online", () => this.transport.wake());
    env.addEventListener("offline", () => this.onState());
    env.document.addEventListener("visibilitychange", () => this.updateUnread());
    // An email link (?livechat_resume=): the extras rejoin its conversation instead.
    const resume = /[?&]livechat_resume=/.test(env.location.search);
    const saved = resume ? null : this.savedSession();
    if (resume) this.withExtras("resume");
    // The website asks first: no composer until the extras know (and show the form).
    this.view.form.hidden = Boolean(config.prechat && !saved);
    // A visitor who chatted before gets the replies that came meanwhile: join at once.
    // Messages already there when the page loads are not news (no sound, no event).
    this.baseline = saved ? null : 0;
    if (saved) {
      this.transport.session = saved;
      this.transport.connect();
    }
    // The panel was open before this reload (in this tab): open again, keep the focus.
    if (this.tabStorage()?.getItem(this.openKey)) this.open(false);
  }

  // ------------------------------------------------------------------ the host page's API

  api() {
    const api = {
      version: "1",
      open: () => this.open(),
      close: () => this.close(),
      toggle: () => this.toggle(),
      setUser: (user) => this.setUser(user),
      on: (event, fn) => {
        this.listeners[event].add(fn);
        return () => this.listeners[event].delete(fn);
      },
      off: (event, fn) => this.listeners[event].delete(fn),
      push: (fn) => fn(api),
    };
    return Object.freeze(api);
  }

  // ------------------------------------------------------------------ the extras

  /** widget-extras.js, loaded once; it answers with its ``livechat:extras`` event. */
  extras() {
    this.extrasLoad ||= new Promise((resolve, reject) => {
      const doc = this.env.document;
      const script = doc.createElement("script");
      const loaded = (event) => {
        doc.removeEventListener("livechat:extras", loaded);
        resolve((this.loaded = event.detail(this)));
      };
      doc.addEventListener("livechat:extras", loaded);
      script.onerror = (error) => {
        doc.removeEventListener("livechat:extras", loaded);
        script.remove();
        this.extrasLoad = null; // the next use tries again
        reject(error);
      };
      script.src = this.config.extrasUrl;
      if (this.config.nonce) script.nonce = this.config.nonce;
      doc.head.append(script);
    });
    return this.extrasLoad;
  }

  /** Run one of the extras' features (loading them first). */
  withExtras(feature, ...args) {
    return this.extras().then(
      (extras) => extras[feature](...args),
      () => this.view.note(this.config.labels.error, "error"),
    );
  }

  open(focus = true) {
    this.use();
    if (this.isOpen) return;
    this.isOpen = true;
    this.keepOpen(true);
    this.view.setOpen(true, focus);
    // Uploads, the email prompt, "seen"; the pre-chat form if the website asks first.
    this.withExtras("opened", focus);
    // A new visitor learns at once whether the server is there and anyone is online.
    if (!this.transport.session && this.agents === undefined) this.transport.probe();
    this.transport.connect();
    this.onState();
    this.updateUnread();
    this.emit("open");
  }

  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.keepOpen(false);
    this.view.setOpen(false);
    this.emit("close");
  }

  toggle() {
    if (this.isOpen) this.close();
    else this.open();
  }

  /**
   * Who the visitor is: sent when a conversation starts. An anonymous conversation is
   * kept and named at once; one started for another identified person is left, so the
   * next message starts a new one.
   */
  setUser(user) {
    this.user = { ...(user || {}) };
    const session = this.transport.session;
    const identifier = this.user.identifier ? String(this.user.identifier) : "";
    if (!session || session.userIdentifier === identifier) return;
    if (session.userIdentifier) {
      this.transport.adopt(null);
      this.onSessionLost();
    } else if (identifier) {
      this.withExtras("reidentify"); // rare: a page that names the visitor late
    }
  }

  emit(event, detail) {
    for (const fn of this.listeners[event]) {
      try {
        fn(detail);
      } catch (error) {
        console.error(error);
      }
    }
  }

  // ------------------------------------------------------------------ visitor actions

  /** The visitor's first use: from now on the widget may write to localStorage. */
  use() {
    this.store.enable();
    this.chime.arm();
  }

  send(text) {
    text = String(text || "").trim();
    if (!text) return false;
    this.use();
    this.typing(false);
    const item = this.outbox.add(text);
    this.view.item(item);
    this.transport.send(item);
    return true;
  }

  retry(clientId) {
    const item = this.outbox.retry(clientId);
    if (!item) return;
    this.view.item(item);
    this.transport.send(item);
  }

  setMuted(muted) {
    this.use();
    this.store.update({ muted });
    this.view.setMuted(muted);
  }

  /** The visitor typing: told to the agents over the socket, at most every few seconds. */
  typing(on) {
    const transport = this.transport;
    this.env.clearTimeout(this.typingTimer);
    const now = Date.now();
    if (on && transport.ready) {
      if (now - (this.typingSentAt || 0) > 5000) transport.sendFrame({ type: "typing", is_typing: true });
      this.typingSentAt = now;
      this.typingTimer = this.env.setTimeout(() => this.typing(false), 4000);
    } else if (!on && this.typingSentAt) {
      this.typingSentAt = 0;
      transport.sendFrame({ type: "typing", is_typing: false });
    }
  }

  // ------------------------------------------------------------------ transport hooks

  identity() {
    const { identifier, name, email } = this.user;
    const hash = this.user.identifier_hash || this.user.hash;
    const { location, navigator, document } = this.env;
    const metadata = {
      page: (location.origin + location.pathname).slice(0, 500),
      title: String(document.title || "").slice(0, 200),
      language: navigator.language,
      browser: String(navigator.userAgent).slice(0, 300),
    };
    if (name) metadata.name = String(name).slice(0, 200);
    if (email) metadata.email = String(email).slice(0, 200);
    const identity = { metadata };
    if (identifier) identity.user_identifier = String(identifier).slice(0, 255);
    if (identifier && hash) identity.identifier_hash = String(hash);
    return identity;
  }

  lastSeq() {
    return this.log.lastSeq;
  }

  highestSeq() {
    return this.log.highest;
  }

  onSession(session, created, frame) {
    // The server started another conversation (the token's belonged to someone else).
    if (created && this.log.highest) this.onSessionLost();
    // Resolved and not rated (a reload before rating): asked again after the history.
    this.unrated = frame.conversation_status === "resolved" && frame.rated === false;
    // Handed over to a person already: the extras show no "Talk to a person".
    this.handoffAt = frame.handoff_at;
    this.loaded?.person.update();
    this.store.update({
      conversationId: session.conversationId,
      visitorToken: session.visitorToken,
      userIdentifier: session.userIdentifier,
    });
  }

  onSessionLost() {
    this.store.update({ conversationId: "", visitorToken: "", userIdentifier: "", readSeq: 0 });
    this.log.clear();
    this.view.clearMessages();
    this.baseline = 0;
  }

  onMessages(afterSeq, messages) {
    const added = afterSeq === null ? messages.filter((m) => this.log.add(m)) : this.log.addPage(afterSeq, messages);
    added.sort((a, b) => a.seq - b.seq);
    for (const message of added) this.view.message(message);
    if (afterSeq !== null && this.unrated) {
      this.unrated = false;
      this.withExtras("rate");
    }
    if (this.baseline === null && afterSeq !== null) {
      // The first page after loading: what the visitor saw before.
      this.baseline = this.log.highest;
      this.updateUnread();
      return;
    }
    const news = added.filter((m) => this.baseline === null || m.seq > this.baseline);
    const replies = news.filter((m) => m.role !== "user");
    if (replies.length) {
      this.setTyping("remote", false);
      const seq = replies[replies.length - 1].seq;
      if (this.config.sound && !this.store.state.muted && this.chime.shouldPlay(seq, (s) => this.claimChime(s))) {
        this.chime.play();
        this.emit("sound", seq);
      }
    }
    for (const message of news) this.emit("message", { ...message });
    this.updateUnread();
  }

  onTyping(event) {
    if (event.role === "user") return;
    this.setTyping(event.local ? "local" : "remote", Boolean(event.is_typing));
  }

  onStatus(event) {
    const L = this.config.labels;
    if (event.status === "resolved") {
      this.view.note(L.resolved);
      this.withExtras("rate");
    } else if (event.status === "open") this.view.note(L.reopened);
    this.emit("status", event.status);
  }

  /** A bot's reply being written: the text so far, until its ``chat_message`` replaces it. */
  onDelta(event) {
    this.setTyping("remote", false);
    this.view.stream(event);
  }

  /** The conversation went to a person (the visitor, the bot or an agent said so). */
  onHandoff(event) {
    this.withExtras("handoff", event);
  }

  onError(error) {
    const L = this.config.labels;
    this.setTyping("remote", false);
    if (error.code === "NETWORK") return; // the status line says "Offline"
    const refused = error.code === "FORBIDDEN" || error.code === "INVALID_WEBSITE";
    this.view.note(refused ? L.refused : error.detail || L.error, "error");
  }

  onItem(item) {
    this.view.item(item);
  }

  onState() {
    const L = this.config.labels;
    const { open, reply_time: time } = this.availability;
    const status = this.status();
    const replies = status === "online" && time ? L.replyTime.replace("{time}", time) : "";
    this.view.setConnection(this.transport.state, status, open === false ? L.closedText : L.awayText, replies);
  }

  onPresence(count) {
    this.agents = count;
    this.onState();
  }

  /** Opening hours: the settings', then ``identified`` and ``presence`` (``open`` only). */
  onAvailability(patch) {
    this.availability = { ...this.availability, ...patch };
    this.onState();
  }

  /**
   * What the header says: "online" or "away" (no agent online) when a transport works
   * (the socket is open, or the last HTTP call was answered), "offline" when neither
   * does, "connecting" before either has.
   */
  status() {
    const { state, reachable } = this.transport;
    if (state === REFUSED || this.env.navigator.onLine === false) return "offline";
    if (state === SOCKET || reachable) return this.agents === 0 || this.availability.open === false ? "away" : "online";
    return reachable === false ? "offline" : state ? "connecting" : "";
  }

  // ------------------------------------------------------------------ helpers

  setTyping(source, on) {
    this.typingOn[source] = on;
    if (source === "remote") {
      this.env.clearTimeout(this.typingExpiry);
      // Always ends, even if the "false" never comes.
      if (on) this.typingExpiry = this.env.setTimeout(() => this.setTyping("remote", false), this.config.typingTimeout * 1000);
    }
    this.view.setTyping(this.typingOn.remote || this.typingOn.local);
  }

  /** Unread replies: those after the last one read in any tab (shared through storage). */
  updateUnread() {
    if (this.isOpen && this.env.document.visibilityState !== "hidden" && this.log.highest > this.store.state.readSeq) {
      this.store.update({ readSeq: this.log.highest });
    }
    this.view.setUnread(this.log.repliesAfter(this.store.state.readSeq));
    this.loaded?.seen(); // the extras tell the server, throttled
  }

  /** Without Web Locks: the first tab to note a reply's seq in storage chimes for it. */
  claimChime(seq) {
    if (this.store.read().soundSeq >= seq) return false;
    this.store.update({ soundSeq: seq });
    return true;
  }

  /** Kept for reloads of this tab (sessionStorage), once the visitor has used the chat. */
  keepOpen(open) {
    try {
      if (this.store.enabled) this.tabStorage()[open ? "setItem" : "removeItem"](this.openKey, "1");
    } catch {
      // Storage blocked: a reload starts closed.
    }
  }

  tabStorage() {
    try {
      return this.env.sessionStorage;
    } catch {
      return null; // blocked, as localStorage can be
    }
  }

  savedSession() {
    const { conversationId, visitorToken, userIdentifier } = this.store.state;
    return conversationId && visitorToken ? { conversationId, visitorToken, userIdentifier: userIdentifier || "" } : null;
  }

  storageChanged(event) {
    const before = this.store.changed(event);
    if (!before) return;
    this.store.enabled = true; // the visitor used the widget in another tab
    const now = this.store.state;
    if (now.muted !== before.muted) this.view.setMuted(now.muted);
    if (now.conversationId !== before.conversationId && now.conversationId !== this.transport.session?.conversationId) {
      this.log.clear();
      this.view.clearMessages();
      this.baseline = 0;
      this.transport.adopt(this.savedSession());
    }
    this.updateUnread();
  }
}

function localStorageOf(env) {
  try {
    return env.localStorage;
  } catch {
    return null; // storage blocked (third-party frames, strict privacy settings)
  }
}
