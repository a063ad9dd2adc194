// The satisfaction ratings: the ``ratings`` frame (per website, per agent) as two tables,
// each average with one decimal and the number of ratings it is made of.
import { el } from "./elements.js";

/** "4.3": an average with one decimal in the page's language; "–" without ratings. */
export function averageText(average, count, locale) {
  if (!count || typeof average !== "number" || Number.isNaN(average)) return "–";
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(average);
}

function table(caption, rows, t, locale) {
  const head = el(
    "tr",
    {},
    el("th", { scope: "col", text: t("ratingsName") }),
    el("th", { scope: "col", text: t("ratingsAverage") }),
    el("th", { scope: "col", text: t("ratingsCount") }),
  );
  const body = rows.map((row) =>
    el(
      "tr",
      {},
      el("th", { scope: "row", text: String(row.name ?? "") }),
      el("td", { text: averageText(row.average, row.count, locale) }),
      el("td", { text: String(row.count || 0) }),
    ),
  );
  if (!body.length) body.push(el("tr", {}, el("td", { colspan: "3", text: t("ratingsNone") })));
  return el(
    "table",
    { className: "lc-ratings-table" },
    el("caption", { text: caption }),
    el("thead", {}, head),
    el("tbody", {}, ...body),
  );
}

/** Fill ``container`` with the frame's tables: by website, then by agent. */
export function renderRatings(container, frame, t, locale) {
  const websites = Array.isArray(frame.websites) ? frame.websites : [];
  const agents = Array.isArray(frame.agents) ? frame.agents : [];
  container.replaceChildren(
    table(t("ratingsByWebsite"), websites, t, locale),
    table(t("ratingsByAgent"), agents, t, locale),
  );
}
