// Search across the conversations the agent may see: a box above the inbox asks the
// server (``search``) as the agent types, and lists the hits (``search_results``); opening
// one loads its conversation and points at the message that matched.
import { el } from "./elements.js";
import { time } from "./view.js";

export const MIN_QUERY = 2;
export const MAX_QUERY = 200;
const WAIT_MS = 250; // typing pauses this long before the server is asked

export class Search {
  /** ``send(frame)`` sends on the agent socket; ``env``: setTimeout, clearTimeout. */
  constructor({ send, env }) {
    Object.assign(this, { send, env });
    this.query = ""; // the query asked for last
    this.timer = null;
  }

  /** The box says ``text`` now: ask (after a pause) if it is a query; true if one will go. */
  typed(text, websiteId = "") {
    this.env.clearTimeout(this.timer);
    const query = String(text).trim();
    if (query.length < MIN_QUERY || query.length > MAX_QUERY) {
      this.query = "";
      return false;
    }
    this.timer = this.env.setTimeout(() => this.ask(query, websiteId), WAIT_MS);
    return true;
  }

  ask(query, websiteId = "") {
    this.env.clearTimeout(this.timer);
    this.query = query;
    const frame = { type: "search", query };
    if (websiteId) frame.website_id = websiteId;
    return this.send(frame);
  }

  /** A ``search_results`` frame: its results if it answers the query asked for last, else null. */
  results(event) {
    if (!this.query || event.query !== this.query) return null;
    return Array.isArray(event.results) ? event.results : [];
  }

  clear() {
    this.env.clearTimeout(this.timer);
    this.query = "";
  }
}

/** The hits as buttons (who, when, the snippet); each names its conversation and seq. */
export function renderResults(list, results, t) {
  const items = results.map((hit) => {
    const who = hit.visitor_name || hit.visitor_email || hit.visitor_identifier || t("aVisitor");
    const button = el(
      "button",
      { type: "button", className: "lc-hit" },
      el(
        "span",
        { className: "lc-item-top" },
        el("span", { className: "lc-item-name", text: who }),
        el("time", { className: "lc-item-time", text: time(hit.created_at) }),
      ),
      el("span", { className: "lc-hit-snippet", text: hit.snippet || "" }),
      hit.status === "resolved" ? el("span", { className: "lc-tag", text: t("resolved") }) : null,
    );
    button.dataset.conversationId = hit.conversation_id;
    if (Number.isInteger(hit.seq)) button.dataset.seq = String(hit.seq);
    return el("li", {}, button);
  });
  list.replaceChildren(...items);
  return items.length;
}

/**
 * The search box above the inbox and its results: ``input`` (the box), ``box`` (the
 * results' section), ``list`` and ``empty`` inside it. ``websiteId()`` narrows the search
 * to the website the filter names (or ""); ``onOpen(conversationId, seq)`` opens a hit
 * (``seq`` null for a hit on the visitor's details).
 */
export class SearchBox {
  constructor({ input, box, list, empty, search, websiteId, onOpen, t }) {
    Object.assign(this, { input, box, list, empty, search, websiteId, onOpen, t });
    input.addEventListener("input", () => {
      if (!search.typed(input.value, websiteId())) box.hidden = true;
    });
    input.addEventListener("keydown", (event) => this.key(event));
    list.addEventListener("click", (event) => {
      const hit = event.target.closest("[data-conversation-id]");
      if (hit) onOpen(hit.dataset.conversationId, hit.dataset.seq ? Number(hit.dataset.seq) : null);
    });
  }

  key(event) {
    if (event.key === "Enter") {
      event.preventDefault();
      const query = this.input.value.trim();
      if (query.length >= MIN_QUERY && query.length <= MAX_QUERY) this.search.ask(query, this.websiteId());
    } else if (event.key === "Escape") {
      this.input.value = "";
      this.search.clear();
      this.box.hidden = true;
    } else if (event.key === "ArrowDown") {
      const first = this.list.querySelector("button");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  /** A ``search_results`` frame: shown if it answers the query asked for last. */
  results(event) {
    const results = this.search.results(event);
    if (results === null) return;
    this.box.hidden = false;
    this.empty.hidden = renderResults(this.list, results, this.t) > 0;
  }

  focus() {
    this.input.focus();
  }
}
