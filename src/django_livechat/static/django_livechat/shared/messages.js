// Published by js/widget/build.mjs from js/shared/messages.js: edit that file.
/**
 * The conversation as the server numbered it: messages by ``seq``, each kept once.
 *
 * ``lastSeq`` is the resume point: every seq up to it is known (held, or known not to
 * exist), so asking for "after lastSeq" misses nothing even when messages arrived out of
 * order (a reply over HTTP before an agent message it skipped).
 */
export class MessageLog {
  constructor() {
    this.clear();
  }

  clear() {
    this.bySeq = new Map();
    this.absent = new Set();
    this.lastSeq = 0;
    this.highest = 0;
  }

  /** Add a server message; false when it has no valid seq or that seq is already here. */
  add(message) {
    const seq = message && message.seq;
    if (!Number.isInteger(seq) || seq < 1 || this.bySeq.has(seq)) return false;
    this.bySeq.set(seq, message);
    this.absent.delete(seq);
    this.highest = Math.max(this.highest, seq);
    this.advance();
    return true;
  }

  /**
   * A page of messages with seq > ``afterSeq`` from the server, oldest first: returns the
   * new ones. The seqs it skipped below its last one do not exist (any more), so they
   * stop holding back ``lastSeq``.
   */
  addPage(afterSeq, messages) {
    const added = messages.filter((message) => this.add(message));
    const top = messages.reduce((max, m) => (Number.isInteger(m.seq) ? Math.max(max, m.seq) : max), 0);
    for (let seq = afterSeq + 1; seq < top; seq++) if (!this.bySeq.has(seq)) this.absent.add(seq);
    this.advance();
    return added;
  }

  advance() {
    this.lastSeq = this.contiguousFrom(this.lastSeq);
  }

  /** The highest seq up to which everything after ``seq`` is known (held or absent). */
  contiguousFrom(seq) {
    while (this.bySeq.has(seq + 1) || this.absent.has(seq + 1)) seq++;
    return seq;
  }

  has(seq) {
    return this.bySeq.has(seq);
  }

  /** Messages after ``seq`` that are not the visitor's own: the unread replies. */
  repliesAfter(seq) {
    let count = 0;
    for (const [s, message] of this.bySeq) if (s > seq && message.role !== "user") count++;
    return count;
  }

  list() {
    return [...this.bySeq.keys()].sort((a, b) => a - b).map((seq) => this.bySeq.get(seq));
  }
}
