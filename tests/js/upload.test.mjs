// Uploads: which failures can be retried, and how a message's file is shown.
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_LABELS as L } from "../../js/widget/config.js";
import { attachmentLink, fileSize, uploadError } from "../../js/widget/upload.js";

test("refused files say why and offer no retry; network and server failures can be retried", () => {
  assert.deepEqual(uploadError(413, "ATTACHMENT_TOO_LARGE", L), { text: L.uploadTooLarge, retryable: false });
  assert.deepEqual(uploadError(415, "ATTACHMENT_TYPE", L), { text: L.uploadType, retryable: false });
  assert.deepEqual(uploadError(422, "ATTACHMENT_REJECTED", L), { text: L.uploadRejected, retryable: false });
  assert.deepEqual(uploadError(0, "", L), { text: L.uploadFailed, retryable: true }, "network");
  assert.deepEqual(uploadError(503, "UNAVAILABLE", L), { text: L.uploadFailed, retryable: true });
  assert.deepEqual(uploadError(429, "RATE_LIMITED", L), { text: L.uploadFailed, retryable: true });
  assert.deepEqual(uploadError(403, "FORBIDDEN", L), { text: L.uploadFailed, retryable: false });
});

test("sizes for people", () => {
  assert.equal(fileSize(10), "1 KB");
  assert.equal(fileSize(20_000), "20 KB");
  assert.equal(fileSize(3.4 * 1024 * 1024), "3.4 MB");
});

/** A stand-in for View.el: {tag, attrs, children}. */
const h = (tag, attrs, ...children) => ({ tag, attrs, children, append: function (...more) { this.children.push(...more); } });

test("an image shows its thumbnail with the file name as alt; other files a link with name and size", () => {
  const image = attachmentLink(h, {
    url: "https://chat.example/livechat/api/attachments/1/?token=x",
    thumbnail_url: "https://chat.example/livechat/api/attachments/1/thumbnail/?token=x",
    name: "photo.png",
    size: 2048,
    is_image: true,
  }, BASE);
  assert.equal(image.tag, "a");
  assert.equal(image.attrs.href, "https://chat.example/livechat/api/attachments/1/?token=x");
  assert.equal(image.children[0].tag, "img");
  assert.deepEqual(image.children[0].attrs, { src: "https://chat.example/livechat/api/attachments/1/thumbnail/?token=x", alt: "photo.png" });
  const pdf = attachmentLink(h, { url: "https://chat.example/a/2/", thumbnail_url: null, name: "bill.pdf", size: 50_000, is_image: false }, BASE);
  assert.deepEqual(pdf.children, ["bill.pdf (49 KB)"]);
});

const BASE = "https://chat.example/livechat/";

test("only http(s) URLs become links or images", () => {
  const link = attachmentLink(h, { url: "javascript:alert(1)", thumbnail_url: "data:image/svg+xml,<svg/>", name: "x.png", size: 1, is_image: true }, BASE);
  assert.equal(link.attrs.href, null);
  assert.deepEqual(link.children, ["x.png (1 KB)"], "no image from a data: URL");
});

test("the server's paths are on the chat server, not on the page that embeds the widget", () => {
  const link = attachmentLink(h, { url: "/livechat/api/attachments/7/?sig=s", thumbnail_url: "/livechat/api/attachments/7/thumbnail/?sig=s", name: "p.png", size: 9, is_image: true }, BASE);
  assert.equal(link.attrs.href, "https://chat.example/livechat/api/attachments/7/?sig=s");
  assert.equal(link.children[0].attrs.src, "https://chat.example/livechat/api/attachments/7/thumbnail/?sig=s");
});
