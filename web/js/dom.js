// Small DOM helpers. Everything from the API is put on the page as text,
// never as markup.

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}
