// Labels on conversations (chips, and the picker that sets them) and the inbox's filter
// bar: status (or waiting for a person), label, assignee and website, combined with AND.
// The labels of each website come with the ``ready`` frame; a conversation's own are in
// its entry.
import { el } from "./elements.js";

const COLOR = /^#[0-9a-fA-F]{6}$/;

/** A label's chip: its name, with a dot of its colour when it has one. */
export function labelChip(label) {
  const dot = COLOR.test(label.color || "") ? el("span", { className: "lc-label-dot", "aria-hidden": "true" }) : null;
  if (dot) dot.style.background = label.color;
  const chip = el("span", { className: "lc-label" }, dot, el("span", { text: label.name }));
  chip.dataset.labelId = String(label.id);
  return chip;
}

export function renderChips(container, labels) {
  container.replaceChildren(...(labels || []).map(labelChip));
  container.hidden = !(labels || []).length;
}

/** Each website's labels from the ``ready`` frame: website_id -> [label]. */
export function labelsByWebsite(websites) {
  const found = new Map();
  for (const site of Array.isArray(websites) ? websites : []) {
    if (site && site.website_id) found.set(site.website_id, Array.isArray(site.labels) ? site.labels : []);
  }
  return found;
}

/**
 * The picker of a conversation's labels: a checkbox per label of its website, ticked for
 * those it has. Returns how many labels the website has.
 */
export function renderLabelPicker(fieldset, websiteLabels, entry) {
  const has = new Set((entry.labels || []).map((label) => String(label.id)));
  const boxes = websiteLabels.map((label) => {
    const box = el("input", { type: "checkbox", value: String(label.id), checked: has.has(String(label.id)) });
    return el("label", { className: "lc-label-choice" }, box, labelChip(label));
  });
  fieldset.replaceChildren(...[...fieldset.children].filter((child) => child.tagName === "LEGEND"), ...boxes);
  return websiteLabels.length;
}

/** The ``labels`` frame that gives a conversation the ticked ones of the picker's ``boxes``. */
export function labelsFrame(conversationId, boxes) {
  const ids = [...boxes].filter((box) => box.checked).map((box) => box.value);
  return { type: "labels", conversation_id: conversationId, labels: ids.map((id) => (/^\d+$/.test(id) ? Number(id) : id)) };
}

export const NO_FILTERS = { status: "all", label: "", assignee: "anyone", website: "" };

/**
 * The ``conversations`` request for the filters, or null when none is set: the server's
 * answer adds the matching conversations the inbox's first page did not hold.
 */
export function filteredRequest(filters) {
  const { status, label, assignee, website } = { ...NO_FILTERS, ...filters };
  const frame = { type: "conversations" };
  if (status === "open" || status === "resolved") frame.status = status;
  if (label && /^\d+$/.test(String(label))) frame.label = Number(label);
  if (assignee && assignee !== "anyone") frame.assignee = assignee;
  if (website) frame.website_id = website;
  return Object.keys(frame).length > 1 ? frame : null;
}

/** Whether an inbox entry passes the filters (``me``: the agent's user id). */
export function passes(entry, filters, me) {
  const { status, label, assignee, website } = { ...NO_FILTERS, ...filters };
  if ((status === "open" || status === "resolved") && entry.status !== status) return false;
  // Waiting for a person: handed over by the bot or the visitor, no agent reply yet.
  if (status === "waiting" && (entry.bot_state !== "waiting" || entry.status === "resolved")) return false;
  if (website && entry.website_id !== website) return false;
  if (label && !(entry.labels || []).some((item) => String(item.id) === String(label))) return false;
  const assigned = entry.assigned_agent ? String(entry.assigned_agent.user_id) : null;
  if (assignee === "me") return assigned !== null && assigned === String(me);
  if (assignee === "none") return assigned === null;
  if (assignee !== "anyone" && assignee) return assigned === String(assignee);
  return true;
}

/**
 * The filter bar's choices: labels of every website (named with the website when the
 * agent serves several), agents known to be assignable, the websites.
 */
export function filterChoices({ websites, labels, agents, me }) {
  const several = websites.length > 1;
  const labelOptions = [];
  for (const site of websites) {
    for (const label of labels.get(site.website_id) || []) {
      labelOptions.push({ value: String(label.id), text: several ? `${label.name} (${site.name})` : label.name });
    }
  }
  const agentOptions = agents
    .filter((agent) => String(agent.user_id) !== String(me))
    .map((agent) => ({ value: String(agent.user_id), text: agent.name }));
  const websiteOptions = websites.map((site) => ({ value: site.website_id, text: site.name }));
  return { labelOptions, agentOptions, websiteOptions };
}

/** A select's options after its fixed first ones (``keep``), the current value kept if still there. */
export function fillSelect(select, keep, options) {
  const current = select.value;
  const fixed = [...select.children].slice(0, keep);
  const shown = [...select.children].slice(keep).map((option) => `${option.value}\n${option.textContent}`);
  const wanted = options.map((option) => `${option.value}\n${option.text}`);
  if (shown.join("\n\n") === wanted.join("\n\n")) return; // unchanged: an open list stays open
  const added = options.map((option) => el("option", { value: option.value, text: option.text }));
  select.replaceChildren(...fixed, ...added);
  select.value = [...fixed, ...added].some((option) => option.value === current) ? current : fixed[0].value;
}
