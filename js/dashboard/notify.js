// New-conversation alerts, from one tab only.
//
// The dashboard's tabs elect a leader over a BroadcastChannel: each tab says "hello" every
// few seconds, and the oldest tab heard from lately leads. Only the leader plays the sound
// or shows the desktop notification, so five open tabs do not beep five times.

const CHANNEL = "django-livechat-dashboard";
const HEARTBEAT_MS = 2000;
const FORGET_MS = 5000;
const PREFERENCE_KEY = "django-livechat-dashboard-notify";

export class TabLeader {
  constructor() {
    this.id = Math.random().toString(36).slice(2);
    this.born = Date.now();
    this.peers = new Map(); // id -> {born, seen}
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;
  }

  start() {
    if (!this.channel) return;
    const hello = () => this.channel.postMessage({ type: "hello", id: this.id, born: this.born });
    this.channel.onmessage = ({ data }) => {
      if (!data || data.id === this.id) return;
      if (data.type === "hello") {
        const known = this.peers.has(data.id);
        this.peers.set(data.id, { born: data.born, seen: Date.now() });
        if (!known) hello(); // so that a new tab learns of the others at once
      }
      if (data.type === "bye") this.peers.delete(data.id);
    };
    hello();
    setInterval(hello, HEARTBEAT_MS);
    addEventListener("pagehide", () => this.channel.postMessage({ type: "bye", id: this.id }));
  }

  isLeader() {
    const now = Date.now();
    for (const [id, peer] of this.peers) {
      if (now - peer.seen > FORGET_MS) this.peers.delete(id);
      else if (peer.born < this.born || (peer.born === this.born && id < this.id)) return false;
    }
    return true;
  }
}

export class Notifier {
  /** ``t`` is the page's translator (text.js): the notification's words are the server's. */
  constructor(select, leader, t) {
    this.select = select;
    this.leader = leader;
    this.t = t;
    this.audio = null;
    try {
      select.value = localStorage.getItem(PREFERENCE_KEY) || "off";
    } catch {
      select.value = "off";
    }
    select.addEventListener("change", () => this.choose(select.value));
  }

  choose(value) {
    try {
      localStorage.setItem(PREFERENCE_KEY, value);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    if (value === "desktop" && "Notification" in window && Notification.permission === "default") {
      Notification.requestPermission();
    }
    if (value === "sound") this.beep(); // a sample, and it unlocks audio after a click
  }

  newConversation(entry) {
    const mode = this.select.value;
    if (mode === "off" || !this.leader.isLeader()) return;
    const who = entry.visitor_identifier || this.t("aVisitor");
    if (mode === "desktop" && "Notification" in window && Notification.permission === "granted") {
      const note = new Notification(this.t("newConversation"), {
        body: this.t("newConversationOn", { visitor: who, website: entry.website_name }),
        tag: entry.conversation_id,
      });
      note.onclick = () => {
        window.focus();
        location.hash = `conversation=${entry.conversation_id}`;
      };
      return;
    }
    this.beep();
  }

  beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    this.audio = this.audio || new Context();
    const oscillator = this.audio.createOscillator();
    const gain = this.audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, this.audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, this.audio.currentTime + 0.4);
    oscillator.connect(gain).connect(this.audio.destination);
    oscillator.start();
    oscillator.stop(this.audio.currentTime + 0.4);
  }
}
