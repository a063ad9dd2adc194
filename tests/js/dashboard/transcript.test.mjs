// The transcript's download links: text or JSON, the private notes only when asked for.
import assert from "node:assert/strict";
import { test } from "node:test";

import { transcriptUrl, updateTranscriptLinks } from "../../../js/dashboard/transcript.js";
import { installDom } from "./dom.mjs";

const document = installDom();

test("the agent API's transcript URL, with notes=1 only when asked", () => {
  assert.equal(transcriptUrl("/livechat/api/", "c 1", "txt"), "/livechat/api/agent/conversations/c%201/transcript/?format=txt");
  assert.equal(
    transcriptUrl("/livechat/api/", "c1", "json", true),
    "/livechat/api/agent/conversations/c1/transcript/?format=json&notes=1",
  );
  const links = { txt: document.createElement("a"), json: document.createElement("a") };
  updateTranscriptLinks(links, "/api/", "c2", false);
  assert.equal(links.txt.getAttribute("href"), "/api/agent/conversations/c2/transcript/?format=txt");
  assert.equal(links.json.getAttribute("href"), "/api/agent/conversations/c2/transcript/?format=json");
});
