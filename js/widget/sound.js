/**
 * A short chime for new replies, played by one tab only. The tabs where the visitor used
 * the widget queue for a Web Lock; the one holding it is the leader and chimes. Without
 * Web Locks (an insecure context), tabs claim each reply's seq in localStorage instead.
 */
export class Chime {
  constructor(lockName, env) {
    this.lockName = lockName;
    this.env = env;
    this.leader = false;
    this.context = null;
  }

  /** On the visitor's first gesture: audio may start now, and this tab may lead. */
  arm() {
    if (this.armed) return;
    this.armed = true;
    try {
      const Context = this.env.AudioContext || this.env.webkitAudioContext;
      if (Context) this.context = new Context();
    } catch {
      this.context = null;
    }
    const locks = this.env.navigator && this.env.navigator.locks;
    if (!locks) {
      this.leader = null;
      return;
    }
    // Held until the tab closes; then the next tab in the queue leads.
    locks.request(this.lockName, () => {
      this.leader = true;
      return new Promise(() => {});
    }).catch(() => {});
  }

  /** Whether this tab chimes for reply ``seq``; ``claim(seq)`` is the storage fallback. */
  shouldPlay(seq, claim) {
    return this.leader === null ? claim(seq) : this.leader;
  }

  play() {
    const context = this.context;
    if (!context) return;
    try {
      if (context.state === "suspended") context.resume();
      const now = context.currentTime;
      const tone = context.createOscillator();
      const gain = context.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, now);
      gain.gain.exponentialRampToValueAtTime(0.12, now + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.35);
      tone.connect(gain).connect(context.destination);
      tone.start(now);
      tone.stop(now + 0.35);
    } catch {
      // No audio device: the badge still says it.
    }
  }
}
