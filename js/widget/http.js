/** The HTTP API (the fallback transport): JSON in and out, the visitor token as bearer. */

export const NETWORK = "NETWORK";

export class ChatError extends Error {
  constructor(code, message = "", { status = 0, retryAfter = null, fields = null } = {}) {
    super(message || code);
    this.code = code;
    this.detail = message;
    this.status = status;
    this.retryAfter = retryAfter;
    this.fields = fields; // INVALID_PRECHAT: {field: message}
  }

  /** Worth trying again without the visitor doing anything: the network or the server. */
  get retryable() {
    return this.code === NETWORK || this.status >= 500;
  }
}

export function httpClient(apiUrl, fetchImpl) {
  async function call(method, path, token, body) {
    const headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    let response;
    try {
      response = await fetchImpl(apiUrl + "api/" + path, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      // Offline, server down, or a CORS refusal: the browser does not say which.
      throw new ChatError(NETWORK);
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const code = (data && data.code) || (response.status >= 500 ? "INTERNAL_ERROR" : "HTTP_" + response.status);
      throw new ChatError(code, (data && data.message) || "", {
        status: response.status,
        retryAfter: data && data.retry_after,
        fields: data && data.fields,
      });
    }
    return data;
  }

  return {
    /** Any call: the extras' (contact, rating, seen). */
    call,
    /** identify: create a conversation, or rejoin it with its token. */
    open: (body) => call("POST", "conversations/", "", body),
    post: (token, message, clientId) => call("POST", "messages/", token, { message, client_id: clientId }),
    list: (token, afterSeq) => call("GET", "messages/?after_seq=" + afterSeq, token),
    /** The website's widget settings (look, texts) and how many agents are online. */
    widget: (websiteId) => call("GET", "websites/" + websiteId + "/widget/"),
  };
}
