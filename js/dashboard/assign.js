// Assignment: to me, to another agent of the conversation's website, or to nobody; and
// the notice an agent gets when someone else (or the round robin) assigns them one.
import { el } from "./elements.js";

/** The ``assign`` frame: ``agentId`` an agent's user id, null to unassign, undefined for me. */
export function assignFrame(conversationId, agentId) {
  const frame = { type: "assign", conversation_id: conversationId };
  if (agentId !== undefined) frame.agent_id = agentId;
  return frame;
}

/**
 * The "assign to" choices of a conversation: nobody, then each agent of its website
 * known to the dashboard (``agents``: [{user_id, name}]), its current assignee kept even
 * when offline. ``value`` is the current assignee's id, or "" for nobody.
 */
export function assigneeChoices(entry, agents, t) {
  const choices = [{ value: "", text: t("nobody") }];
  const seen = new Set();
  for (const agent of agents) {
    if (seen.has(String(agent.user_id))) continue;
    seen.add(String(agent.user_id));
    choices.push({ value: String(agent.user_id), text: agent.name });
  }
  const current = entry.assigned_agent;
  if (current && !seen.has(String(current.user_id))) choices.push({ value: String(current.user_id), text: current.name });
  return { choices, value: current ? String(current.user_id) : "" };
}

export function renderAssignee(select, entry, agents, t) {
  const { choices, value } = assigneeChoices(entry, agents, t);
  select.replaceChildren(...choices.map((choice) => el("option", { value: choice.value, text: choice.text })));
  select.value = value;
}

/** The agent id an "assign to" value means: null for nobody, a number for a numeric id. */
export function chosenAgent(value) {
  if (!value) return null;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The notice of an ``assigned_to_you`` frame: "Sam assigned you Ada Lovelace". */
export function assignedNotice(event, visitor, t) {
  return event.by ? t("assignedYouBy", { name: event.by.name, visitor }) : t("assignedYouAuto", { visitor });
}
