// Just enough of a document for the dashboard's rendering functions (view.js): elements
// with attributes, children and text, listeners, ``hidden``, ``value`` and ``focus()``.
// Installed as globalThis.document by ``installDom()``.

class Text {
  constructor(text) {
    this.nodeType = 3;
    this.textContent = String(text);
  }
}

class Element {
  constructor(tag) {
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.attributes = new Map();
    this.children = [];
    this.dataset = {};
    this.className = "";
    this.title = "";
    this.style = {};
    this.hidden = false;
    this.value = "";
    this.checked = false;
    this.listeners = new Map();
  }

  get id() {
    return this.getAttribute("id") || "";
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  addEventListener(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(listener);
  }

  /** Run the listeners of ``event.type`` (no bubbling); ``event`` gets preventDefault and friends. */
  dispatch(event) {
    const full = {
      target: this,
      defaultPrevented: false,
      stopped: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
      stopImmediatePropagation() {
        this.stopped = true;
      },
      ...event,
    };
    for (const listener of this.listeners.get(full.type) || []) {
      listener(full);
      if (full.stopped) break;
    }
    return full;
  }

  focus() {
    globalThis.document.activeElement = this;
  }

  /** This element or its nearest parent with a ``data-`` key of ``[data-name]`` (the only selector the code uses). */
  closest(selector) {
    const data = /^\[data-([\w-]+)\]$/.exec(selector);
    if (!data) throw new Error(`the fake DOM does not know ${selector}`);
    const key = data[1].replace(/-(\w)/g, (whole, letter) => letter.toUpperCase());
    for (let node = this; node; node = node.parent) if (key in node.dataset) return node;
    return null;
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  append(...nodes) {
    for (const node of nodes) {
      const child = typeof node === "string" ? new Text(node) : node;
      child.parent = this;
      this.children.push(child);
    }
  }

  replaceChildren(...nodes) {
    this.children = [];
    this.append(...nodes);
  }

  get textContent() {
    return this.children.map((child) => child.textContent).join("");
  }

  set textContent(text) {
    this.children = [new Text(text)];
  }

  get firstChild() {
    return this.children[0] || null;
  }

  /** The first element below whose ``role`` attribute is ``role``, or of a tag (all the code looks up). */
  querySelector(selector) {
    const role = /^\[role=(\w+)\]$/.exec(selector);
    const tag = /^\w+$/.test(selector) ? selector.toUpperCase() : null;
    if (!role && !tag) throw new Error(`the fake DOM does not know ${selector}`);
    const matches = (child) => (role ? child.getAttribute("role") === role[1] : child.tagName === tag);
    const walk = (node) => {
      for (const child of node.children) {
        if (!(child instanceof Element)) continue;
        if (matches(child)) return child;
        const found = walk(child);
        if (found) return found;
      }
      return null;
    };
    return walk(this);
  }

  /** Every element below, depth first, whose tag is ``tag`` (lower case). */
  all(tag) {
    const found = [];
    for (const child of this.children) {
      if (!(child instanceof Element)) continue;
      if (child.tagName === tag.toUpperCase()) found.push(child);
      found.push(...child.all(tag));
    }
    return found;
  }
}

export function installDom() {
  globalThis.document = {
    createElement: (tag) => new Element(tag),
    createTextNode: (text) => new Text(text),
  };
  return globalThis.document;
}
