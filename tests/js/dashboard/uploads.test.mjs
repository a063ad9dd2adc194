// The agent's uploads: multipart POSTs with progress, one client_id per upload kept on a
// retry, errors on that upload alone, done by the server's answer or its broadcast.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Uploads } from "../../../js/dashboard/uploads.js";

class FakeTarget {
  constructor() {
    this.listeners = {};
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  fire(type, event = {}) {
    for (const fn of this.listeners[type] || []) fn(event);
  }
}

function setup() {
  const requests = [];
  class XMLHttpRequest extends FakeTarget {
    constructor() {
      super();
      this.upload = new FakeTarget();
      this.headers = {};
      requests.push(this);
    }
    open(method, url) {
      Object.assign(this, { method, url });
    }
    setRequestHeader(name, value) {
      this.headers[name] = value;
    }
    send(body) {
      this.body = body;
    }
    answer(status, body) {
      Object.assign(this, { status, responseText: typeof body === "string" ? body : JSON.stringify(body) });
      this.fire("load");
    }
  }
  class FormData {
    constructor() {
      this.fields = [];
    }
    append(name, value, filename) {
      this.fields.push([name, value, filename]);
    }
  }
  const changes = [];
  const stored = [];
  const uploads = new Uploads({
    url: (id) => `/livechat/api/agent/conversations/${id}/attachments/`,
    csrfToken: () => "tok",
    onChange: (item) => changes.push({ ...item }),
    onStored: (message) => stored.push(message),
    env: { XMLHttpRequest, FormData },
  });
  return { uploads, requests, changes, stored };
}

const file = { name: "cat.png", size: 4000, type: "image/png" };

test("an upload is a multipart POST to its conversation with the CSRF token and its client_id", () => {
  const t = setup();
  t.uploads.add("c1", file, "u-1");
  const [xhr] = t.requests;
  assert.equal(xhr.method, "POST");
  assert.equal(xhr.url, "/livechat/api/agent/conversations/c1/attachments/");
  assert.equal(xhr.headers["X-CSRFToken"], "tok");
  assert.deepEqual(xhr.body.fields, [
    ["file", file, "cat.png"],
    ["client_id", "u-1", undefined],
  ]);
});

test("progress is reported (99 at most until the server answers), then the stored message ends it", () => {
  const t = setup();
  t.uploads.add("c1", file, "u-1");
  const [xhr] = t.requests;
  xhr.upload.fire("progress", { lengthComputable: true, loaded: 1000, total: 4000 });
  xhr.upload.fire("progress", { lengthComputable: true, loaded: 4000, total: 4000 });
  assert.deepEqual(t.changes.map((c) => c.progress), [25, 99]);
  const message = { seq: 7, client_id: "u-1", conversation_id: "c1", attachment: { id: "a" } };
  xhr.answer(201, { message });
  assert.deepEqual(t.stored, [message]);
  assert.equal(t.changes.at(-1).done, true);
  assert.deepEqual(t.uploads.forConversation("c1"), []);
});

test("the broadcast chat_message with its client_id ends an upload whose answer is still on its way", () => {
  const t = setup();
  t.uploads.add("c1", file, "u-1");
  t.uploads.add("c1", { name: "b.pdf", size: 1 }, "u-2");
  t.uploads.confirm([{ seq: 8, client_id: "u-1" }, { seq: 9, client_id: "someone-else" }]);
  assert.deepEqual(t.uploads.forConversation("c1").map((i) => i.clientId), ["u-2"]);
  t.requests[0].answer(201, { message: { seq: 8, client_id: "u-1" } });
  assert.deepEqual(t.stored, [], "the late answer of a finished upload changes nothing");
});

for (const [status, code] of [
  [413, "ATTACHMENT_TOO_LARGE"],
  [415, "ATTACHMENT_TYPE"],
  [422, "ATTACHMENT_REJECTED"],
]) {
  test(`${code} fails that upload alone, with the server's reason; a retry sends the same client_id`, () => {
    const t = setup();
    t.uploads.add("c1", file, "u-1");
    t.uploads.add("c1", file, "u-2");
    t.requests[0].answer(status, { type: "error", code, message: `${code}!`, client_id: "u-1" });
    const [first, second] = t.uploads.forConversation("c1");
    assert.equal(first.failed, true);
    assert.equal(first.error, `${code}!`);
    assert.equal(second.failed, false);
    assert.ok(t.uploads.retry("u-1"));
    assert.equal(t.requests.length, 3);
    assert.equal(t.requests[2].body.fields[1][1], "u-1");
    assert.equal(t.uploads.forConversation("c1")[0].failed, false);
    assert.equal(t.uploads.retry("u-2"), undefined, "only a failed upload is retried");
  });
}

test("a network failure or a non-JSON answer fails the upload without a reason", () => {
  const t = setup();
  t.uploads.add("c1", file, "u-1");
  t.requests[0].fire("error");
  assert.equal(t.uploads.forConversation("c1")[0].failed, true);
  assert.equal(t.uploads.forConversation("c1")[0].error, "");
  t.uploads.retry("u-1");
  t.requests[1].answer(502, "<html>Bad gateway</html>");
  assert.equal(t.uploads.forConversation("c1")[0].error, "");
  assert.equal(t.uploads.forConversation("c1")[0].failed, true);
});
