import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_LABELS, resolveConfig, socketUrl } from "../../js/widget/config.js";

const PAGE = "https://shop.example/products/42";

test("the seed's window.ChatBotConfig works: apiUrl is where the app is mounted", () => {
  const config = resolveConfig([{ apiUrl: "https://chat.example/livechat", websiteId: "w-1", theme: "dark" }], PAGE);
  assert.equal(config.apiUrl, "https://chat.example/livechat/");
  assert.equal(config.wsUrl, "wss://chat.example/ws/livechat/widget/");
  assert.equal(config.websiteId, "w-1");
  assert.equal(config.theme, "dark");
});

test("the socket URL follows the API's scheme and host and the WS path prefix", () => {
  const api = new URL("http://127.0.0.1:8000/support/livechat/");
  assert.equal(socketUrl("", api, "ws/livechat/"), "ws://127.0.0.1:8000/ws/livechat/widget/");
  assert.equal(socketUrl("", api, "/sockets/"), "ws://127.0.0.1:8000/sockets/widget/");
  assert.equal(socketUrl("wss://rt.example/chat/", api, "ws/livechat/"), "wss://rt.example/chat/");
  assert.equal(socketUrl("https://rt.example/chat/", api, "x/"), "wss://rt.example/chat/");
});

test("relative URLs are resolved against the page", () => {
  const config = resolveConfig([{ apiUrl: "/livechat/", websiteId: "w" }], PAGE);
  assert.equal(config.apiUrl, "https://shop.example/livechat/");
  assert.equal(config.wsUrl, "wss://shop.example/ws/livechat/widget/");
});

test("later sources win, labels merge key by key", () => {
  const fromTag = { websiteId: "w", position: "left", labels: { send: "Senden", title: "Hilfe" } };
  const fromPage = { position: "right", labels: { title: "Support" } };
  const config = resolveConfig([fromTag, fromPage], PAGE);
  assert.equal(config.position, "right");
  assert.equal(config.labels.send, "Senden");
  assert.equal(config.labels.title, "Support");
  assert.equal(config.labels.inputLabel, DEFAULT_LABELS.inputLabel);
});

test("the seed's colour-as-theme becomes the brand colour", () => {
  const config = resolveConfig([{ websiteId: "w", theme: "green" }], PAGE);
  assert.equal(config.theme, "light");
  assert.equal(config.color, "green");
});

test("bad values fall back to safe ones", () => {
  const config = resolveConfig([{ websiteId: "w", position: "top", reconnectMaxRetries: -3, reconnectBaseDelay: 0 }], PAGE);
  assert.equal(config.position, "right");
  assert.equal(config.reconnectMaxRetries, 0);
  assert.equal(config.reconnectBaseDelay, 1);
});

test("the labels the issue names are the defaults", () => {
  assert.equal(DEFAULT_LABELS.openChat, "Open chat");
  assert.equal(DEFAULT_LABELS.inputLabel, "Type your message");
  assert.equal(DEFAULT_LABELS.send, "Send");
  assert.match(DEFAULT_LABELS.typing, /typing/);
});

test("heartbeatInterval: 25 s by default, the tag's value, a safe one for nonsense", () => {
  assert.equal(resolveConfig([{ websiteId: "w" }], PAGE).heartbeatInterval, 25);
  assert.equal(resolveConfig([{ websiteId: "w", heartbeatInterval: 10.5 }], PAGE).heartbeatInterval, 10.5);
  for (const bad of [0, -1, "soon"]) {
    assert.equal(resolveConfig([{ websiteId: "w", heartbeatInterval: bad }], PAGE).heartbeatInterval, 25);
  }
});
