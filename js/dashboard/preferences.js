// The agent's email preference ("Email me about new conversations: never / at once /
// daily digest"), bound to the agent API's preferences (GET to show it, PUT to change it).
import { requestJson } from "./http.js";

const CHOICES = new Set(["off", "immediate", "daily"]);

export class EmailPreference {
  /**
   * ``select`` holds the three choices; it stays disabled until the server said which
   * one is set, and goes back to it if a change is refused (``onError(message)``).
   * ``request(method, url, body)`` is http.js's requestJson by default.
   */
  constructor({ select, url, onError, request = requestJson }) {
    Object.assign(this, { select, url, onError, request });
    this.saved = null;
    select.disabled = true;
    select.addEventListener("change", () => this.choose(select.value));
  }

  /** Show the setting the server has; false (and the control stays off) if there is none. */
  async load() {
    const answer = await this.request("GET", this.url);
    const value = answer.ok && answer.data ? answer.data.email_notifications : undefined;
    if (!CHOICES.has(value)) return false;
    this.saved = value;
    this.select.value = value;
    this.select.disabled = false;
    return true;
  }

  async choose(value) {
    if (!CHOICES.has(value) || value === this.saved) return;
    this.select.disabled = true;
    const answer = await this.request("PUT", this.url, { email_notifications: value });
    this.select.disabled = false;
    if (answer.ok) {
      const stored = answer.data && answer.data.email_notifications;
      this.saved = CHOICES.has(stored) ? stored : value;
      this.select.value = this.saved;
      return;
    }
    this.select.value = this.saved;
    this.onError(answer.data && (answer.data.message || answer.data.code));
  }
}
