// Rendering: the inbox list, the open conversation, the visitor's details. Text only:
// everything from visitors and agents goes through textContent (links through linkify's
// checked parts), never innerHTML. ``t`` is the page's translator (text.js).
import { linkify } from "../shared/linkify.js";
import { renderAttachment } from "./attachments.js";
import { botStateText, botTag } from "./bots.js";
import { el, validDate } from "./elements.js";
import { contactOf, prechatRows, ratingNodes, ratingRows } from "./visitorpanel.js";

const ROLE_KEYS = { user: "roleVisitor", assistant: "roleAssistant", agent: "roleAgent", system: "roleSystem" };
const LINK_REL = "noopener noreferrer nofollow";
const EMAIL = /^[^\s@?&#<>"]+@[^\s@?&#<>"]+$/; // an address to link: nothing that would add mailto: parameters

/** The inbox's short time: the hour today, the day before. */
export function time(timestamp, now = new Date()) {
  const date = validDate(timestamp);
  if (!date) return "";
  return date.toDateString() === now.toDateString()
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString([], { month: "short", day: "numeric" });
}

/** A message's time: the hour (and the day, if not today); the full date in its title. */
export function messageTime(timestamp, now = new Date()) {
  const date = validDate(timestamp);
  if (!date) return null;
  const clock = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const short =
    date.toDateString() === now.toDateString()
      ? clock
      : `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${clock}`;
  return { short, full: date.toLocaleString([], { dateStyle: "full", timeStyle: "medium" }), iso: date.toISOString() };
}

export function visitorName(entry, t) {
  const { name } = contactOf(entry);
  return name || entry.visitor_identifier || t("visitorNumbered", { id: entry.conversation_id.slice(0, 8) });
}

function roleName(role, t) {
  return ROLE_KEYS[role] ? t(ROLE_KEYS[role]) : role;
}

function preview(entry, typists, t) {
  if (typists.some((typist) => typist.role === "user")) return t("typingPreview");
  const last = entry.last_message;
  if (!last) return t("noMessages");
  // A file sent without a caption is previewed by its name.
  const text = last.message || (last.attachment && last.attachment.name) || "";
  if (last.role === "user") return text;
  return t("previewFrom", { name: last.sender_name || roleName(last.role, t), message: text });
}

function rated(entry) {
  return entry.status === "resolved" && Number.isInteger(entry.rating);
}

/**
 * The inbox list. ``viewersOf(id)``: other agents with that conversation open (avatars);
 * ``chips(labels)``: a conversation's labels as nodes.
 */
export function renderList(list, entries, { selected, typistsOf, t, viewersOf = () => null, chips = () => null }) {
  const items = entries.map((entry) => {
    const unread = entry.unread || 0;
    const name = visitorName(entry, t);
    const label = [
      name,
      entry.visitor_identifier && entry.visitor_identifier !== name ? entry.visitor_identifier : null,
      entry.status === "resolved" ? t("resolved") : null,
      botStateText(entry, t) || null,
      rated(entry) ? t("ratedLabel", { rating: entry.rating }) : null,
      unread ? t("unreadCount", { count: unread }) : null,
    ]
      .filter(Boolean)
      .join(", ");
    const button = el(
      "button",
      {
        type: "button",
        className: "lc-item",
        "aria-current": entry.conversation_id === selected ? "true" : null,
        "aria-label": label,
        "data-status": entry.status,
      },
      el(
        "span",
        { className: "lc-item-top" },
        el("span", { className: "lc-item-name", text: name }),
        el("time", { className: "lc-item-time", text: time(entry.last_message_at || entry.created_at) }),
      ),
      el(
        "span",
        { className: "lc-item-bottom" },
        el("span", { className: "lc-item-preview", text: preview(entry, typistsOf(entry.conversation_id), t) }),
        unread ? el("span", { className: "lc-badge lc-unread", text: String(unread) }) : null,
      ),
      el(
        "span",
        { className: "lc-item-meta" },
        el("span", { text: entry.website_name || "" }),
        entry.status === "resolved" ? el("span", { className: "lc-tag", text: t("resolved") }) : null,
        botTag(entry, t),
        entry.assigned_agent ? el("span", { className: "lc-tag", text: entry.assigned_agent.name }) : null,
        rated(entry) ? el("span", { className: "lc-tag lc-rating", text: `★ ${entry.rating}` }) : null,
        viewersOf(entry.conversation_id),
      ),
      entry.labels && entry.labels.length ? el("span", { className: "lc-item-labels" }, ...chips(entry.labels)) : null,
    );
    button.dataset.conversationId = entry.conversation_id;
    return el("li", {}, button);
  });
  list.replaceChildren(...items);
}

/** A message's text as nodes: its http(s) URLs as links that open elsewhere. */
export function messageText(text) {
  return linkify(String(text ?? "")).map((part) =>
    part.href
      ? el("a", { href: part.href, rel: LINK_REL, target: "_blank", text: part.text })
      : document.createTextNode(part.text),
  );
}

function stamp(message, { pending, failed }, t) {
  if (pending) return el("span", { className: "lc-msg-time", text: t(failed ? "notSent" : "sending") });
  const when = messageTime(message.timestamp);
  if (!when) return null;
  return el("time", { className: "lc-msg-time", datetime: when.iso, title: when.full, text: when.short });
}

/** A message; a reply on its way is ``pending``, and ``failed`` (with the server's ``error``) shows a retry. */
/** "Not sent (because …)" and a Retry button carrying ``retryData`` (its data-* attribute). */
export function notSentLine(error, retryData, t) {
  return el(
    "p",
    { className: "lc-msg-error" },
    el("span", { text: error ? t("notSentBecause", { reason: error }) : t("notSent") }),
    " ",
    el("button", { type: "button", ...retryData, text: t("retry") }),
  );
}

export function renderMessage(message, { pending = false, failed = false, error = "", t }) {
  const author = message.role === "agent" ? message.sender_name || t("roleAgent") : roleName(message.role, t);
  const item = el(
    "li",
    { className: `lc-msg lc-msg-${message.role}${pending ? " lc-pending" : ""}${failed ? " lc-failed" : ""}` },
    el(
      "div",
      { className: "lc-msg-head" },
      el("span", { className: "lc-msg-author", text: author }),
      stamp(message, { pending, failed }, t),
    ),
    message.message ? el("p", { className: "lc-msg-text" }, ...messageText(message.message)) : null,
    message.attachment && typeof message.attachment === "object" ? renderAttachment(message.attachment, t) : null,
    failed ? notSentLine(error, { "data-retry": message.client_id }, t) : null,
  );
  if (message.seq) item.dataset.seq = String(message.seq);
  if (message.client_id) item.dataset.clientId = message.client_id;
  return item;
}

/** A reply being written, as the thread shows it (``aria-busy``: read once it is stored). */
export function renderStream(item, t) {
  const node = el(
    "li",
    { className: "lc-msg lc-msg-assistant lc-streaming", "aria-busy": "true" },
    el(
      "div",
      { className: "lc-msg-head" },
      el("span", { className: "lc-msg-author", text: t("roleAssistant") }),
      el("span", { className: "lc-msg-time", text: t("botWriting") }),
    ),
    el("p", { className: "lc-msg-text" }, ...messageText(item.text)),
  );
  node.dataset.stream = item.clientId;
  return node;
}

/** The growing reply's text in place: the thread is not drawn again for each delta. */
export function showStream(messages, item, t) {
  let node = [...messages.children].find((n) => n.dataset.stream === item.clientId);
  if (node) node.children[1].replaceChildren(...messageText(item.text));
  else messages.append((node = renderStream(item, t)));
  return node;
}

export function renderNote(text) {
  return el("li", { className: "lc-note", text });
}

/** "Chrome 126 on Windows" from a user agent string; the string itself if unknown. */
export function browserName(userAgent, t) {
  if (!userAgent) return "";
  const browser = [
    ["Edge", /Edg\/(\d+)/],
    ["Opera", /OPR\/(\d+)/],
    ["Firefox", /Firefox\/(\d+)/],
    ["Chrome", /Chrome\/(\d+)/],
    ["Safari", /Version\/(\d+)[\d.]* .*Safari/],
  ].find(([, pattern]) => pattern.test(userAgent));
  if (!browser) return userAgent;
  const system = [
    ["Android", /Android/],
    ["iOS", /iPhone|iPad/],
    ["Windows", /Windows/],
    ["macOS", /Mac OS X/],
    ["Linux", /Linux/],
  ].find(([, pattern]) => pattern.test(userAgent));
  const name = `${browser[0]} ${browser[1].exec(userAgent)[1]}`;
  return system ? t("browserOn", { browser: name, system: system[0] }) : name;
}

const EXTRA_KEYS = { title: "detailPageTitle", language: "detailLanguage" };
const KNOWN = new Set(["name", "email", "page", "browser", "user_agent", "identity_verified"]);

function identity(entry, meta, t) {
  if (!entry.visitor_identifier) return t("notIdentified");
  return t(meta.identity_verified ? "verified" : "notVerified");
}

export function renderDetails(dl, entry, t) {
  const meta = entry.metadata || {};
  const contact = contactOf(entry);
  const started = validDate(entry.created_at);
  const rows = [
    ["name", t("detailName"), contact.name],
    ["identifier", t("detailIdentifier"), entry.visitor_identifier || t("anonymous")],
    ["email", t("detailEmail"), contact.email],
    ["identity", t("detailIdentity"), identity(entry, meta, t)],
    ["page", t("detailPage"), meta.page],
    ["browser", t("detailBrowser"), browserName(meta.browser || meta.user_agent, t)],
    ["website", t("detailWebsite"), entry.website_name],
    ["started", t("detailStarted"), started ? started.toLocaleString() : ""],
    ["status", t("detailStatus"), t(entry.status === "resolved" ? "resolved" : "open")],
    ["assigned", t("detailAssignedTo"), entry.assigned_agent ? entry.assigned_agent.name : t("nobody")],
    ...ratingRows(entry, t),
    ...prechatRows(entry, t),
  ];
  for (const [key, value] of Object.entries(meta)) {
    if (!KNOWN.has(key) && value !== null && typeof value !== "object") {
      rows.push([key, EXTRA_KEYS[key] ? t(EXTRA_KEYS[key]) : key, String(value)]);
    }
  }
  const nodes = [];
  for (const [key, term, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    const dd = el("dd", {}, ...detailValue(key, value, t));
    dd.dataset.detail = key;
    if (key === "identity") dd.dataset.verified = String(Boolean(meta.identity_verified));
    if (key === "browser" && meta.browser) dd.title = String(meta.browser);
    nodes.push(el("dt", { text: term }), dd);
  }
  dl.replaceChildren(...nodes);
}

function detailValue(key, value, t) {
  if (key === "page") return messageText(value);
  if (key === "rating") return ratingNodes(value, t);
  if (key === "email" && EMAIL.test(value)) return [el("a", { href: `mailto:${value}`, text: String(value) })];
  return [String(value)];
}

/**
 * Who types: "The visitor is typing…", "Sam is typing a reply…" (another agent),
 * "Ann and The automatic reply are typing…".
 */
export function typingText(typists, t) {
  if (!typists.length) return "";
  if (typists.length === 1 && typists[0].role === "agent" && typists[0].name) {
    return t("typingReply", { name: typists[0].name });
  }
  const names = typists.map((typist) => {
    if (typist.role === "user") return t("theVisitor");
    return typist.name || t("theAutomaticReply");
  });
  if (names.length === 1) return t("typingOne", { name: names[0] });
  return t("typingMany", { names: names.slice(0, -1).join(", "), last: names[names.length - 1] });
}

/**
 * Whether each website the agent serves is within its business hours now, from the
 * ``ready`` frame's ``websites[].availability.open``; the number of websites shown (0
 * when the server says nothing about hours).
 */
export function renderAvailability(list, websites, t) {
  const known = (Array.isArray(websites) ? websites : []).filter(
    (site) => site && site.availability && typeof site.availability.open === "boolean",
  );
  list.replaceChildren(
    ...known.map((site) => {
      const open = site.availability.open;
      const text = t(open ? "websiteOpen" : "websiteClosed", { name: site.name });
      const item = el("li", { className: "lc-hours-item", text });
      item.dataset.open = String(open);
      return item;
    }),
  );
  return known.length;
}
