// The keyboard: move through the inbox, open, reply, resolve, assign and search without a
// mouse. A key acts only while the agent is not typing in a field, and never with Ctrl,
// Alt or Meta (the browser's and the system's own shortcuts).
import { el } from "./elements.js";

/** Each shortcut: the keys and its action. */
export const SHORTCUTS = [
  { keys: ["j", "ArrowDown"], action: "next" },
  { keys: ["k", "ArrowUp"], action: "previous" },
  { keys: ["Enter"], action: "open" },
  { keys: ["r"], action: "reply" },
  { keys: ["e"], action: "resolve" },
  { keys: ["a"], action: "assign" },
  { keys: ["/"], action: "search" },
  { keys: ["?"], action: "help" },
];
// What each action does, as the page's strings say it.
const LABEL_KEYS = {
  next: "keyNext",
  previous: "keyPrevious",
  open: "keyOpen",
  reply: "keyReply",
  resolve: "keyResolve",
  assign: "keyAssign",
  search: "keySearch",
  help: "keyHelp",
};
const KEY_NAMES = { ArrowDown: "↓", ArrowUp: "↑" };
const ARROWS = new Set(["ArrowDown", "ArrowUp"]);

/** Whether the key goes to a field being typed in (or to a control that uses it). */
export function typingIn(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toUpperCase();
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable === true;
}

/**
 * The action of a key press, or null. ``inList``: the focus is on the inbox (where the
 * arrows move; elsewhere they scroll). Enter opens only from the list, where the focused
 * item's own Enter does it: the action is named, the browser's default does the rest.
 */
export function keyAction(event, { inList = false } = {}) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return null;
  if (typingIn(event.target)) return null;
  if (ARROWS.has(event.key) && !inList) return null;
  if (event.key === "Enter") return null; // a focused list item opens by itself
  const shortcut = SHORTCUTS.find((item) => item.keys.includes(event.key));
  return shortcut ? shortcut.action : null;
}

/**
 * Act on the shortcuts pressed in ``doc``: ``actions[name]()`` for each; none while
 * ``blocked()`` (a dialog open keeps its keys). ``list`` is the inbox, where arrows move.
 */
export function listenForShortcuts(doc, { list, blocked, actions }) {
  doc.addEventListener("keydown", (event) => {
    if (blocked()) return;
    const inList = list.contains(event.target) || event.target === doc.body;
    const action = keyAction(event, { inList });
    if (!action || !actions[action]) return;
    event.preventDefault();
    actions[action]();
  });
}

/** The item to focus after ``current`` (an index, -1 for none) in ``count`` items. */
export function moveIndex(current, count, action) {
  if (!count) return -1;
  if (current < 0) return action === "previous" ? count - 1 : 0;
  return Math.max(0, Math.min(count - 1, current + (action === "previous" ? -1 : 1)));
}

/** The shortcut list in the page: key names and what they do. */
export function renderShortcuts(dl, t) {
  const rows = [];
  for (const shortcut of SHORTCUTS) {
    const keys = shortcut.keys.map((key) => el("kbd", { text: KEY_NAMES[key] || key }));
    const joined = keys.flatMap((kbd, index) => (index ? [" ", t("keyOr"), " ", kbd] : [kbd]));
    rows.push(el("dt", {}, ...joined), el("dd", { text: t(LABEL_KEYS[shortcut.action]) }));
  }
  dl.replaceChildren(...rows);
}
