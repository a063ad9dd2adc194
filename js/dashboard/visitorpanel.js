// What the visitor told about themselves and how earlier chats went, for the visitor
// panel: the contact they left (pre-chat form, the widget's email form, setUser), the
// pre-chat answers and consent, the rating of this conversation, and their earlier
// conversations. Plain rows and nodes; the words are the page's (``t``).
import { el, validDate } from "./elements.js";

const STARS = 5;

/** The visitor's name and email: those they left in the chat first, else setUser's. */
export function contactOf(entry) {
  const meta = entry.metadata || {};
  const pick = (own, fromMeta) => (typeof own === "string" && own ? own : typeof fromMeta === "string" ? fromMeta : "");
  return { name: pick(entry.visitor_name, meta.name), email: pick(entry.visitor_email, meta.email) };
}

function answerText(value, t) {
  if (typeof value === "boolean") return t(value ? "yes" : "no");
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (value === null || value === undefined || typeof value === "object") return "";
  return String(value);
}

/**
 * The pre-chat answers as ``[key, term, value]`` rows: each custom field under its label
 * (from the field definitions when the entry carries them, else its name), then the time
 * consent was given.
 */
export function prechatRows(entry, t) {
  const prechat = entry.prechat && typeof entry.prechat === "object" ? entry.prechat : {};
  const answers = prechat.fields && typeof prechat.fields === "object" ? prechat.fields : prechat;
  const definitions = Array.isArray(entry.prechat_fields) ? entry.prechat_fields : [];
  const labels = new Map(definitions.filter((f) => f && f.name).map((f) => [f.name, f.label || f.name]));
  const rows = [];
  for (const [name, value] of Object.entries(answers)) {
    if (name === "consent_at" || name === "consent" || name === "fields") continue;
    const text = answerText(value, t);
    if (text) rows.push([`prechat-${name}`, labels.get(name) || name, text]);
  }
  const consent = validDate(prechat.consent_at);
  if (consent) rows.push(["consent", t("detailConsent"), t("consentGiven", { time: consent.toLocaleString() })]);
  return rows;
}

/** "★★★★☆" for 4: the picture only (the words say the number). */
export function stars(rating) {
  const full = Math.max(0, Math.min(STARS, Math.round(Number(rating) || 0)));
  return "★".repeat(full) + "☆".repeat(STARS - full);
}

/** The conversation's rating as a ``dd``'s children: the stars (hidden from screen readers) and the words. */
export function ratingNodes(rating, t) {
  const picture = el("span", { className: "lc-stars", "aria-hidden": "true", text: stars(rating) });
  return [picture, " ", t("ratingValue", { rating })];
}

/** The rating's rows: the rating and the visitor's comment, when there is a rating. */
export function ratingRows(entry, t) {
  if (!Number.isInteger(entry.rating)) return [];
  const rows = [["rating", t("detailRating"), entry.rating]];
  if (entry.rating_comment) rows.push(["rating-comment", t("detailRatingComment"), String(entry.rating_comment)]);
  return rows;
}

/**
 * The visitor's earlier conversations (the history answer's ``previous``) as buttons
 * carrying ``data-previous-id``; the caller opens the one clicked, read only.
 */
export function renderPrevious(list, previous, t) {
  const items = (Array.isArray(previous) ? previous : []).map((earlier) => {
    const started = validDate(earlier.created_at);
    const last = earlier.last_message;
    const lastText = last ? String(last.message || (last.attachment && last.attachment.name) || "") : "";
    const when = started ? started.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" }) : "";
    const status = t(earlier.status === "resolved" ? "resolved" : "open");
    const rated = Number.isInteger(earlier.rating) ? t("ratingValue", { rating: earlier.rating }) : null;
    const button = el(
      "button",
      { type: "button", className: "lc-previous-item" },
      el(
        "span",
        { className: "lc-previous-top" },
        el("time", { datetime: started ? started.toISOString() : null, text: when }),
        el("span", { className: "lc-tag", text: status }),
        rated
          ? el(
              "span",
              { className: "lc-tag lc-rating", title: rated },
              el("span", { "aria-hidden": "true", text: "★ " }),
              String(earlier.rating),
            )
          : null,
      ),
      el("span", { className: "lc-previous-preview", text: lastText || t("noMessages") }),
    );
    const label = [t("openEarlier", { date: when }), status, rated, lastText].filter(Boolean).join(", ");
    button.setAttribute("aria-label", label);
    button.dataset.previousId = String(earlier.conversation_id);
    return el("li", {}, button);
  });
  list.replaceChildren(...items);
  return items.length;
}
