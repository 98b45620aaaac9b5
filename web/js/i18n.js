// Every visible string comes from /static/i18n/<lang>.json: lookup,
// plurals, lists, durations and dates in the page's language.
import { kDurationUnits, state } from './state.js';
import { canonical } from './receipts.js';

export function lookup(strings, key) {
  let cur = strings;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

export function fill(template, vars) {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function t(key, vars) {
  const value = lookup(state.strings, key);
  if (typeof value !== 'string') return key;
  return fill(value, vars);
}

export function has(key) {
  return typeof lookup(state.strings, key) === 'string';
}

// The form of `key` for the number `n` ({one, other, ...}), filled with
// `n` and `vars`.
export function plural(key, n, vars = {}) {
  const forms = lookup(state.strings, key) || {};
  let category = 'other';
  try {
    category = new Intl.PluralRules(state.lang).select(n);
  } catch (e) { /* keep "other" */ }
  const template = forms[category] || forms.other || '{n}';
  return fill(template, { ...vars, n: n.toLocaleString(state.lang) });
}

export function joinList(parts) {
  if (parts.length <= 1) return parts.join('');
  const sep = t('list.separator');
  const last = t('list.last_separator');
  return parts.slice(0, -1).join(sep) + last + parts[parts.length - 1];
}

// ISO 8601 durations such as P1Y1M, P90D, PT12H (the API sends canonical
// forms; weeks are accepted too).
export function parseDuration(text) {
  if (typeof text !== 'string') return null;
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const n = (s) => (s === undefined ? 0 : Number(s));
  return {
    years: n(m[1]), months: n(m[2]), weeks: n(m[3]), days: n(m[4]),
    hours: n(m[5]), minutes: n(m[6]), seconds: n(m[7]),
  };
}

export function formatDuration(text) {
  const d = parseDuration(text);
  if (!d) return text;
  const parts = [];
  for (const unit of kDurationUnits) {
    if (d[unit]) parts.push(plural('duration.' + unit, d[unit]));
  }
  if (parts.length === 0) parts.push(plural('duration.seconds', 0));
  return joinList(parts);
}

export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatDate(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(state.lang, { dateStyle: 'long' }).format(date);
}


export function initialLanguage() {
  const prefs = Array.isArray(navigator.languages) && navigator.languages.length
    ? navigator.languages : [navigator.language || 'en'];
  const first = String(prefs[0] || '').toLowerCase();
  return first.startsWith('ja') ? 'ja' : 'en';
}

export async function loadStrings(lang) {
  if (state.i18nCache.has(lang)) return state.i18nCache.get(lang);
  const response = await fetch('/static/i18n/' + lang + '.json', { credentials: 'omit', cache: 'no-cache' });
  if (!response.ok) throw new Error('i18n ' + lang + ': ' + response.status);
  const strings = await response.json();
  state.i18nCache.set(lang, strings);
  return strings;
}

export function applyStaticStrings() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.getAttribute('data-i18n'));
  }
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(node.getAttribute('data-i18n-aria-label')));
  }
  for (const button of document.querySelectorAll('button[data-lang]')) {
    button.setAttribute('aria-pressed', button.getAttribute('data-lang') === state.lang ? 'true' : 'false');
  }
  updateTitle();
}

export function updateTitle() {
  const org = state.catalog && state.catalog.organization;
  document.title = org && org.name ? t('page.document_title', { org: org.name }) : t('page.title');
}
