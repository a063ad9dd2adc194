// Rendering files: a message's attachment (an image's thumbnail, or a download link with
// the name and size) and an upload on its way (a progress bar, or its error and a retry).
import { el } from "./elements.js";

const FILE_LINK_REL = "noopener noreferrer";
const UNITS = ["B", "KB", "MB", "GB"];

/** "2.4 MB": a size in bytes, in the units people read (1 KB = 1024 B). */
export function fileSize(bytes) {
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** The server's URL if it is one the page may link to (http(s) or a path of this host), else null. */
export function safeUrl(url) {
  if (typeof url !== "string" || !url) return null;
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  return /^https?:\/\//i.test(url) ? url : null;
}

/**
 * A message's ``attachment``: an image (``is_image`` with a thumbnail) as its thumbnail
 * linking to the full image in a new tab, anything else as a link naming the file and its
 * size. The server serves both with headers that keep a hostile file inert.
 */
export function renderAttachment(attachment, t) {
  const url = safeUrl(attachment.url);
  const thumbnail = safeUrl(attachment.thumbnail_url);
  const name = String(attachment.name || t("attachment"));
  const size = fileSize(attachment.size);
  if (attachment.is_image && thumbnail && url) {
    return el(
      "a",
      { className: "lc-attachment lc-attachment-image", href: url, target: "_blank", rel: FILE_LINK_REL, title: name },
      el("img", { src: thumbnail, alt: name, loading: "lazy" }),
    );
  }
  const label = [
    el("span", { className: "lc-attachment-name", text: name }),
    " ",
    el("span", { className: "lc-attachment-size", text: size }),
  ];
  if (!url) return el("span", { className: "lc-attachment lc-attachment-file" }, ...label);
  return el(
    "a",
    {
      className: "lc-attachment lc-attachment-file",
      href: url,
      download: name,
      rel: FILE_LINK_REL,
      "aria-label": t("downloadFile", { name, size }),
    },
    ...label,
  );
}

/** An upload on its way (``progress`` 0–100) or failed (``error``, and a retry naming its client_id). */
export function renderUpload(item, t) {
  const node = el(
    "li",
    { className: `lc-msg lc-msg-agent lc-pending lc-upload${item.failed ? " lc-failed" : ""}` },
    el(
      "div",
      { className: "lc-msg-head" },
      el("span", { className: "lc-msg-author", text: item.name }),
      el("span", { className: "lc-msg-time", text: fileSize(item.size) }),
    ),
    item.failed
      ? el(
          "p",
          { className: "lc-msg-error" },
          el("span", { text: item.error ? t("uploadFailedBecause", { reason: item.error }) : t("uploadFailed") }),
          " ",
          el("button", { type: "button", "data-retry-upload": item.clientId, text: t("retry") }),
        )
      : progressBar(item, t),
  );
  node.dataset.upload = item.clientId;
  return node;
}

function progressBar(item, t) {
  // The width through the CSSOM, not a style attribute: a strict CSP allows only the former.
  const fill = el("span", { className: "lc-progress-bar" });
  fill.style.width = `${item.progress}%`;
  return el(
    "div",
    {
      className: "lc-progress",
      role: "progressbar",
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": String(item.progress),
      "aria-label": t("uploading", { name: item.name }),
    },
    fill,
  );
}

/** Move an upload's bar in place (no redraw: the thread stays as the agent is reading it). */
export function showProgress(node, item) {
  const bar = node.querySelector("[role=progressbar]");
  if (!bar) return false;
  bar.setAttribute("aria-valuenow", String(item.progress));
  bar.firstChild.style.width = `${item.progress}%`;
  return true;
}
