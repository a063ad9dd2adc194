// The agent API over HTTP from the dashboard page: the Django session's cookie goes with
// every request, and unsafe methods carry the CSRF token of the page's own form (it is
// there whatever CSRF_COOKIE_HTTPONLY and CSRF_USE_SESSIONS say).

/** The CSRF token of the page (the sign-out form's hidden field). */
export function csrfToken(doc = document) {
  const field = doc.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

/** ``{ok, status, data}``: a JSON request to the agent API; ``data`` is null when the answer is not JSON. */
export async function requestJson(method, url, body, { fetch = globalThis.fetch, token = csrfToken } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, data: null };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { ok: response.ok, status: response.status, data };
}
