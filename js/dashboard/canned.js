// Canned replies: the agent types "/" at the start of the reply box and picks a saved
// reply from a searchable list; its placeholders are filled with the conversation's
// values. The list comes from the ``ready`` frame's ``canned`` (and ``canned`` answers).
// The reply box stays a textbox (a textarea takes no combobox role): it owns the listbox
// through aria-controls and aria-activedescendant, the pattern of an autocompleting box.
import { el } from "./elements.js";

export const PLACEHOLDERS = ["visitor_name", "visitor_email", "agent_name", "website_name"];
const MAX_SHOWN = 12;
const TRIGGER = /^\/([\w-]*)$/; // "/" and what follows it, alone in the box

/**
 * ``text`` with each known ``{placeholder}`` replaced by ``values[name]``; an empty or
 * unknown value leaves nothing, and the space it would double goes with it.
 */
export function fillPlaceholders(text, values = {}) {
  const known = new Set(PLACEHOLDERS);
  return String(text).replace(/( ?)\{(\w+)\}( ?)/g, (whole, before, name, after) => {
    if (!known.has(name)) return whole;
    const value = values[name] === null || values[name] === undefined ? "" : String(values[name]).trim();
    if (value) return `${before}${value}${after}`;
    return before && after ? " " : "";
  });
}

/** The replies usable in a conversation of ``websiteId`` that match ``query``: shortcut prefix first. */
export function matchReplies(replies, query, websiteId) {
  const wanted = String(query || "").toLowerCase();
  const usable = (replies || []).filter((reply) => !reply.website_id || reply.website_id === websiteId);
  const starts = usable.filter((reply) => reply.shortcut.toLowerCase().startsWith(wanted));
  const inside = usable.filter(
    (reply) =>
      !starts.includes(reply) &&
      (reply.shortcut.toLowerCase().includes(wanted) || reply.text.toLowerCase().includes(wanted)),
  );
  const byShortcut = (a, b) => a.shortcut.localeCompare(b.shortcut);
  return [...starts.sort(byShortcut), ...inside.sort(byShortcut)].slice(0, MAX_SHOWN);
}

/** What "/query" in the reply box asks for: the query, or null when the picker should be closed. */
export function pickerQuery(value) {
  const match = TRIGGER.exec(value);
  return match ? match[1] : null;
}

export class CannedPicker {
  /**
   * ``input``: the reply box; ``listbox``: an empty ``<ul role=listbox>``; ``context()``:
   * ``{websiteId, values}`` of the open conversation, or null; ``onInsert()`` after a reply
   * went into the box. ``t`` is the page's translator.
   */
  constructor({ input, listbox, context, onInsert = () => {}, t }) {
    Object.assign(this, { input, listbox, context, onInsert, t });
    this.replies = [];
    this.shown = [];
    this.active = -1;
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listbox.id);
    input.addEventListener("input", () => this.update());
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => this.close());
    // A click on an option must not blur the box first.
    listbox.addEventListener("mousedown", (event) => event.preventDefault());
    listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[data-index]");
      if (option) this.insert(Number(option.dataset.index));
    });
  }

  /** The replies the server sent (``ready``'s ``canned``, a ``canned`` answer). */
  setReplies(replies) {
    this.replies = Array.isArray(replies) ? replies : [];
    if (this.isOpen) this.update();
  }

  get isOpen() {
    return !this.listbox.hidden;
  }

  update() {
    const query = pickerQuery(this.input.value);
    const context = this.context();
    if (query === null || !context) return this.close();
    this.shown = matchReplies(this.replies, query, context.websiteId);
    this.active = this.shown.length ? 0 : -1;
    this.render();
  }

  render() {
    const options = this.shown.map((reply, index) => {
      const option = el(
        "li",
        { role: "option", id: `${this.listbox.id}-${index}`, "aria-selected": String(index === this.active) },
        el("span", { className: "lc-canned-shortcut", text: `/${reply.shortcut}` }),
        el("span", { className: "lc-canned-text", text: reply.text }),
        reply.personal ? el("span", { className: "lc-tag", text: this.t("cannedPersonal") }) : null,
      );
      option.dataset.index = String(index);
      return option;
    });
    if (!options.length) options.push(el("li", { className: "lc-canned-none", text: this.t("cannedNone") }));
    this.listbox.replaceChildren(...options);
    this.listbox.hidden = false;
    if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `${this.listbox.id}-${this.active}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  close() {
    this.listbox.hidden = true;
    this.shown = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
  }

  key(event) {
    if (!this.isOpen) return;
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves && this.shown.length) {
      this.active = (this.active + moves[event.key] + this.shown.length) % this.shown.length;
      this.render();
    } else if ((event.key === "Enter" || event.key === "Tab") && this.active >= 0) {
      this.insert(this.active);
    } else if (event.key === "Escape") {
      this.close();
    } else {
      return;
    }
    // The picker's keys: not a reply sent, not a shortcut of the page.
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  insert(index) {
    const reply = this.shown[index];
    const context = this.context();
    if (!reply || !context) return;
    this.input.value = fillPlaceholders(reply.text, context.values);
    this.close();
    this.input.focus();
    this.onInsert(reply);
  }
}
