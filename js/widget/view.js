/**
 * Rendering: the launcher and the panel in a shadow root, messages as text (links made
 * clickable by building anchors, never by parsing HTML), and the accessible names.
 */
import { linkify } from "../shared/linkify.js";
import { FAILED, PENDING } from "./outbox.js";
import { STYLESHEET } from "./styles.js";

const SVG = "http://www.w3.org/2000/svg";
const ICONS = {
  chat: "M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-5A8 8 0 1 1 21 12z",
  close: "M6 6l12 12M18 6L6 18",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",
  mute: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0M3 3l18 18",
};

export class View {
  constructor(config, actions, doc) {
    this.labels = config.labels;
    this.max = config.maxMessageLength;
    this.doc = doc;
    this.bySeq = new Map();
    this.byClient = new Map();
    const L = this.labels;
    const h = (tag, attrs, ...children) => this.el(tag, attrs, children);

    this.host = doc.createElement("livechat-widget");
    this.host.dataset.position = config.position;
    const root = this.host.attachShadow({ mode: "open" });
    this.style(root, config.nonce);

    this.status = h("p", { class: "status" });
    this.replies = h("p", { class: "replies", hidden: true });
    this.sound = h("button", { type: "button", class: "icon" });
    this.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": L.title, tabindex: "0" },
      h("p", { class: "note" }, L.greeting));
    this.typingLine = h("p", { class: "typing", "aria-live": "polite", hidden: true }, L.typing);
    // No maxlength: a paste over the limit is refused with a reason, never silently cut.
    this.input = h("textarea", {
      id: "lc-input", rows: "1", placeholder: L.placeholder, autocomplete: "off", "aria-describedby": "lc-hint",
    });
    // aria-disabled, not disabled: it stays in the tab order, and pressed it says why not.
    this.sendButton = h("button", { type: "submit", class: "send", "aria-disabled": "true" }, L.send);
    this.hint = h("p", { id: "lc-hint", class: "hint", "aria-live": "polite" });
    this.away = h("p", { class: "note away", hidden: true }, L.awayText);
    this.form = h("form", {},
      h("label", { class: "sr", for: "lc-input" }, L.inputLabel),
      this.input,
      this.sendButton);
    this.panel = h("section", { id: "lc-panel", class: "panel", "aria-label": L.title, hidden: true },
      h("header", {},
        h("div", { class: "heading" }, h("h2", {}, L.title), this.status, this.replies),
        config.sound ? this.sound : "",
        h("button", { type: "button", class: "icon close", "aria-label": L.closeChat }, this.icon("close"))),
      this.log, this.typingLine, this.away, this.hint, this.form);
    this.unread = h("span", { id: "lc-unread", class: "sr" });
    this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
    this.launcher = h("button", {
      type: "button", class: "launcher", "aria-label": L.openChat, "aria-expanded": "false",
      "aria-controls": "lc-panel", "aria-describedby": "lc-unread",
    }, this.icon("chat"), this.badge, this.unread);
    this.box = h("div", { class: "lc", "data-theme": config.theme }, this.panel, this.launcher);
    root.append(this.box);
    this.brand = config.color;

