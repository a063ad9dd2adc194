// Building DOM nodes without HTML: every text goes in through textContent.

/** An element with attributes (``text``: its text, ``className``) and children; none of it parsed as HTML. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export function validDate(timestamp) {
  const date = new Date(timestamp);
  return timestamp && !Number.isNaN(date.getTime()) ? date : null;
}
