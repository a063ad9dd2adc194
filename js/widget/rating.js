/**
 * The rating (extras): after the conversation is resolved, "How was this conversation?"
 * as a group of five radio buttons (arrow keys move, as in any radio group) and an optional
 * comment, sent once (``POST api/rating/``); ALREADY_RATED counts as done.
 */

export class RatingForm {
  /** ``send(rating, comment)`` resolves with ``rated``, or rejects with a ChatError. */
  constructor(extras, send) {
    const { h, labels: L } = extras;
    this.stars = [];
    const choices = [1, 2, 3, 4, 5].flatMap((count) => {
      const input = h("input", { type: "radio", name: "lc-rating", id: "lc-rating-" + count, value: String(count), class: "sr" });
      const star = h("label", { for: "lc-rating-" + count, title: L.ratingStar.replace("{count}", count) },
        h("span", { "aria-hidden": "true" }, "★"), h("span", { class: "sr" }, L.ratingStar.replace("{count}", count)));
      input.onchange = () => this.light(count);
      this.stars.push(star);
      return [input, star];
    });
    this.comment = h("textarea", { id: "lc-rating-comment", rows: "2", maxlength: "1000" });
    this.error = h("p", { class: "err", "aria-live": "polite" });
    this.form = h("form", { class: "card rating" },
      h("fieldset", { class: "stars" }, h("legend", {}, L.ratingQuestion), ...choices),
      h("label", { for: "lc-rating-comment" }, L.ratingComment),
      this.comment,
      this.error,
      h("button", { type: "submit", class: "btn" }, L.ratingSend));
    this.form.onsubmit = async (event) => {
      event.preventDefault();
      const chosen = this.form.querySelector("input:checked");
      if (!chosen) {
        this.error.textContent = L.ratingChoose;
        return this.form.querySelector("input").focus();
      }
      try {
        await send(Number(chosen.value), this.comment.value.trim());
      } catch (error) {
        if (error.code !== "ALREADY_RATED") {
          this.error.textContent = error.detail || L.error;
          return;
        }
      }
      const thanks = h("p", { class: "note", role: "status", tabindex: "-1" }, L.ratingThanks);
      this.form.replaceWith(thanks);
      thanks.focus();
    };
  }

  light(count) {
    this.stars.forEach((star, index) => star.classList.toggle("on", index < count));
  }
}
