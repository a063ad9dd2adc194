// Files in the dashboard: a message's attachment, an upload's progress and failure.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fileSize, renderAttachment, renderUpload, safeUrl, showProgress } from "../../../js/dashboard/attachments.js";
import { translator } from "../../../js/dashboard/text.js";
import { renderMessage } from "../../../js/dashboard/view.js";
import { installDom } from "./dom.mjs";

installDom();
const t = translator({
  downloadFile: "{name} herunterladen ({size})",
  uploading: "{name} wird hochgeladen",
  uploadFailed: "Nicht hochgeladen",
  uploadFailedBecause: "Nicht hochgeladen: {reason}",
  retry: "Erneut versuchen",
  roleAgent: "Mitarbeiter",
});

const image = {
  id: "a1",
  name: "cat.png",
  size: 2048,
  content_type: "image/png",
  url: "/livechat/api/attachments/a1/?token=x",
  thumbnail_url: "/livechat/api/attachments/a1/thumbnail/?token=x",
  is_image: true,
};

test("sizes in the units people read", () => {
  assert.equal(fileSize(0), "0 B");
  assert.equal(fileSize(900), "900 B");
  assert.equal(fileSize(2048), "2.0 KB");
  assert.equal(fileSize(10 * 1024 * 1024), "10 MB");
  assert.equal(fileSize(2.5 * 1024 * 1024), "2.5 MB");
});

test("only http(s) URLs and this host's paths are linked", () => {
  assert.equal(safeUrl("/x/"), "/x/");
  assert.equal(safeUrl("https://cdn.example/a"), "https://cdn.example/a");
  assert.equal(safeUrl("//evil.example/a"), null);
  assert.equal(safeUrl("javascript:alert(1)"), null);
  assert.equal(safeUrl("data:text/html,x"), null);
  assert.equal(safeUrl(undefined), null);
});

test("an image shows its thumbnail, named by its alt, opening the full image in a new tab", () => {
  const node = renderAttachment(image, t);
  assert.equal(node.tagName, "A");
  assert.equal(node.getAttribute("href"), image.url);
  assert.equal(node.getAttribute("target"), "_blank");
  assert.match(node.getAttribute("rel"), /noopener/);
  const [img] = node.all("img");
  assert.equal(img.getAttribute("src"), image.thumbnail_url);
  assert.equal(img.getAttribute("alt"), "cat.png");
});

test("another file is a download link with its name and size; an unsafe URL is no link", () => {
  const pdf = { ...image, name: "invoice.pdf", content_type: "application/pdf", is_image: false, thumbnail_url: null, size: 1536 };
  const node = renderAttachment(pdf, t);
  assert.equal(node.tagName, "A");
  assert.equal(node.getAttribute("download"), "invoice.pdf");
  assert.equal(node.getAttribute("aria-label"), "invoice.pdf herunterladen (1.5 KB)");
  assert.equal(node.textContent, "invoice.pdf 1.5 KB");
  const unsafe = renderAttachment({ ...pdf, url: "javascript:alert(1)" }, t);
  assert.equal(unsafe.tagName, "SPAN");
  // An image without a thumbnail is a file link too.
  assert.equal(renderAttachment({ ...image, thumbnail_url: null }, t).all("img").length, 0);
});

test("a message with an attachment shows it, and its caption only if there is one", () => {
  const message = { role: "agent", seq: 4, message: "", sender_name: "Ann", attachment: image };
  const node = renderMessage(message, { t });
  assert.equal(node.all("img").length, 1);
  assert.equal(node.all("p").length, 0);
  const captioned = renderMessage({ ...message, message: "Here it is" }, { t });
  assert.equal(captioned.all("p")[0].textContent, "Here it is");
});

test("an upload shows a progress bar that moves in place; a failed one its reason and a retry", () => {
  const item = { clientId: "u-1", name: "cat.png", size: 2048, progress: 10, failed: false, error: "" };
  const node = renderUpload(item, t);
  assert.equal(node.dataset.upload, "u-1");
  const bar = node.querySelector("[role=progressbar]");
  assert.equal(bar.getAttribute("aria-valuenow"), "10");
  assert.equal(bar.getAttribute("aria-valuemax"), "100");
  assert.equal(bar.getAttribute("aria-label"), "cat.png wird hochgeladen");
  assert.equal(bar.firstChild.style.width, "10%");
  assert.equal(showProgress(node, { ...item, progress: 60 }), true);
  assert.equal(bar.getAttribute("aria-valuenow"), "60");
  assert.equal(bar.firstChild.style.width, "60%");
  const failed = renderUpload({ ...item, failed: true, error: "The file is too large." }, t);
  assert.equal(failed.querySelector("[role=progressbar]"), null);
  assert.ok(failed.textContent.includes("Nicht hochgeladen: The file is too large."));
  assert.equal(failed.all("button")[0].getAttribute("data-retry-upload"), "u-1");
  assert.ok(renderUpload({ ...item, failed: true }, t).textContent.includes("Nicht hochgeladen"));
});
