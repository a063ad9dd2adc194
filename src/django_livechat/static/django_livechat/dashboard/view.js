// Rendering: the inbox list, the open conversation, the visitor's details. Text only:
// everything from visitors and agents goes through textContent, never innerHTML.

const ROLE_NAMES = { user: "Visitor", assistant: "Automatic reply", agent: "Agent", system: "System" };

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export function time(timestamp) {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return "";
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString([], { month: "short", day: "numeric" });
}

export function visitorName(entry) {
  const name = entry.metadata && typeof entry.metadata.name === "string" ? entry.metadata.name : "";
  return name || entry.visitor_identifier || `Visitor ${entry.conversation_id.slice(0, 8)}`;
}

function preview(entry, typists) {
  if (typists.some((t) => t.role === "user")) return "typing…";
  const last = entry.last_message;
  if (!last) return "No messages yet";
  const who = last.role === "user" ? "" : `${last.sender_name || ROLE_NAMES[last.role]}: `;
  return who + last.message;
}

export function renderList(list, entries, { selected, typistsOf }) {
  const items = entries.map((entry) => {
    const unread = entry.unread || 0;
    const name = visitorName(entry);
    const label = [
      name,
      entry.visitor_identifier && entry.visitor_identifier !== name ? entry.visitor_identifier : null,
      entry.status === "resolved" ? "resolved" : null,
      unread ? `${unread} unread` : null,
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
        el("span", { className: "lc-item-preview", text: preview(entry, typistsOf(entry.conversation_id)) }),
        unread ? el("span", { className: "lc-badge lc-unread", text: String(unread) }) : null,
      ),
      el(
        "span",
        { className: "lc-item-meta" },
        el("span", { text: entry.website_name || "" }),
        entry.status === "resolved" ? el("span", { className: "lc-tag", text: "Resolved" }) : null,
        entry.assigned_agent ? el("span", { className: "lc-tag", text: entry.assigned_agent.name }) : null,
      ),
    );
    button.dataset.conversationId = entry.conversation_id;
    return el("li", {}, button);
  });
  list.replaceChildren(...items);
}

/** A message; a reply on its way is ``pending``, and ``failed`` (with the server's ``error``) shows a retry. */
export function renderMessage(message, { pending = false, failed = false, error = "" } = {}) {
  const author = message.role === "agent" ? message.sender_name || "Agent" : ROLE_NAMES[message.role];
  const item = el(
    "li",
    { className: `lc-msg lc-msg-${message.role}${pending ? " lc-pending" : ""}${failed ? " lc-failed" : ""}` },
    el(
      "div",
      { className: "lc-msg-head" },
      el("span", { className: "lc-msg-author", text: author }),
      el("time", { className: "lc-msg-time", text: pending ? (failed ? "not sent" : "sending…") : time(message.timestamp) }),
    ),
    el("p", { className: "lc-msg-text", text: message.message }),
    failed
      ? el(
          "p",
          { className: "lc-msg-error" },
          error ? `${error} ` : "",
          el("button", { type: "button", "data-retry": message.client_id, text: "Retry" }),
        )
      : null,
  );
  if (message.seq) item.dataset.seq = String(message.seq);
  if (message.client_id) item.dataset.clientId = message.client_id;
  return item;
}

export function renderNote(text) {
  return el("li", { className: "lc-note", text });
}

const EXTRA_LABELS = { title: "Page title", language: "Language" };

/** "Chrome 126 on Windows" from a user agent string; the string itself if unknown. */
export function browserName(userAgent) {
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
  const version = browser[1].exec(userAgent)[1];
  return `${browser[0]} ${version}${system ? ` on ${system[0]}` : ""}`;
}

export function renderDetails(dl, entry) {
  const meta = entry.metadata || {};
  const rows = [
    ["Name", meta.name],
    ["Identifier", entry.visitor_identifier || "Anonymous"],
    ["Email", meta.email],
    [
      "Identity",
      entry.visitor_identifier ? (meta.identity_verified ? "Verified" : "Not verified") : "Not identified",
    ],
    ["Page", meta.page],
    ["Browser", browserName(meta.browser || meta.user_agent)],
    ["Website", entry.website_name],
    ["Started", entry.created_at ? new Date(entry.created_at).toLocaleString() : ""],
    ["Status", entry.status === "resolved" ? "Resolved" : "Open"],
    ["Assigned to", entry.assigned_agent ? entry.assigned_agent.name : "Nobody"],
  ];
  const known = new Set(["name", "email", "page", "browser", "user_agent", "identity_verified"]);
  for (const [key, value] of Object.entries(meta)) {
    if (!known.has(key) && value !== null && typeof value !== "object") {
      rows.push([EXTRA_LABELS[key] || key, String(value)]);
    }
  }
  const nodes = [];
  for (const [term, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    const dd = el("dd", { text: String(value) });
    if (term === "Identity") dd.dataset.verified = String(Boolean(meta.identity_verified));
    if (term === "Browser" && meta.browser) dd.title = String(meta.browser);
    nodes.push(el("dt", { text: term }), dd);
  }
  dl.replaceChildren(...nodes);
}

export function typingText(typists) {
  if (!typists.length) return "";
  const names = typists.map((t) => t.label);
  return `${names.join(" and ")} ${names.length > 1 ? "are" : "is"} typing…`;
}
