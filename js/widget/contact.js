/**
 * The email prompt (extras): when nobody can answer now, after the visitor's first message,
 * a small form in the conversation asks where to reply (``POST api/contact/``). Once per
 * conversation, and never when the address is known (setUser, the pre-chat form).
 */

export class ContactForm {
  /** ``save(email)`` resolves with the server's ``contact_saved``, or rejects with a ChatError. */
  constructor(extras, save) {
    const { h, labels: L } = extras;
    this.input = h("input", { id: "lc-contact", type: "email", autocomplete: "email", "aria-describedby": "lc-contact-error" });
    this.error = h("p", { id: "lc-contact-error", class: "err", "aria-live": "polite" });
    const dismiss = h("button", { type: "button", class: "link" }, L.contactDismiss);
    this.form = h("form", { class: "card contact", novalidate: true },
      h("label", { for: "lc-contact" }, L.contactPrompt),
      this.input,
      this.error,
      h("div", { class: "row" }, h("button", { type: "submit", class: "btn" }, L.contactSave), dismiss));
    dismiss.onclick = () => this.form.remove();
    this.form.onsubmit = async (event) => {
      event.preventDefault();
      const email = this.input.value.trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return this.fail(L.prechatEmailInvalid);
      try {
        const saved = await save(email);
        this.form.replaceWith(h("p", { class: "note", role: "status" }, L.contactSaved.replace("{email}", saved.email || email)));
      } catch (error) {
        this.fail(error.detail || L.error);
      }
    };
  }

  fail(message) {
    this.error.textContent = message;
    this.input.setAttribute("aria-invalid", "true");
    this.input.focus();
  }
}
