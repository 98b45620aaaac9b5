// "How your data was used": who used the customer's data, for what, on how
// many days each month (GET /v1/subjects/{id}/usage, docs/usage.md).
import { $, state } from './state.js';
import { clear, el, show } from './dom.js';
import { joinList, plural } from './i18n.js';

// `YYYY-MM` as the customer reads a month: "November 2026", "2026年11月".
function monthText(month) {
  const date = new Date(month + '-01T00:00:00Z');
  if (Number.isNaN(date.getTime())) return month;
  return new Intl.DateTimeFormat(state.lang, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(date);
}

export function renderUsage() {
  const list = $('usage-list');
  clear(list);
  let items = 0;
  for (const u of state.usage) {
    const months = Array.isArray(u.months) ? u.months.slice().reverse() : [];  // newest first
    for (const m of months) {
      const text = plural('usage.item', m.days, {
        name: u.name,
        data: joinList(u.data || []),
        purpose: u.title,
        month: monthText(m.month),
      });
      list.appendChild(el('li', 'usage-item', text));
      items++;
    }
  }
  show(list, items > 0);
  show($('usage-empty'), items === 0);
}
