// A conversation's transcript as a file, from the agent API: text or JSON, with the
// private notes only when the agent asks for them.

export const FORMATS = ["txt", "json"];

export function transcriptUrl(apiRoot, conversationId, format, withNotes = false) {
  const path = `${apiRoot}agent/conversations/${encodeURIComponent(conversationId)}/transcript/`;
  return `${path}?format=${format}${withNotes ? "&notes=1" : ""}`;
}

/** Point the download links (``links``: {txt, json}) at the conversation's transcript. */
export function updateTranscriptLinks(links, apiRoot, conversationId, withNotes) {
  for (const format of FORMATS) links[format].setAttribute("href", transcriptUrl(apiRoot, conversationId, format, withNotes));
}
