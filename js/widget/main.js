/**
 * Entry point: read the configuration, start the widget once the page has a body, and
 * publish ``window.LiveChat``. Calls queued before it loaded
 * (``window.LiveChat = window.LiveChat || []; LiveChat.push(fn)``) run with the API.
 *
 * Configured by the template tag (``settingsLoaded``), the widget starts at once; else it
 * first asks the server for the website's look and texts (a few seconds at most), which the
 * page's own ``window.ChatBotConfig`` still overrides.
 */
import { resolveConfig } from "./config.js";
import { ChatWidget } from "./controller.js";
import { httpClient } from "./http.js";

const EXTRAS = "widget-extras.js";
const SETTINGS_WAIT = 3000; // ms: a slow server does not hold the launcher back longer

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
  // Without an apiUrl, the chat server is the one that served this script; the extras are
  // beside it (the bundler adds their version to the name).
  const fallback = script && script.src
    ? { apiUrl: new URL("/livechat/", script.src).href, extrasUrl: new URL(EXTRAS, script.src).href }
    : null;
  const configure = (settings) => resolveConfig([fallback, fromTag, settings, window.ChatBotConfig], location.href);
  let config = configure(null);
  if (!config.websiteId) {
    console.error("django_livechat: no websiteId in the configuration; the chat is off");
    return;
  }
  const nonce = config.nonce || (script && script.nonce) || "";
  const queued = Array.isArray(window.LiveChat) ? window.LiveChat : [];
  const boot = (settings) => {
    config = configure(settings);
    config.nonce = nonce;
    config.extrasUrl ||= config.apiUrl + "assets/" + EXTRAS;
    const widget = new ChatWidget(config, window);
    if (settings) widget.transport.presence(settings);
    const api = widget.api();
    window.LiveChat = api;
    queued.forEach((fn) => api.push(fn));
    document.dispatchEvent(new CustomEvent("livechat:ready", { detail: api }));
  };
  const settings =
    fromTag && fromTag.settingsLoaded
      ? Promise.resolve(null)
      : Promise.race([
          // Unknown website, old server, no network: the defaults, quietly.
          httpClient(config.apiUrl, (...args) => fetch(...args)).widget(config.websiteId).catch(() => null),
          new Promise((resolve) => setTimeout(resolve, SETTINGS_WAIT, null)),
        ]);
  settings.then((found) => {
    if (document.body) boot(found);
    else document.addEventListener("DOMContentLoaded", () => boot(found), { once: true });
  });
}

start();
