// The agent's files on their way: each is POSTed (multipart) to the agent API's
// attachments URL of its conversation with XMLHttpRequest, for its upload progress. Each
// upload has its own client_id, sent again on a retry, so the server stores one message
// however often the same upload is tried. An upload is done when the server's answer or
// the broadcast chat_message with its client_id arrives, whichever comes first.

function browserRequests() {
  return { XMLHttpRequest: globalThis.XMLHttpRequest, FormData: globalThis.FormData };
}

export class Uploads {
  /**
   * ``url(conversationId)`` is where to POST; ``csrfToken()`` the page's CSRF token;
   * ``onChange(item)`` is told of every step (progress, failure, done), ``onStored(message)``
   * of the stored message the server answered with. ``env``: XMLHttpRequest, FormData.
   */
  constructor({ url, csrfToken, onChange, onStored, env = browserRequests() }) {
    Object.assign(this, { url, csrfToken, onChange, onStored, env });
    this.items = new Map(); // client_id -> {clientId, conversationId, file, name, size, progress, failed, error, xhr}
  }

  add(conversationId, file, clientId) {
    const item = { clientId, conversationId, file, name: file.name || "", size: file.size || 0 };
    Object.assign(item, { progress: 0, failed: false, error: "", xhr: null });
    this.items.set(clientId, item);
    this.deliver(item);
    return item;
  }

  deliver(item) {
    const xhr = new this.env.XMLHttpRequest();
    item.xhr = xhr;
    const form = new this.env.FormData();
    form.append("file", item.file, item.name);
    form.append("client_id", item.clientId);
    xhr.open("POST", this.url(item.conversationId));
    xhr.setRequestHeader("X-CSRFToken", this.csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable || item.xhr !== xhr) return;
      // 99 at most until the server answers: the bytes are sent, the message not yet stored.
      item.progress = Math.min(99, Math.floor((event.loaded / event.total) * 100));
      this.onChange(item);
    });
    xhr.addEventListener("load", () => {
      if (item.xhr === xhr) this.answered(item, xhr);
    });
    xhr.addEventListener("error", () => {
      if (item.xhr === xhr) this.fail(item, "");
    });
    xhr.send(form);
  }

  answered(item, xhr) {
    let body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch {
      body = null;
    }
    if (xhr.status >= 200 && xhr.status < 300) {
      const message = body && body.message && typeof body.message === "object" ? body.message : null;
      this.done(item);
      if (message) this.onStored(message);
      return;
    }
    // TOO_LARGE, TYPE, REJECTED and the rest: the server's reason, shown on this upload only.
    this.fail(item, (body && (body.message || body.code)) || "");
  }

  fail(item, error) {
    item.failed = true;
    item.error = error;
    item.xhr = null;
    this.onChange(item);
  }

  done(item) {
    item.xhr = null;
    this.items.delete(item.clientId);
    this.onChange({ ...item, progress: 100, done: true });
  }

  /** Messages from the server: one carrying an upload's client_id ends that upload. */
  confirm(messages) {
    for (const message of messages) {
      const item = message.client_id && this.items.get(message.client_id);
      if (!item) continue;
      this.done(item);
    }
  }

  /** Try a failed upload again, with the same client_id. */
  retry(clientId) {
    const item = this.items.get(clientId);
    if (!item || !item.failed) return undefined;
    Object.assign(item, { failed: false, error: "", progress: 0 });
    this.deliver(item);
    return item;
  }

  forConversation(conversationId) {
    return [...this.items.values()].filter((item) => item.conversationId === conversationId);
  }
}
