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

// Gives each table with `data-columns` (i18n keys) its header row, whose
// texts applyStaticStrings() fills in like any other.
export function addTableHeads() {
  for (const table of document.querySelectorAll('table[data-columns]')) {
    const row = table.createTHead().insertRow();
    for (const key of table.getAttribute('data-columns').split(' ')) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.setAttribute('data-i18n', key);
      row.appendChild(th);
    }
  }
}
