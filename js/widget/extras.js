/**
 * The extras of one widget: what only some visitors need, loaded by the core
 * (``ChatWidget.extras``) when the panel first opens, a conversation is resolved, a message
 * carries a file or an email link is followed. The core calls the methods below.
 */
import { DEFAULT_LABELS } from "./config.js";
import { ContactForm } from "./contact.js";
import { EXTRAS_STYLESHEET } from "./extras-styles.js";
import { Handoff } from "./handoff.js";
import { PrechatForm } from "./prechat.js";
import { RatingForm } from "./rating.js";
import { reidentify } from "./reidentify.js";
import { SeenReporter } from "./seen.js";
import { Uploads, attachmentLink } from "./upload.js";

const RESUME = "livechat_resume";

export class Extras {
  constructor(widget) {
    this.widget = widget;
    // The server's texts (the tag's, the settings') win over these English defaults.
    this.labels = { ...DEFAULT_LABELS, ...widget.config.labels };
    const view = widget.view;
    this.h = (tag, attrs, ...children) => view.el(tag, attrs, children);
    this.style(view.host.shadowRoot, widget.config.nonce);
    const transport = widget.transport;
    this.seenReporter = new SeenReporter({
      visible: () => widget.isOpen && widget.env.document.visibilityState !== "hidden" && Boolean(transport.session),
      highest: () => widget.log.highest,
      send: (seq) => {
        if (transport.ready) transport.sendFrame({ type: "seen", seq });
        else this.call("seen/", { seq }).catch(() => {});
      },
      env: { now: () => Date.now(), setTimeout: (fn, ms) => widget.env.setTimeout(fn, ms) },
    });
    this.uploads = new Uploads(this, () => transport.ensureSession());
    this.person = new Handoff(this);
    widget.listeners.message.add((message) => this.message(message));
  }

  style(root, nonce) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(EXTRAS_STYLESHEET);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    } catch {
      const style = this.h("style", { nonce: nonce || null }, EXTRAS_STYLESHEET);
      root.append(style);
    }
  }

  /** A visitor call over HTTP with the conversation's token. */
  call(path, body) {
    const session = this.widget.transport.session;
    return this.widget.transport.http.call("POST", path, session && session.visitorToken, body);
  }

  // ------------------------------------------------------------------ called by the core

  /** The panel opened: the pre-chat form if the website asks first; else the composer. */
  opened(focus) {
    const widget = this.widget;
    const prechat = widget.config.prechat;
    const needed = prechat && !widget.transport.session && !widget.user.identifier;
    if (!needed) {
      if (this.prechat) this.closePrechat(focus);
      else widget.view.form.hidden = false;
    } else if (!this.prechat) {
      this.prechat = new PrechatForm(this, prechat, (answers) => this.startWith(answers));
      widget.view.log.hidden = widget.view.form.hidden = true;
      widget.view.log.after(this.prechat.form);
      if (focus) this.prechat.focus();
    }
    this.person.update();
    this.seen();
  }

  /** The visitor was named (setUser) while the conversation is anonymous: keep it, named. */
  reidentify() {
    reidentify(this.widget.transport);
  }

  /** The conversation was handed over to a person (the server's ``handoff`` event). */
  handoff(event) {
    this.person.handedOver(event);
  }

  /** Start the conversation with the pre-chat answers (``POST api/conversations/``). */
  async startWith(answers) {
    const transport = this.widget.transport;
    const identity = transport.identity();
    if (answers.name) identity.metadata = { ...identity.metadata, name: answers.name };
    const frame = await transport.http.open({ ...identity, prechat: answers });
    this.email = answers.email;
    transport.presence(frame);
    if (!transport.session) transport.setSession(frame, true);
    transport.identify(); // an open socket joins it now; else the next one does
    this.closePrechat(true);
  }

  closePrechat(focus) {
    const view = this.widget.view;
    this.prechat.form.remove();
    this.prechat = null;
    view.log.hidden = view.form.hidden = false;
    this.person.update();
    if (focus) view.input.focus();
  }

  /** The messages are visible: tell the server (throttled). */
  seen() {
    this.seenReporter.check();
  }

  /** A message's file. */
  attachment(bubble, attachment) {
    bubble.append(attachmentLink(this.h, attachment, this.widget.config.apiUrl));
  }

  /** The conversation was resolved: ask for a rating, once. */
  rate() {
    if (this.rating && this.rating.form.isConnected) return;
    this.rating = new RatingForm(this, (rating, comment) => this.call("rating/", { rating, comment }));
    this.show(this.rating.form);
  }

  /** An email link: rejoin its conversation (the token is good for days), then open. */
  async resume() {
    const widget = this.widget;
    widget.use(); // following the link is using the chat: keep the conversation
    const { history, location } = widget.env;
    const url = new URL(location.href);
    const token = url.searchParams.get(RESUME);
    url.searchParams.delete(RESUME);
    try {
      history.replaceState(history.state, "", url.href);
    } catch {
      // A sandboxed page: the token stays in the address bar.
    }
    const transport = widget.transport;
    try {
      const frame = await transport.http.open({ ...transport.identity(), resume_token: token });
      widget.baseline = null; // what the conversation holds already is not news
      transport.presence(frame);
      transport.setSession(frame, true);
      transport.identify();
      transport.connect();
    } catch {
      // Expired, or another website's: the conversation this browser had, if any.
      transport.adopt(widget.savedSession());
    }
    widget.open(false);
  }

  // ------------------------------------------------------------------ the email prompt

  /** After the visitor's first message while nobody can answer: where to reply? */
  message(message) {
    const widget = this.widget;
    this.person.update(); // the first message started the conversation
    const id = widget.transport.session && widget.transport.session.conversationId;
    if (message.role !== "user" || widget.status() !== "away" || !id) return;
    if (widget.user.email || this.email || widget.store.state.contactAsked === id) return;
    widget.store.update({ contactAsked: id });
    const form = new ContactForm(this, async (email) => {
      const saved = await this.call("contact/", { email });
      this.email = email;
      return saved || {};
    });
    this.show(form.form);
  }

  show(element) {
    const view = this.widget.view;
    view.log.append(element);
    view.scroll(true);
  }
}
