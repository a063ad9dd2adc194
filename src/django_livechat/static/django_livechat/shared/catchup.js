// Published by js/widget/build.mjs from js/shared/catchup.js: edit that file.
/**
 * Gap repair, its timing. A gap noticed now may be an event still on its way, so look
 * again after a grace period and ask the server only if something is still missing;
 * never more than one request in flight per key (a conversation). What counts as
 * missing and how to ask are the caller's: ``missing(key, upTo)`` is true while not
 * everything up to seq ``upTo`` is held, ``request(key)`` asks and says whether it could.
 */

export const GRACE = 1; // seconds an event may be late before it counts as lost
const ANSWER_TIMEOUT = 15; // seconds after which an unanswered request stops blocking others

export class CatchUp {
  /** ``env``: setTimeout, clearTimeout. */
  constructor({ missing, request, env, grace = GRACE }) {
    Object.assign(this, { missing, request, env, grace });
    this.wanted = new Map(); // key -> the seq everything up to which should be held
    this.waiting = new Map(); // key -> its grace timer
    this.inFlight = new Map(); // key -> the timer that gives up on the answer
  }

  /** Everything up to seq ``upTo`` of ``key`` should be here. */
  note(key, upTo) {
    this.wanted.set(key, Math.max(this.wanted.get(key) || 0, upTo));
    if (this.waiting.has(key) || this.inFlight.has(key)) return;
    this.waiting.set(key, this.env.setTimeout(() => this.check(key), this.grace * 1000));
  }

  check(key) {
    this.waiting.delete(key);
    const upTo = this.wanted.get(key);
    this.wanted.delete(key);
    if (upTo && this.missing(key, upTo) && this.request(key)) this.begin(key);
  }

  /** A request for ``key`` is on its way (sent here, or by the caller: a rejoin's history). */
  begin(key) {
    this.env.clearTimeout(this.inFlight.get(key));
    this.inFlight.set(key, this.env.setTimeout(() => this.done(key), ANSWER_TIMEOUT * 1000));
  }

  /** Its answer came; a gap noticed meanwhile gets its own look. */
  done(key) {
    if (!this.inFlight.has(key)) return;
    this.env.clearTimeout(this.inFlight.get(key));
    this.inFlight.delete(key);
    if (this.wanted.has(key)) this.note(key, 0);
  }

  /** The socket is gone: nothing will answer, and the rejoin catches up by itself. */
  reset() {
    for (const timer of [...this.waiting.values(), ...this.inFlight.values()]) this.env.clearTimeout(timer);
    this.wanted.clear();
    this.waiting.clear();
    this.inFlight.clear();
  }
}
