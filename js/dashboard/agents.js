// Other agents, as the ``agents`` frames say for each website: who is online and which
// conversations they have open, so that two agents do not answer the same visitor
// without knowing it. The dashboard says which conversation it shows (``viewing``).
import { el } from "./elements.js";

export class Agents {
  constructor() {
    this.byWebsite = new Map(); // website_id -> [{user_id, name, viewing: [conversation ids]}]
    this.viewingSent = undefined; // the conversation last told to the server
  }

  /** An ``agents`` frame: the agents online on one website now. */
  update(event) {
    this.byWebsite.set(event.website_id, Array.isArray(event.agents) ? event.agents : []);
  }

  /** Agents online on a website (everyone's, when ``websiteId`` is omitted), each once. */
  online(websiteId) {
    const lists = websiteId === undefined ? [...this.byWebsite.values()] : [this.byWebsite.get(websiteId) || []];
    const found = new Map();
    for (const agent of lists.flat()) if (!found.has(String(agent.user_id))) found.set(String(agent.user_id), agent);
    return [...found.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  }

  /** The other agents who have a conversation open (not ``me``). */
  viewers(conversationId, me) {
    const found = new Map();
    for (const agent of [...this.byWebsite.values()].flat()) {
      if (String(agent.user_id) === String(me)) continue;
      if ((agent.viewing || []).includes(conversationId)) found.set(String(agent.user_id), agent);
    }
    return [...found.values()];
  }

  /** The ``viewing`` frame to send when the open conversation changed, or null. */
  viewingFrame(conversationId) {
    if (conversationId === this.viewingSent) return null;
    return { type: "viewing", conversation_id: conversationId };
  }

  sentViewing(conversationId) {
    this.viewingSent = conversationId;
  }

  /** A new connection: the server knows nothing of what this dashboard shows. */
  reset() {
    this.viewingSent = undefined;
    this.byWebsite.clear();
  }
}

/** Initials for an avatar: "Sam Jones" -> "SJ". */
export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || "?").slice(0, 2)).toUpperCase();
}

/** Small avatars of agents (initials, the name as their accessible text). */
export function avatars(agents, t) {
  if (!agents.length) return null;
  const names = agents.map((agent) => agent.name).join(", ");
  return el(
    "span",
    { className: "lc-viewers", title: t("viewingNow", { names }) },
    el("span", { className: "lc-visually-hidden", text: t("viewingNow", { names }) }),
    ...agents.map((agent) => el("span", { className: "lc-avatar", "aria-hidden": "true", text: initials(agent.name) })),
  );
}

/** The header's "who is online" list. */
export function renderOnline(list, agents, me, t) {
  const others = agents.filter((agent) => String(agent.user_id) !== String(me));
  list.replaceChildren(
    ...others.map((agent) =>
      el(
        "li",
        { className: "lc-online-agent" },
        el("span", { className: "lc-avatar", "aria-hidden": "true", text: initials(agent.name) }),
        el("span", { text: agent.name }),
      ),
    ),
  );
  return others.length;
}
