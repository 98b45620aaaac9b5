// Rendering the customer's record: the organization, the purposes with
// their choices, the necessary ones, the history; and status messages.
import { $, kUndecided, state } from './state.js';
import { clear, el, show } from './dom.js';
import { applyStaticStrings, formatDate, formatDateTime, formatDuration, has, t, updateTitle } from './i18n.js';
import { isAuthError } from './api.js';
import { renderReceipts } from './receipts.js';
import { renderUsage } from './usage.js';
import { choose, enqueue } from './actions.js';

export function purposes(basis) {
  const list = (state.catalog && Array.isArray(state.catalog.purposes)) ? state.catalog.purposes : [];
  return basis ? list.filter((p) => p.basis === basis) : list;
}

export function purposeTitle(id) {
  const p = purposes().find((x) => x.id === id);
  return p ? p.title : id;
}

export function decisionFor(id) {
  const list = (state.consents && Array.isArray(state.consents.purposes)) ? state.consents.purposes : [];
  return list.find((d) => d.purpose === id) || null;
}

export function renderOrganization() {
  const org = (state.catalog && state.catalog.organization) || null;
  const box = $('org');
  if (!org || !org.name) {
    show(box, false);
    return;
  }
  $('org-name').textContent = org.name;
  const contact = $('org-contact');
  clear(contact);
  if (org.contact) contact.appendChild(contactNode(org.contact));
  show(contact.parentNode, Boolean(org.contact));
  show(box, true);
  updateTitle();
}

