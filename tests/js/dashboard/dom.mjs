// Just enough of a document for the dashboard's rendering functions (view.js): elements
// with attributes, children and text. Installed as globalThis.document by ``installDom()``.

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
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  append(...nodes) {
    for (const node of nodes) this.children.push(typeof node === "string" ? new Text(node) : node);
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

  /** The first element below whose ``role`` attribute is ``role`` (all the rendering code looks up). */
  querySelector(selector) {
    const role = /^\[role=(\w+)\]$/.exec(selector);
    if (!role) throw new Error(`the fake DOM does not know ${selector}`);
    const walk = (node) => {
      for (const child of node.children) {
        if (!(child instanceof Element)) continue;
        if (child.getAttribute("role") === role[1]) return child;
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
