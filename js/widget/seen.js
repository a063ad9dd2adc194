/**
 * "Seen" (extras): the highest seq the visitor has had in front of them (panel open, tab
 * visible), told to the server at most every two seconds and only when it grows, so the
 * server emails only replies nobody read.
 */

export const SEEN_EVERY = 2000; // ms

export class SeenReporter {
  /** ``visible()``: the messages are in view; ``highest()``: the newest seq; ``send(seq)``. */
  constructor({ visible, highest, send, env }) {
    Object.assign(this, { visible, highest, send, env, sent: 0, at: -Infinity, timer: 0 });
  }

  /** Called whenever something may have become visible. */
  check() {
    const seq = this.highest();
    if (!this.visible() || seq <= this.sent) return;
    const wait = this.at + SEEN_EVERY - this.env.now();
    if (wait > 0) {
      this.timer ||= this.env.setTimeout(() => {
        this.timer = 0;
        this.check();
      }, wait);
      return;
    }
    this.sent = seq;
    this.at = this.env.now();
    this.send(seq);
  }

  /** Another conversation: its seqs start again. */
  reset() {
    this.sent = 0;
  }
}