    this.launcher.onclick = () => actions.toggle();
    this.panel.querySelector(".close").onclick = () => actions.close();
    this.sound.onclick = () => actions.mute();
    this.panel.onkeydown = (event) => {
      if (event.key === "Escape") actions.close();
    };
    const submit = () => {
      const size = this.checkInput();
      if (!size || size > this.max) this.hint.textContent = size ? this.tooLong() : L.empty;
      else if (actions.send(this.input.value)) {
        this.input.value = "";
        this.grow();
        this.checkInput();
      }
      this.input.focus();
    };
    this.form.onsubmit = (event) => {
      event.preventDefault();
      submit();
    };
    this.input.onkeydown = (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    };
    this.input.oninput = () => {
      this.grow();
      actions.typing(this.checkInput() > 0);
    };
    this.retry = (clientId) => actions.retry(clientId);
    this.decorate = actions.decorate;
  }

  /**
   * The input's length (in characters, as the server counts them) against the limit: a
   * count near it, the reason over it, Send disabled while there is nothing to send.
   */
  checkInput() {
    const size = [...this.input.value.trim()].length;
    const left = this.max - size;
    this.sendButton.setAttribute("aria-disabled", !size);
    this.input.toggleAttribute("aria-invalid", left < 0);
    this.hint.textContent = left < 0 ? this.tooLong() : left < this.max / 10 ? this.labels.charsLeft.replace("{count}", left) : "";
    return size;
  }

  tooLong() {
    return this.labels.tooLong.replace("{max}", this.max);
  }

  el(tag, attrs, children) {
    const el = this.doc.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === true) el.setAttribute(name, "");
      else if (value !== false && value != null) el.setAttribute(name, value);
    }
    el.append(...children);
    return el;
  }

  icon(name) {
    const svg = this.doc.createElementNS(SVG, "svg");
    const path = this.doc.createElementNS(SVG, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  style(root, nonce) {
    try {
      // Constructed sheets need no 'unsafe-inline' under a Content Security Policy.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLESHEET);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = this.doc.createElement("style");
      if (nonce) style.nonce = nonce;
      style.textContent = STYLESHEET;
      root.append(style);
    }
  }

  /** Add to the page, above everything: in the top layer where popovers are supported. */
  mount() {
    this.doc.body.append(this.host);
    if (this.host.showPopover) {
      this.host.popover = "manual";
      this.host.showPopover();
    }
    this.setBrand(this.brand);
  }

  setBrand(color) {
    const box = this.box;
    if (!color || !isColor(color)) return;
    box.style.setProperty("--brand", color);
    // White or near-black text, whichever reads better on the brand colour.
    const rgb = getComputedStyle(this.launcher).backgroundColor.match(/[\d.]+/g) || [];
    const [r, g, b] = rgb.map(Number);
    if (0.299 * r + 0.587 * g + 0.114 * b > 170) box.style.setProperty("--on-brand", "#111");
  }

  setOpen(open, focus = true) {
    this.panel.hidden = !open;
    this.box.toggleAttribute("data-open", open);
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? this.labels.closeChat : this.labels.openChat);
    this.launcher.firstChild.replaceWith(this.icon(open ? "close" : "chat"));
    if (open) {
      this.scroll(true);
      if (focus) this.input.focus();
    }
  }

  focusLauncher() {
    this.launcher.focus();
  }

  /**
   * ``status``: online, away (no agent online, or closed), connecting, offline, or "" (not
   * started); ``awayText``: what the away note says; ``replies``: the reply-time promise
   * under the title, or "".
   */
  setConnection(state, status, awayText, replies) {
    this.host.dataset.connection = state;
    this.host.dataset.status = status;
    this.status.textContent = status ? this.labels[status] : "";
    this.status.dataset.status = status;
    this.away.hidden = status !== "away";
    this.away.textContent = awayText;
    this.replies.hidden = !replies;
    this.replies.textContent = replies;
  }

  setTyping(on) {
    this.typingLine.hidden = !on;
    if (on) this.scroll();
  }

  setUnread(count) {
    this.badge.hidden = !count;
    this.badge.textContent = count > 9 ? "9+" : String(count);
    this.unread.textContent = count ? this.labels.unread.replace("{count}", count) : "";
  }

  setMuted(muted) {
    this.sound.replaceChildren(this.icon(muted ? "mute" : "bell"));
    this.sound.setAttribute("aria-label", muted ? this.labels.soundOn : this.labels.soundOff);
  }

  /** A message the server stored; it replaces the visitor's pending copy, if shown. */
  message(message) {
    if (this.bySeq.has(message.seq)) return;
    const pending = this.byClient.get(message.client_id);
    const { role } = message;
    const who = role === "agent" ? message.sender_name : role === "assistant" ? this.labels.auto : "";
    const row = this.bubble(role, message.message, who);
    if (message.attachment) this.decorate(row.lastChild, message.attachment);
    row.dataset.seq = message.seq;
    const time = new Date(message.timestamp);
    if (message.timestamp && !isNaN(time)) {
      const stamp = this.el("time", { datetime: message.timestamp, title: time.toLocaleString() }, [
        time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
      ]);
      row.append(this.el("p", { class: "meta" }, [stamp]));
    }
    this.bySeq.set(message.seq, row);
    const stick = this.nearBottom() || Boolean(pending);
    if (pending) {
      pending.remove();
      this.byClient.delete(message.client_id);
    }
    // In seq order, before the visitor's messages still on their way.
    const next = [...this.log.children].find((child) =>
      child.dataset.seq ? Number(child.dataset.seq) > message.seq : Boolean(child.dataset.clientId));
    this.log.insertBefore(row, next || null);
    this.scroll(stick);
  }

  /**
   * A reply being written (``reply_delta``, the text so far): one bubble per client_id,
   * drawn again with each delta and replaced by the stored message (``message``).
   */
  stream({ client_id: id, text }) {
    const row = this.bubble("assistant", text, this.labels.auto);
    const old = this.byClient.get(id);
    row.dataset.clientId = id;
    row.setAttribute("aria-busy", "true"); // read once, as the stored message
    this.byClient.set(id, row);
    this.log.insertBefore(row, old || null);
    old?.remove();
    this.scroll();
  }

  /** One of the visitor's messages on its way: pending, or failed with a Retry button. */
  item(item) {
    let row = this.byClient.get(item.clientId);
    if (item.state !== PENDING && item.state !== FAILED) return;
    if (!row) {
      row = this.bubble("user", item.text, "");
      row.dataset.clientId = item.clientId;
      this.byClient.set(item.clientId, row);
      this.log.append(row);
      this.scroll(true);
    }
    row.dataset.state = item.state;
    row.classList.toggle("failed", item.state === FAILED);
    const meta = row.querySelector(".meta") || row.appendChild(this.el("p", { class: "meta" }, []));
    if (item.state === PENDING) {
      meta.replaceChildren(this.labels.sending);
      return;
    }
    const retry = this.el("button", { type: "button" }, [this.labels.retry]);
    retry.onclick = () => this.retry(item.clientId);
    const reason = item.code === "MESSAGE_TOO_LONG" ? this.tooLong() : item.error;
    meta.replaceChildren([this.labels.failed, reason].filter(Boolean).join(" ") + " ", retry);
  }

  note(text, kind) {
    this.log.append(this.el("p", { class: "note " + (kind || "") }, [text]));
    this.scroll(true);
  }

  clearMessages() {
    for (const row of [...this.bySeq.values(), ...this.byClient.values()]) row.remove();
    this.bySeq.clear();
    this.byClient.clear();
  }

  bubble(role, text, who) {
    const bubble = this.el("div", { class: "bubble" }, []);
    for (const part of linkify(String(text || ""))) {
      if (!part.href) {
        bubble.append(part.text);
        continue;
      }
      const link = this.el("a", { target: "_blank", rel: "noopener noreferrer nofollow ugc" }, [part.text]);
      link.href = part.href;
      bubble.append(link);
    }
    const row = this.el("div", { class: "msg " + (role === "user" ? "user" : role) }, []);
    if (who) row.append(this.el("span", { class: "who" }, [who]));
    row.append(bubble);
    return row;
  }

  grow() {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight + 2, 132) + "px";
  }

  nearBottom() {
    const log = this.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  scroll(force) {
    if (force || this.nearBottom()) this.log.scrollTop = this.log.scrollHeight;
  }
}

function isColor(color) {
  return typeof CSS === "undefined" || !CSS.supports || CSS.supports("color", color);
}
