/**
 * Files (extras): the paperclip, a drop on the panel or an image pasted into the input;
 * each file is uploaded with XMLHttpRequest (for its progress) to ``POST api/attachments/``
 * under its own client_id, so a retry can never store it twice; the server's message
 * replaces the item, as a text message's does. Messages with a file show its thumbnail
 * (images) or a download link with its name and size.
 */

const REASONS = { ATTACHMENT_TOO_LARGE: "uploadTooLarge", ATTACHMENT_TYPE: "uploadType", ATTACHMENT_REJECTED: "uploadRejected" };
const CLIP = "M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7";

/** What went wrong with an upload (HTTP status and the answer's code): {text, retryable}. */
export function uploadError(status, code, labels) {
  if (REASONS[code]) return { text: labels[REASONS[code]], retryable: false };
  const retryable = !status || status >= 500 || status === 429;
  return { text: labels.uploadFailed, retryable };
}

/** "12 KB", "3.4 MB": a file's size for people. */
export function fileSize(bytes) {
  const kb = bytes / 1024;
  return kb < 1000 ? Math.max(1, Math.ceil(kb)) + " KB" : (kb / 1024).toFixed(1) + " MB";
}

/**
 * The link (or thumbnail) of a message's file. URLs may be paths on the chat server
 * (``base``: its API URL, not the page's); only http(s) ones become links.
 */
export function attachmentLink(h, { url, thumbnail_url: thumbnail, name, size, is_image: image }, base) {
  const safe = (href) => {
    try {
      const absolute = new URL(href, base);
      return /^https?:$/.test(absolute.protocol) && href ? absolute.href : null;
    } catch {
      return null;
    }
  };
  const link = h("a", { class: "file", href: safe(url), target: "_blank", rel: "noopener noreferrer" });
  if (image && safe(thumbnail)) link.append(h("img", { src: safe(thumbnail), alt: name }));
  else link.append(`${name} (${fileSize(size || 0)})`);
  return link;
}

export class Uploads {
  /** ``start()`` resolves with the session (a conversation started if need be). */
  constructor(extras, start) {
    Object.assign(this, { extras, start, items: new Map() });
    const { h, widget } = extras;
    const view = widget.view;
    const file = h("input", { type: "file", multiple: true, hidden: true, tabindex: "-1" });
    const icon = view.icon("chat"); // the core's icon element, drawn as a paperclip
    icon.firstChild.setAttribute("d", CLIP);
    const clip = h("button", { type: "button", class: "icon", "aria-label": extras.labels.uploadAttach }, icon);
    clip.onclick = () => file.click();
    file.onchange = () => {
      this.add(file.files);
      file.value = "";
    };
    view.form.insertBefore(clip, view.input);
    view.form.append(file);
    view.panel.addEventListener("dragover", (event) => event.preventDefault());
    view.panel.addEventListener("drop", (event) => {
      event.preventDefault();
      this.add(event.dataTransfer && event.dataTransfer.files);
    });
    view.input.addEventListener("paste", (event) => {
      const files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) {
        event.preventDefault();
        this.add(files);
      }
    });
  }

  add(files) {
    const view = this.extras.widget.view;
    if (!files || view.form.hidden) return; // the pre-chat form comes first
    for (const file of files) {
      const clientId = "f-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      const item = { clientId, file, row: this.row(clientId, file) };
      this.items.set(clientId, item);
      this.send(item);
    }
  }

  bar(file) {
    const { h, labels: L } = this.extras;
    return h("div", {
      class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0",
      "aria-label": L.uploadProgress.replace("{name}", file.name),
    }, h("i", {}));
  }

  row(clientId, file) {
    const { h, widget } = this.extras;
    const view = widget.view;
    const row = h("div", { class: "msg user", "data-client-id": clientId },
      h("div", { class: "bubble" }, `${file.name} (${fileSize(file.size)})`, this.bar(file)), h("p", { class: "meta" }));
    // The server's message takes its place (View.message finds it by client_id).
    view.byClient.set(clientId, row);
    view.log.append(row);
    view.scroll(true);
    return row;
  }

  progress(item, percent) {
    const bar = item.row.querySelector(".bar");
    if (!bar) return;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.firstChild.style.width = percent + "%";
  }

  async send(item) {
    const { labels: L, widget } = this.extras;
    item.row.querySelector(".meta").textContent = L.sending;
    this.progress(item, 0);
    let session;
    try {
      session = await this.start();
    } catch (error) {
      return this.failed(item, error.status || 0, error.code);
    }
    const xhr = new XMLHttpRequest();
    const body = new FormData();
    body.append("file", item.file, item.file.name);
    body.append("client_id", item.clientId);
    xhr.open("POST", widget.config.apiUrl + "api/attachments/");
    xhr.setRequestHeader("Authorization", "Bearer " + session.visitorToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => event.lengthComputable && this.progress(item, Math.round((event.loaded / event.total) * 100));
    xhr.onerror = () => this.failed(item, 0, "");
    xhr.onload = () => {
      let answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {
        answer = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && answer) {
        this.progress(item, 100);
        this.items.delete(item.clientId);
        const messages = answer.seq ? [answer] : [answer.message, answer.reply].filter(Boolean);
        widget.transport.receive(null, messages);
      } else {
        this.failed(item, xhr.status, answer && answer.code);
      }
    };
    xhr.send(body);
  }

  failed(item, status, code) {
    const { h, labels: L } = this.extras;
    const { text, retryable } = uploadError(status, code, L);
    item.row.classList.add("failed");
    item.row.querySelector(".bar")?.remove();
    const meta = item.row.querySelector(".meta");
    meta.replaceChildren(`${L.failed} ${text} `);
    if (retryable) {
      const retry = h("button", { type: "button" }, L.retry);
      retry.onclick = () => {
        item.row.classList.remove("failed");
        item.row.querySelector(".bubble").append(this.bar(item.file));
        this.send(item);
      };
      meta.append(retry);
    }
  }
}
