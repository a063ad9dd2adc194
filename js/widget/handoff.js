/**
 * The hand-off to a person: a "Talk to a person" button under the composer while the
 * conversation is not handed over, and the line that says a person will answer here when
 * the server's ``handoff`` event comes (the visitor, the bot or an agent handed over).
 */
export class Handoff {
  constructor(extras) {
    this.extras = extras;
    this.button = extras.h("button", { type: "button", class: "link person" }, extras.labels.handoffAsk);
    this.button.onclick = () => this.ask();
    extras.widget.view.form.after(this.button);
    this.update();
  }

  /**
   * Shown with the composer once there is a conversation, until it is handed over (the
   * ``identified`` frame's ``handoff_at``, or a ``handoff`` event since).
   */
  update() {
    const widget = this.extras.widget;
    this.button.hidden = Boolean(widget.handoffAt) || !widget.transport.session || widget.view.form.hidden;
  }

  /** The visitor asks for a person: ``{"type": "handoff"}`` on the socket, else ``POST api/handoff/``. */
  async ask() {
    const widget = this.extras.widget;
    const transport = widget.transport;
    widget.use();
    this.button.hidden = true; // the server's answer says it once
    if (transport.ready) return transport.sendFrame({ type: "handoff" });
    try {
      await transport.ensureSession();
      this.handedOver(await this.extras.call("handoff/", {}));
    } catch {
      this.update();
      widget.view.note(widget.config.labels.error, "error");
    }
  }

  /** The ``handoff`` event (or the HTTP answer): the line once, and the button goes. */
  handedOver(event) {
    const widget = this.extras.widget;
    if (!widget.handoffAt) widget.view.note(this.extras.labels.handoffNote);
    widget.handoffAt = (event && event.handoff_at) || true;
    this.update();
  }
}
