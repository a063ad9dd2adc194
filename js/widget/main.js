/**
 * Entry point: read the configuration, start the widget once the page has a body, and
 * publish ``window.LiveChat``. Calls queued before it loaded
 * (``window.LiveChat = window.LiveChat || []; LiveChat.push(fn)``) run with the API.
 */
import { resolveConfig } from "./config.js";
import { ChatWidget } from "./controller.js";

function start() {
  if (window.LiveChat && window.LiveChat.version) return; // loaded twice
  const script = document.currentScript;
  const element = document.getElementById((script && script.dataset.livechatConfig) || "django-livechat-config");
  let fromTag = null;
  try {
    fromTag = element ? JSON.parse(element.textContent) : null;
  } catch {
    console.error("django_livechat: the widget's configuration is not valid JSON");
  }
  // Without an apiUrl, the chat server is the one that served this script.
  const fallback = script && script.src ? { apiUrl: new URL("/livechat/", script.src).href } : null;
  const config = resolveConfig([fallback, fromTag, window.ChatBotConfig], location.href);
  if (!config.websiteId) {
    console.error("django_livechat: no websiteId in the configuration; the chat is off");
    return;
  }
  if (!config.nonce && script) config.nonce = script.nonce || "";
  const queued = Array.isArray(window.LiveChat) ? window.LiveChat : [];
  const boot = () => {
    const api = new ChatWidget(config, window).api();
    window.LiveChat = api;
    queued.forEach((fn) => api.push(fn));
    document.dispatchEvent(new CustomEvent("livechat:ready", { detail: api }));
  };
  if (document.body) boot();
  else document.addEventListener("DOMContentLoaded", boot, { once: true });
}

start();
