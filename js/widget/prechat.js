/**
 * The pre-chat form (extras): name, email address, consent and the website's own fields,
 * checked here as the server checks them, sent with the identify that starts the
 * conversation (``prechat``); the server's INVALID_PRECHAT names the fields it refused.
 */

export const PRECHAT_LIMITS = { name: 200, email: 254, text: 200, textarea: 2000 };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The problems with ``answers`` ({name, email, consent, fields: {slug: value}}) for the
 * website's ``prechat`` settings: {field: message}, empty when all is well.
 */
export function checkPrechat(prechat, answers, labels) {
  const errors = {};
  const tooLong = (max) => labels.prechatTooLong.replace("{max}", max);
  const name = String(answers.name || "").trim();
  const email = String(answers.email || "").trim();
  if ([...name].length > PRECHAT_LIMITS.name) errors.name = tooLong(PRECHAT_LIMITS.name);
  if (!email) {
    if (prechat.email_required !== false) errors.email = labels.prechatRequired;
  } else if (email.length > PRECHAT_LIMITS.email) errors.email = tooLong(PRECHAT_LIMITS.email);
  else if (!EMAIL.test(email)) errors.email = labels.prechatEmailInvalid;
  if (prechat.consent_text && !answers.consent) errors.consent = labels.prechatRequired;
  for (const field of prechat.fields || []) {
    const value = (answers.fields || {})[field.name];
    const max = PRECHAT_LIMITS[field.type];
    if (field.type === "checkbox") {
      if (field.required && value !== true) errors[field.name] = labels.prechatRequired;
    } else if (!String(value ?? "").trim()) {
      if (field.required) errors[field.name] = labels.prechatRequired;
    } else if (field.type === "select" && !(field.options || []).includes(value)) {
      errors[field.name] = labels.prechatRequired;
    } else if (max && [...String(value).trim()].length > max) {
      errors[field.name] = tooLong(max);
    }
  }
  return errors;
}

/** The form in the panel, in place of the messages, until the conversation starts. */
export class PrechatForm {
  /** ``submit(answers)`` resolves when the conversation started, or rejects with a ChatError. */
  constructor(extras, prechat, submit) {
    Object.assign(this, { extras, prechat, submit, inputs: {}, errors: {} });
    const { h, labels: L } = extras;
    this.summary = h("p", { class: "err", role: "alert" });
    this.button = h("button", { type: "submit", class: "btn" }, L.prechatStart);
    const fields = [
      { name: "name", label: L.prechatName, type: "text", autocomplete: "name" },
      { name: "email", label: L.prechatEmail, type: "email", required: prechat.email_required !== false, autocomplete: "email" },
      ...(prechat.fields || []),
    ];
    if (prechat.consent_text) fields.push({ name: "consent", label: prechat.consent_text, type: "checkbox", required: true });
    this.form = h("form", { class: "pc", novalidate: true, "aria-label": L.prechatIntro },
      h("p", {}, L.prechatIntro), ...fields.map((field) => this.field(field)), this.summary, this.button);
    this.form.onsubmit = (event) => {
      event.preventDefault();
      this.send();
    };
  }

  field(field) {
    const { h, labels: L } = this.extras;
    const id = "lc-pc-" + field.name;
    const attrs = { id, name: field.name, "aria-describedby": id + "-error", required: Boolean(field.required) };
    let input;
    if (field.type === "select") {
      input = h("select", attrs, h("option", { value: "" }, L.prechatChoose),
        ...(field.options || []).map((option) => h("option", { value: option }, option)));
    } else if (field.type === "textarea") {
      input = h("textarea", { ...attrs, rows: "3" });
    } else {
      input = h("input", { ...attrs, type: field.type === "checkbox" ? "checkbox" : field.type || "text", autocomplete: field.autocomplete });
    }
    this.inputs[field.name] = input;
    this.errors[field.name] = h("p", { id: id + "-error", class: "err" });
    const label = h("label", { for: id }, field.label || field.name);
    return h("div", { class: field.type === "checkbox" ? "check" : "field" },
      ...(field.type === "checkbox" ? [input, label] : [label, input]), this.errors[field.name]);
  }

  answers() {
    const value = (input) => (input.type === "checkbox" ? input.checked : input.value.trim());
    const { name, email, consent, ...fields } = Object.fromEntries(
      Object.entries(this.inputs).map(([key, input]) => [key, value(input)]),
    );
    return { name, email, consent: Boolean(consent), fields };
  }

  /** Show ``errors`` ({field: message}) and move the focus to the first field in error. */
  show(errors, summary = "") {
    let first = null;
    for (const [name, input] of Object.entries(this.inputs)) {
      const message = errors[name] || "";
      this.errors[name].textContent = message;
      input.setAttribute("aria-invalid", String(Boolean(message)));
      if (message && !first) first = input;
    }
    this.summary.textContent = summary || (first ? this.extras.labels.prechatInvalid : "");
    (first || this.button).focus();
  }

  async send() {
    const answers = this.answers();
    const errors = checkPrechat(this.prechat, answers, this.extras.labels);
    if (Object.keys(errors).length) return this.show(errors);
    this.button.disabled = true;
    try {
      await this.submit(answers);
    } catch (error) {
      this.show(error.fields || {}, error.fields ? "" : error.detail || this.extras.labels.error);
    } finally {
      this.button.disabled = false;
    }
  }

  focus() {
    Object.values(this.inputs)[0].focus();
  }
}
