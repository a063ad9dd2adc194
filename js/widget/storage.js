/**
 * What the widget remembers in localStorage, under one key per website: the visitor's
 * conversation and token (so reloads and other tabs continue it), the last reply read, and
 * whether the sound is off. Nothing is written until ``enable()``: the visitor's first use.
 */

const EMPTY = { conversationId: "", visitorToken: "", readSeq: 0, muted: false, soundSeq: 0 };

export class VisitorStore {
  constructor(storage, websiteId) {
    this.storage = storage;
    this.key = "django-livechat:" + websiteId;
    this.state = this.read();
    // A visitor who chatted before has agreed to it already.
    this.enabled = Boolean(this.state.conversationId);
  }

  read() {
    try {
      const raw = this.storage && this.storage.getItem(this.key);
      return { ...EMPTY, ...(raw ? JSON.parse(raw) : {}) };
    } catch {
      return { ...EMPTY };
    }
  }

  enable() {
    if (this.enabled) return;
    this.enabled = true;
    this.write();
  }

  update(patch) {
    // Another tab may have written since: start from what is stored now.
    if (this.enabled) this.state = this.read();
    Object.assign(this.state, patch);
    if (this.enabled) this.write();
  }

  write() {
    try {
      this.storage.setItem(this.key, JSON.stringify(this.state));
    } catch {
      // Storage full or disabled (private mode): keep working in memory.
    }
  }

  /** A ``storage`` event from another tab: the new state, or null if it is not ours. */
  changed(event) {
    if (event.key !== this.key) return null;
    const before = this.state;
    this.state = this.read();
    return before;
  }
}