export function contactNode(contact) {
  const text = String(contact);
  let href = null;
  if (/^https:\/\//i.test(text)) href = text;
  else if (/^[^\s@<>]+@[^\s@<>]+$/.test(text)) href = 'mailto:' + text;
  if (!href) return document.createTextNode(text);
  const a = el('a', null, text);
  a.href = href;
  return a;
}

export function renderSession() {
  const info = $('session-info');
  if (!state.session) {
    info.textContent = '';
    return;
  }
  info.textContent = t('session.info', {
    subject: state.session.subject,
    expires: formatDateTime(state.session.expires),
  });
}

export function addRow(dl, label, valueNode) {
  const row = el('div', 'fact');
  row.appendChild(el('dt', null, label));
  const dd = el('dd');
  if (typeof valueNode === 'string') dd.textContent = valueNode;
  else dd.appendChild(valueNode);
  row.appendChild(dd);
  dl.appendChild(row);
}

export function dataList(data) {
  const ul = el('ul', 'data-list');
  for (const item of data) {
    const li = el('li', 'data-item');
    const head = el('span', 'data-head');
    head.appendChild(el('span', 'data-title', item.title));
    if (item.sensitive) {
      head.appendChild(document.createTextNode(' '));
      head.appendChild(el('span', 'badge badge-sensitive', t('purpose.sensitive')));
    }
    li.appendChild(head);
    if (item.description) li.appendChild(el('span', 'data-description', item.description));
    ul.appendChild(li);
  }
  return ul;
}

export function roleText(role) {
  const key = 'roles.' + role;
  return has(key) ? t(key) : String(role);
}

export function recipientsNode(recipients) {
  if (!recipients || recipients.length === 0) {
    const org = state.catalog && state.catalog.organization;
    return document.createTextNode(t('purpose.recipients_none', { org: org && org.name ? org.name : '' }));
  }
  const ul = el('ul', 'recipient-list');
  for (const r of recipients) {
    const li = el('li');
    li.appendChild(el('span', 'recipient-name', r.name));
    li.appendChild(document.createTextNode(t('purpose.recipient_role_separator')));
    li.appendChild(el('span', 'recipient-role', roleText(r.role)));
    ul.appendChild(li);
  }
  return ul;
}

export function factsFor(p, withConsentFacts) {
  const dl = el('dl', 'facts');
  if (p.benefit) addRow(dl, t('purpose.benefit'), p.benefit);
  if (Array.isArray(p.data) && p.data.length) addRow(dl, t('purpose.data'), dataList(p.data));
  addRow(dl, t('purpose.recipients'), recipientsNode(p.recipients));
  if (p.retention) addRow(dl, t('purpose.retention'), formatDuration(p.retention));
  if (withConsentFacts) {
    if (p.expires) {
      addRow(dl, t('purpose.expires'), t('purpose.expires_value', { duration: formatDuration(p.expires) }));
    }
    addRow(dl, t('purpose.sale_or_share'), t(p.sale_or_share ? 'purpose.sale_or_share_yes' : 'purpose.sale_or_share_no'));
  }
  return dl;
}

// A purpose's card: a section labelled by the purpose's title.
function purposeCard(p, className, idPrefix) {
  const section = el('section', className);
  section.setAttribute('data-purpose', p.id);
  const headingId = idPrefix + cssSafe(p.id);
  section.setAttribute('aria-labelledby', headingId);
  const h3 = el('h3', null, p.title);
  h3.id = headingId;
  section.appendChild(h3);
  return { section, h3, headingId };
}

export function renderConsentPurposes() {
  const list = $('purpose-list');
  clear(list);
  state.cards.clear();
  const items = purposes('consent');
  show($('no-consent-purposes'), items.length === 0);
  for (const p of items) {
    const { section, h3, headingId } = purposeCard(p, 'purpose card', 'purpose-title-');
    h3.tabIndex = -1;  // focused when its notice changed under the customer

    const current = el('p', 'current');
    current.appendChild(el('span', 'current-label', t('purpose.current_label')));
    current.appendChild(document.createTextNode(' '));
    const stateText = el('strong', 'current-state');
    current.appendChild(stateText);
    section.appendChild(current);
    const until = el('p', 'current-until');
    until.hidden = true;
    section.appendChild(until);
    // After a no: whom it was told to, and whether they confirmed.
    const told = el('div', 'told');
    told.hidden = true;
    section.appendChild(told);

    section.appendChild(el('p', 'description', p.description));
    section.appendChild(factsFor(p, true));

    const group = el('div', 'choice');
    group.setAttribute('role', 'group');
    const questionId = 'purpose-question-' + cssSafe(p.id);
    const question = el('p', 'choice-question', t('purpose.question'));
    question.id = questionId;
    group.setAttribute('aria-labelledby', questionId + ' ' + headingId);
    const buttons = el('div', 'choice-buttons');
    const yes = el('button', 'btn choice-yes', t('purpose.yes'));
    yes.type = 'button';
    yes.setAttribute('aria-pressed', 'false');
    yes.addEventListener('click', () => enqueue(() => choose(p.id, true)));
    const no = el('button', 'btn choice-no', t('purpose.no'));
    no.type = 'button';
    no.setAttribute('aria-pressed', 'false');
    no.addEventListener('click', () => enqueue(() => choose(p.id, false)));
    buttons.appendChild(yes);
    buttons.appendChild(no);
    group.appendChild(question);
    group.appendChild(buttons);
    section.appendChild(group);

    list.appendChild(section);
    state.cards.set(p.id, { section, stateText, until, told, yes, no, purpose: p });
  }
  updateChoices();
}

export function cssSafe(id) {
  return String(id).replace(/[^A-Za-z0-9_-]/g, '_');
}

export function updateChoices() {
  for (const [id, card] of state.cards) {
    const decision = decisionFor(id);
    const reason = decision ? decision.reason : 'no_consent';
    const key = 'reasons.' + reason;
    card.stateText.textContent = has(key) ? t(key) : t('reasons.no_consent');
    const granted = reason === 'granted' && (!decision || decision.allowed !== false);
    const withdrawn = reason === 'withdrawn';
    card.yes.setAttribute('aria-pressed', granted ? 'true' : 'false');
    card.no.setAttribute('aria-pressed', withdrawn ? 'true' : 'false');
    card.section.classList.toggle('is-on', granted);
    card.section.classList.toggle('needs-decision', kUndecided.has(reason));

    let untilText = '';
    // The server says when a yes lapses: no calendar arithmetic here.
    if (granted && decision.expires_at) untilText = t('purpose.expires_until', { date: formatDate(decision.expires_at) });
    card.until.textContent = untilText;
    card.until.hidden = untilText === '';
    renderTold(card, withdrawn ? id : null);
  }
}

// Where one delivery stands, in words (as the export page says it).
function confirmationText(d) {
  if (d.state === 'superseded') return t('deliveries.superseded');
  if (d.state === 'failed') return t('deliveries.failed');
  if (d.confirmed) {
    const key = d.confirmed_action === 'deleted' ? 'deliveries.confirmed_deleted' : 'deliveries.confirmed_stopped';
    return t(key, { date: formatDateTime(d.stopped_at) });
  }
  if (!d.confirm) return t('deliveries.not_needed');
  return t(d.overdue ? 'deliveries.overdue' : 'deliveries.waiting', { date: formatDateTime(d.due) });
}

// The recipients told of the latest withdrawal of `purpose` (none when
// `purpose` is null), one line each.
function renderTold(card, purpose) {
  clear(card.told);
  const latest = new Map();
  for (const d of state.deliveries) {
    // A no, or a yes that lapsed (its notice changed, or it expired).
    if (purpose !== null && d.purpose === purpose && (d.action === 'withdraw' || d.action === 'lapse')) {
      latest.set(d.recipient, d);
    }
  }
  card.told.hidden = latest.size === 0;
  if (latest.size === 0) return;
  const lapsed = [...latest.values()].every((d) => d.action === 'lapse');
  card.told.appendChild(el('p', 'told-title', t(lapsed ? 'deliveries.after_lapse' : 'deliveries.after_no')));
  const list = el('ul', 'told-list');
  for (const d of latest.values()) {
    const told = d.told ? t('deliveries.told_on', { date: formatDateTime(d.told) }) : t('deliveries.not_told_yet');
    const item = el('li', 'told-item', t('deliveries.item', { name: d.name, told, confirmation: confirmationText(d) }));
    item.dataset.recipient = d.recipient;
    list.appendChild(item);
  }
  card.told.appendChild(list);
}

export function renderNecessary() {
  const list = $('necessary-list');
  clear(list);
  const items = purposes('necessary');
  show($('no-necessary-purposes'), items.length === 0);
  for (const p of items) {
    const { section } = purposeCard(p, 'necessary-purpose card', 'necessary-title-');
    section.appendChild(el('p', 'badge-line')).appendChild(el('span', 'badge badge-necessary', t('necessary.badge')));
    section.appendChild(el('p', 'description', p.description));
    section.appendChild(factsFor(p, false));
    list.appendChild(section);
  }
}

export function actionText(action) {
  const key = 'actions.' + action;
  return has(key) ? t(key) : String(action);
}

export function channelText(channel) {
  const key = 'channels.' + channel;
  return has(key) ? t(key) : String(channel);
}

// The rows of the history: the subject's events, and what each recipient
// was told of them and confirmed, newest first.
function historyRows() {
  const rows = [];
  const events = (state.history && Array.isArray(state.history.events)) ? state.history.events : [];
  for (const e of events) {
    rows.push({
      time: e.time,
      order: e.seq || 0,
      purpose: e.purpose,
      action: e.gpc_conflict_acknowledged ? t('actions.grant_despite_gpc') : actionText(e.action),
      channel: channelText(e.channel),
    });
  }
  for (const d of state.deliveries) {
    const change = d.action === 'lapse' ? t('deliveries.lapse') : actionText(d.action);
    if (d.told) {
      rows.push({ time: d.told, order: d.event, purpose: d.purpose, action: t('history.told', { name: d.name, change }), channel: d.name });
    }
    if (d.confirmed) {
      const key = d.confirmed_action === 'deleted' ? 'history.confirmed_deleted' : 'history.confirmed_stopped';
      rows.push({ time: d.confirmed, order: d.event, purpose: d.purpose, action: t(key, { name: d.name }), channel: d.name });
    }
  }
  rows.sort((a, b) => (Date.parse(b.time) - Date.parse(a.time)) || (b.order - a.order));
  return rows;
}

export function renderHistory() {
  const body = $('history-body');
  clear(body);
  const rows = historyRows();
  for (const r of rows) {
    const tr = el('tr');
    const timeCell = el('td');
    const time = el('time', null, formatDateTime(r.time));
    time.setAttribute('datetime', String(r.time));
    timeCell.appendChild(time);
    tr.appendChild(timeCell);
    tr.appendChild(el('td', null, r.purpose ? purposeTitle(r.purpose) : ''));
    tr.appendChild(el('td', null, r.action));
    tr.appendChild(el('td', null, r.channel));
    body.appendChild(tr);
  }
  show($('history'), rows.length > 0);
  show($('history-empty'), rows.length === 0);
}

export function renderAll() {
  applyStaticStrings();
  renderOrganization();
  if (state.linkInvalid) {
    renderLinkError();
    return;
  }
  renderSession();
  renderConsentPurposes();
  renderNecessary();
  renderUsage();
  renderHistory();
  renderReceipts();
}


export function announce(message, kind) {
  const status = $('status');
  status.classList.remove('status-ok', 'status-error', 'status-info');
  status.classList.add('status-' + (kind || 'ok'));
  // Clear first so that the same message said twice is announced twice.
  status.textContent = '';
  window.setTimeout(() => {
    status.textContent = message;
  }, 30);
}

export function renderLinkError() {
  show($('loading'), false);
  show($('content'), false);
  show($('load-error'), false);
  const org = state.catalog && state.catalog.organization;
  $('link-error-text').textContent = org && org.name
    ? t('link_error.text_org', { org: org.name })
    : t('link_error.text');
  const contact = $('link-error-contact-value');
  clear(contact);
  if (org && org.contact) contact.appendChild(contactNode(org.contact));
  show($('link-error-contact'), Boolean(org && org.contact));
  show($('link-error'), true);
}

export function linkExpired() {
  state.linkInvalid = true;
  renderLinkError();
  const title = $('link-error-title');
  title.tabIndex = -1;
  title.focus();
}

export function saveFailed(e) {
  if (isAuthError(e)) {
    linkExpired();
    return;
  }
  announce(e && e.status === 0 ? t('status.network_error') : t('status.error'), 'error');
}
