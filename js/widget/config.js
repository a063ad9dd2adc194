/**
 * The widget's configuration: defaults, then the tag's JSON, then window.ChatBotConfig.
 * URLs end up absolute, so the widget works on any page that embeds it.
 */

// JSON-compatible on purpose: tests/test_templatetags.py compares it with the tag's labels.
// Keys starting with prechat, contact, rating, upload or handoff are bundled into widget-extras.js
// only (js/widget/build.mjs): the core does not carry texts it never shows.
export const DEFAULT_LABELS = {
  "openChat": "Open chat",
  "closeChat": "Close chat",
  "title": "Chat with us",
  "greeting": "Hi! Ask us anything and we will answer here.",
  "inputLabel": "Type your message",
  "placeholder": "Type your message…",
  "send": "Send",
  "online": "Online",
  "connecting": "Connecting…",
  "offline": "Offline",
  "away": "Away",
  "awayText": "No one is here right now. Leave a message and we will reply as soon as we can.",
  "typing": "Support is typing…",
  "sending": "Sending…",
  "failed": "Not delivered.",
  "retry": "Retry",
  "soundOn": "Turn sound on",
  "soundOff": "Turn sound off",
  "unread": "{count} unread",
  "resolved": "This conversation was marked resolved.",
  "reopened": "This conversation was reopened.",
  "refused": "The chat is not available on this site.",
  "error": "Something went wrong. Please try again.",
  "auto": "Automatic reply",
  "charsLeft": "{count} characters left",
  "tooLong": "This message is too long: at most {max} characters.",
  "empty": "Type a message first.",
  "closedText": "We are closed now. Leave a message and we will answer when we are back.",
  "replyTime": "We usually reply within {time}.",
  "uploadAttach": "Attach a file",
  "prechatIntro": "Please tell us a little about yourself before the chat starts.",
  "prechatName": "Your name",
  "prechatEmail": "Your email address",
  "prechatStart": "Start the chat",
  "prechatChoose": "Choose…",
  "prechatRequired": "This field is required.",
  "prechatEmailInvalid": "Enter a valid email address.",
  "prechatTooLong": "This is too long: at most {max} characters.",
  "prechatInvalid": "Please correct the marked fields.",
  "contactPrompt": "Leave your email address and we will reply there.",
  "contactEmail": "Your email address",
  "contactSave": "Save",
  "contactDismiss": "No, thanks",
  "contactSaved": "Thank you. We will reply to {email}.",
  "ratingQuestion": "How was this conversation?",
  "ratingStar": "{count} out of 5",
  "ratingComment": "Add a comment (optional)",
  "ratingSend": "Send rating",
  "ratingChoose": "Choose a rating first.",
  "ratingThanks": "Thank you for your rating.",
  "uploadProgress": "Uploading {name}",
  "uploadTooLarge": "This file is too large to send.",
  "uploadType": "This type of file cannot be sent.",
  "uploadRejected": "This file was rejected.",
  "uploadFailed": "The file could not be sent.",
  "handoffAsk": "Talk to a person",
  "handoffNote": "A person will answer here."
};

export const CONFIG_DEFAULTS = {
  websiteId: "",
  apiUrl: "",
  wsUrl: "",
  wsPathPrefix: "ws/livechat/",
  theme: "light",
  color: "#0b6e4f",
  position: "right",
  reconnectMaxRetries: 8,
  reconnectBaseDelay: 1,
  pollInterval: 3,
  heartbeatInterval: 25,
  typingTimeout: 20,
  maxMessageLength: 4000,
  sound: true,
  nonce: "",
  // Where the extras bundle is; by default beside widget.js (main.js).
  extrasUrl: "",
  // {open, reply_time, next_open}: the tag's or the settings endpoint's, then live.
  availability: null,
  // {fields, consent_text, email_required} when the website asks before the chat.
  prechat: null
};

const THEMES = ["light", "dark", "auto"];

/** Merge config sources (later wins) and make every URL absolute against ``base``. */
export function resolveConfig(sources, base) {
  const config = { ...CONFIG_DEFAULTS, labels: { ...DEFAULT_LABELS } };
  for (const source of sources) {
    if (!source || typeof source !== "object") continue;
    for (const [key, value] of Object.entries(source)) {
      if (value === null || value === undefined || value === "") continue;
      if (key === "labels" && typeof value === "object") Object.assign(config.labels, value);
      else if (key in CONFIG_DEFAULTS) config[key] = value;
    }
  }
  // The seed's ChatBotConfig named a colour as its theme ({theme: "green"}).
  if (!THEMES.includes(config.theme)) {
    config.color = String(config.theme);
    config.theme = "light";
  }
  if (config.position !== "left") config.position = "right";
  const api = new URL(String(config.apiUrl || "/livechat/"), base);
  if (!api.pathname.endsWith("/")) api.pathname += "/";
  api.search = api.hash = "";
  config.apiUrl = api.href;
  config.wsUrl = socketUrl(config.wsUrl, api, config.wsPathPrefix);
  config.websiteId = String(config.websiteId);
  config.reconnectMaxRetries = Math.max(0, Math.floor(Number(config.reconnectMaxRetries) || 0));
  config.reconnectBaseDelay = positive(config.reconnectBaseDelay, CONFIG_DEFAULTS.reconnectBaseDelay);
  config.heartbeatInterval = positive(config.heartbeatInterval, CONFIG_DEFAULTS.heartbeatInterval);
  return config;
}

function positive(value, fallback) {
  return Number(value) > 0 ? Number(value) : fallback;
}

/**
 * The visitor socket's URL: ``wsUrl`` if given (relative to the API), else the API's
 * origin + ``/`` + the WS path prefix + ``widget/``, with ws: or wss: to match.
 */
export function socketUrl(wsUrl, api, prefix) {
  const url = new URL(wsUrl || "/" + String(prefix).replace(/^\/+/, "") + "widget/", api);
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  return url.href;
}
