// optin preference center.
//
// The customer reaches this page through a signed, expiring link
// (/p/{token}). The token stays in this script's memory and travels only as
// `Authorization: Bearer TOKEN`; it is never written to cookies or storage.
// Every visible string comes from /static/i18n/<lang>.json. Everything that
// comes from the API (purpose texts, names, ids) is put on the page as text,
// never as markup.
'use strict';

(() => {
  const kLangs = ['en', 'ja'];
  const kUndecided = new Set(['no_consent', 'notice_changed', 'expired', 'gpc_opt_out', 'unknown_purpose']);
  // Reasons that mean the customer's latest word was a yes (perhaps one that
  // no longer applies): "withdraw everything" records a no for each of them.
  const kWithdrawable = new Set(['granted', 'notice_changed', 'expired', 'gpc_opt_out']);
  const kDurationUnits = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'];

  const state = {
    token: null,
    lang: 'en',
    strings: null,
    i18nCache: new Map(),
    session: null,
    catalog: null,       // GET /v1/purposes response for the current language
    consents: null,      // GET /v1/subjects/{id}/consents response
    history: null,       // GET /v1/subjects/{id}/history response
    cards: new Map(),    // purpose id -> {section, stateText, until, yes, no}
    linkInvalid: false,
  };

  const $ = (id) => document.getElementById(id);

  // ---------- helpers: DOM ----------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // ---------- helpers: strings ----------

  function lookup(strings, key) {
    let cur = strings;
    for (const part of key.split('.')) {
      if (cur === null || typeof cur !== 'object' || !(part in cur)) return undefined;
      cur = cur[part];
    }
    return cur;
  }

  function fill(template, vars) {
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  }

  function t(key, vars) {
    const value = lookup(state.strings, key);
    if (typeof value !== 'string') return key;
    return fill(value, vars);
  }

  function has(key) {
    return typeof lookup(state.strings, key) === 'string';
  }

  function plural(key, n) {
    const forms = lookup(state.strings, key) || {};
    let category = 'other';
    try {
      category = new Intl.PluralRules(state.lang).select(n);
    } catch (e) { /* keep "other" */ }
    const template = forms[category] || forms.other || '{n}';
    return fill(template, { n: n.toLocaleString(state.lang) });
  }

  function joinList(parts) {
    if (parts.length <= 1) return parts.join('');
    const sep = t('list.separator');
    const last = t('list.last_separator');
    return parts.slice(0, -1).join(sep) + last + parts[parts.length - 1];
  }

  // ISO 8601 durations such as P1Y1M, P90D, PT12H (the API sends canonical
  // forms; weeks are accepted too).
  function parseDuration(text) {
    if (typeof text !== 'string') return null;
    const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
    if (!m || text === 'P' || text.endsWith('T')) return null;
    const n = (s) => (s === undefined ? 0 : Number(s));
    return {
      years: n(m[1]), months: n(m[2]), weeks: n(m[3]), days: n(m[4]),
      hours: n(m[5]), minutes: n(m[6]), seconds: n(m[7]),
    };
  }

  function formatDuration(text) {
    const d = parseDuration(text);
    if (!d) return text;
    const parts = [];
    for (const unit of kDurationUnits) {
      if (d[unit]) parts.push(plural('duration.' + unit, d[unit]));
    }
    if (parts.length === 0) parts.push(plural('duration.seconds', 0));
    return joinList(parts);
  }

  // The end of a duration starting at `start`, on the civil calendar in UTC
  // (a month after January 31 is the last day of February), as the server
  // counts it.
  function addDuration(start, text) {
    const d = parseDuration(text);
    if (!d || Number.isNaN(start.getTime())) return null;
    const months = d.years * 12 + d.months;
    const y = start.getUTCFullYear();
    const mo = start.getUTCMonth() + months;
    const targetYear = y + Math.floor(mo / 12);
    const targetMonth = ((mo % 12) + 12) % 12;
    const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
    const day = Math.min(start.getUTCDate(), lastDay);
    const shifted = Date.UTC(targetYear, targetMonth, day, start.getUTCHours(), start.getUTCMinutes(),
      start.getUTCSeconds(), start.getUTCMilliseconds());
    const seconds = ((d.weeks * 7 + d.days) * 24 + d.hours) * 3600 + d.minutes * 60 + d.seconds;
    return new Date(shifted + seconds * 1000);
  }

  function formatDateTime(value) {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  }

  function formatDate(value) {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return new Intl.DateTimeFormat(state.lang, { dateStyle: 'long' }).format(date);
  }

  // ---------- language ----------

  function initialLanguage() {
    const prefs = Array.isArray(navigator.languages) && navigator.languages.length
      ? navigator.languages : [navigator.language || 'en'];
    const first = String(prefs[0] || '').toLowerCase();
    return first.startsWith('ja') ? 'ja' : 'en';
  }

  async function loadStrings(lang) {
    if (state.i18nCache.has(lang)) return state.i18nCache.get(lang);
    const response = await fetch('/static/i18n/' + lang + '.json', { credentials: 'omit', cache: 'no-cache' });
    if (!response.ok) throw new Error('i18n ' + lang + ': ' + response.status);
    const strings = await response.json();
    state.i18nCache.set(lang, strings);
    return strings;
  }

  function applyStaticStrings() {
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

  function updateTitle() {
    const org = state.catalog && state.catalog.organization;
    document.title = org && org.name ? t('page.document_title', { org: org.name }) : t('page.title');
  }

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || String(status));
      this.status = status;
      this.code = code || '';
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'network', String(e && e.message));
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const err = data && data.error ? data.error : {};
      throw new ApiError(response.status, err.code, err.message);
    }
    return data;
  }

  function subjectPath(suffix) {
    return '/v1/subjects/' + encodeURIComponent(state.session.subject) + suffix;
  }

  function isAuthError(e) {
    return e instanceof ApiError && (e.status === 401 || e.status === 403);
  }

  async function fetchCatalog() {
    state.catalog = await api('GET', '/v1/purposes?locale=' + encodeURIComponent(state.lang));
  }

  async function fetchSubjectData() {
    const [consents, history] = await Promise.all([
      api('GET', subjectPath('/consents')),
      api('GET', subjectPath('/history')),
    ]);
    state.consents = consents;
    state.history = history;
  }

  // ---------- rendering ----------

  function purposes(basis) {
    const list = (state.catalog && Array.isArray(state.catalog.purposes)) ? state.catalog.purposes : [];
    return basis ? list.filter((p) => p.basis === basis) : list;
  }

  function purposeTitle(id) {
    const p = purposes().find((x) => x.id === id);
    return p ? p.title : id;
  }

  function decisionFor(id) {
    const list = (state.consents && Array.isArray(state.consents.purposes)) ? state.consents.purposes : [];
    return list.find((d) => d.purpose === id) || null;
  }

  function renderOrganization() {
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

  function contactNode(contact) {
    const text = String(contact);
    let href = null;
    if (/^https:\/\//i.test(text)) href = text;
    else if (/^[^\s@<>]+@[^\s@<>]+$/.test(text)) href = 'mailto:' + text;
    if (!href) return document.createTextNode(text);
    const a = el('a', null, text);
    a.href = href;
    return a;
  }

  function renderSession() {
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

  function addRow(dl, label, valueNode) {
    const row = el('div', 'fact');
    row.appendChild(el('dt', null, label));
    const dd = el('dd');
    if (typeof valueNode === 'string') dd.textContent = valueNode;
    else dd.appendChild(valueNode);
    row.appendChild(dd);
    dl.appendChild(row);
  }

  function dataList(data) {
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

  function roleText(role) {
    const key = 'roles.' + role;
    return has(key) ? t(key) : String(role);
  }

  function recipientsNode(recipients) {
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

  function factsFor(p, withConsentFacts) {
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

  function renderConsentPurposes() {
    const list = $('purpose-list');
    clear(list);
    state.cards.clear();
    const items = purposes('consent');
    show($('no-consent-purposes'), items.length === 0);
    for (const p of items) {
      const section = el('section', 'purpose card');
      section.setAttribute('data-purpose', p.id);
      const headingId = 'purpose-title-' + cssSafe(p.id);
      section.setAttribute('aria-labelledby', headingId);

      const h3 = el('h3', null, p.title);
      h3.id = headingId;
      h3.tabIndex = -1;
      section.appendChild(h3);

      const current = el('p', 'current');
      current.appendChild(el('span', 'current-label', t('purpose.current_label')));
      current.appendChild(document.createTextNode(' '));
      const stateText = el('strong', 'current-state');
      current.appendChild(stateText);
      section.appendChild(current);
      const until = el('p', 'current-until');
      until.hidden = true;
      section.appendChild(until);

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
      state.cards.set(p.id, { section, stateText, until, yes, no, purpose: p });
    }
    updateChoices();
  }

  function cssSafe(id) {
    return String(id).replace(/[^A-Za-z0-9_-]/g, '_');
  }

  function grantTime(decision) {
    if (!decision || decision.event === null || decision.event === undefined) return null;
    const events = (state.history && Array.isArray(state.history.events)) ? state.history.events : [];
    const e = events.find((x) => x.seq === decision.event && x.action === 'grant');
    return e ? new Date(e.time) : null;
  }

  function updateChoices() {
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
      if (granted && card.purpose.expires) {
        const start = grantTime(decision);
        const end = start ? addDuration(start, card.purpose.expires) : null;
        if (end) untilText = t('purpose.expires_until', { date: formatDate(end) });
      }
      card.until.textContent = untilText;
      card.until.hidden = untilText === '';
    }
  }

  function renderNecessary() {
    const list = $('necessary-list');
    clear(list);
    const items = purposes('necessary');
    show($('no-necessary-purposes'), items.length === 0);
    for (const p of items) {
      const section = el('section', 'necessary-purpose card');
      section.setAttribute('data-purpose', p.id);
      const headingId = 'necessary-title-' + cssSafe(p.id);
      section.setAttribute('aria-labelledby', headingId);
      const h3 = el('h3', null, p.title);
      h3.id = headingId;
      section.appendChild(h3);
      section.appendChild(el('p', 'badge-line')).appendChild(el('span', 'badge badge-necessary', t('necessary.badge')));
      section.appendChild(el('p', 'description', p.description));
      section.appendChild(factsFor(p, false));
      list.appendChild(section);
    }
  }

  function actionText(action) {
    const key = 'actions.' + action;
    return has(key) ? t(key) : String(action);
  }

  function channelText(channel) {
    const key = 'channels.' + channel;
    return has(key) ? t(key) : String(channel);
  }

  function renderHistory() {
    const body = $('history-body');
    clear(body);
    const events = (state.history && Array.isArray(state.history.events)) ? state.history.events.slice() : [];
    events.sort((a, b) => (b.seq || 0) - (a.seq || 0));
    for (const e of events) {
      const tr = el('tr');
      const timeCell = el('td');
      const time = el('time', null, formatDateTime(e.time));
      time.setAttribute('datetime', String(e.time));
      timeCell.appendChild(time);
      tr.appendChild(timeCell);
      tr.appendChild(el('td', null, purposeTitle(e.purpose)));
      tr.appendChild(el('td', null, actionText(e.action)));
      tr.appendChild(el('td', null, channelText(e.channel)));
      body.appendChild(tr);
    }
    show($('history'), events.length > 0);
    show($('history-empty'), events.length === 0);
  }

  function renderAll() {
    applyStaticStrings();
    renderOrganization();
    if (state.linkInvalid) {
      renderLinkError();
      return;
    }
    renderSession();
    renderConsentPurposes();
    renderNecessary();
    renderHistory();
  }

  // ---------- status messages ----------

  function announce(message, kind) {
    const status = $('status');
    status.classList.remove('status-ok', 'status-error', 'status-info');
    status.classList.add('status-' + (kind || 'ok'));
    // Clear first so that the same message said twice is announced twice.
    status.textContent = '';
    window.setTimeout(() => {
      status.textContent = message;
    }, 30);
  }

  function renderLinkError() {
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

  function linkExpired() {
    state.linkInvalid = true;
    renderLinkError();
    const title = $('link-error-title');
    title.tabIndex = -1;
    title.focus();
  }

  function saveFailed(e) {
    if (isAuthError(e)) {
      linkExpired();
      return;
    }
    announce(e && e.status === 0 ? t('status.network_error') : t('status.error'), 'error');
  }

  // ---------- actions ----------

  let queue = Promise.resolve();
  // Choices are sent one at a time, in the order the customer made them, so
  // the ledger records exactly that order.
  function enqueue(task) {
    queue = queue.then(task).catch((e) => saveFailed(e));
    return queue;
  }

  async function refreshSubject() {
    try {
      await fetchSubjectData();
      updateChoices();
      renderHistory();
    } catch (e) {
      if (isAuthError(e)) linkExpired();
    }
  }

  function applyResult(result) {
    if (!result || !state.consents || !Array.isArray(state.consents.purposes)) return;
    const list = state.consents.purposes;
    const entry = { purpose: result.purpose, allowed: result.allowed, reason: result.reason, event: result.event };
    const i = list.findIndex((d) => d.purpose === result.purpose);
    if (i >= 0) list[i] = entry;
    else list.push(entry);
    updateChoices();
  }

  async function choose(id, allow) {
    if (state.linkInvalid) return;
    const card = state.cards.get(id);
    if (!card) return;
    const p = card.purpose;
    const path = subjectPath('/consents/' + encodeURIComponent(id));
    let result;
    try {
      result = allow ? await api('PUT', path, { notice: p.notice }) : await api('DELETE', path);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === 'gpc_conflict') {
        // The browser sends Global Privacy Control: say so plainly, and
        // record the yes only if the customer confirms it.
        if (!window.confirm(t('gpc.confirm', { title: p.title }))) {
          announce(t('gpc.kept_off', { title: p.title }), 'info');
          await refreshSubject();
          return;
        }
        result = await api('PUT', path, { notice: p.notice, gpc_conflict_acknowledged: true });
      } else if (e instanceof ApiError && e.status === 409) {
        await noticeChanged(id, p.title);
        return;
      } else {
        throw e;
      }
    }
    applyResult(result);
    const on = result ? result.allowed === true : allow;
    announce(t(on ? 'status.saved_on' : 'status.saved_off', { title: p.title }), 'ok');
    await refreshSubject();
  }

  async function noticeChanged(id, oldTitle) {
    try {
      await fetchCatalog();
      await fetchSubjectData();
    } catch (e) {
      if (isAuthError(e)) {
        linkExpired();
        return;
      }
    }
    renderAll();
    const card = state.cards.get(id);
    announce(t('status.notice_changed', { title: card ? card.purpose.title : oldTitle }), 'info');
    if (card) card.section.querySelector('h3').focus();
  }

  async function withdrawAll() {
    if (state.linkInvalid) return;
    const targets = purposes('consent').filter((p) => {
      const d = decisionFor(p.id);
      return d && (d.allowed === true || kWithdrawable.has(d.reason));
    });
    if (targets.length === 0) {
      announce(t('status.nothing_to_withdraw'), 'info');
      return;
    }
    // One request, recorded atomically: every consent purpose at once.
    try {
      await api('DELETE', subjectPath('/consents'));
    } catch (e) {
      if (isAuthError(e)) {
        linkExpired();
        return;
      }
      announce(t('status.withdraw_all_partial'), 'error');
      await refreshSubject();
      return;
    }
    announce(t('status.withdraw_all_done', { count: targets.length }), 'ok');
    await refreshSubject();
  }

  async function switchLanguage(lang) {
    if (!kLangs.includes(lang) || lang === state.lang) return;
    try {
      const strings = await loadStrings(lang);
      state.lang = lang;
      state.strings = strings;
      try {
        await fetchCatalog();
      } catch (e) {
        if (isAuthError(e)) state.linkInvalid = true;
      }
      renderAll();
      $('status').textContent = '';
    } catch (e) {
      announce(t('status.network_error'), 'error');
    }
  }

  function download() {
    const record = {
      subject: state.session ? state.session.subject : null,
      generated_at: new Date().toISOString(),
      organization: state.catalog ? state.catalog.organization : null,
      locale: state.catalog ? state.catalog.locale : state.lang,
      purposes: purposes(),
      decisions: state.consents,
      history: state.history && Array.isArray(state.history.events) ? state.history.events : [],
    };
    const blob = new Blob([JSON.stringify(record, null, 2) + '\n'], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    const who = String(record.subject || 'record').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
    a.download = 'optin-record-' + who + '-' + record.generated_at.slice(0, 10) + '.json';
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ---------- start ----------

  function tokenFromPath() {
    // Used exactly as it appears in the address (a path segment is always
    // ASCII there, so it is a valid header value).
    const last = window.location.pathname.split('/').pop();
    return last || null;
  }

  async function start() {
    for (const button of document.querySelectorAll('button[data-lang]')) {
      button.addEventListener('click', () => switchLanguage(button.getAttribute('data-lang')));
    }
    $('withdraw-all').addEventListener('click', () => enqueue(withdrawAll));
    $('download').addEventListener('click', download);

    state.lang = initialLanguage();
    state.token = tokenFromPath();
    try {
      state.strings = await loadStrings(state.lang);
    } catch (e) {
      state.lang = 'en';
      state.strings = await loadStrings('en');
    }
    applyStaticStrings();
    show($('loading'), true);

    const catalogLoad = fetchCatalog().catch(() => null);
    if (!state.token) {
      await catalogLoad;
      renderOrganization();
      linkExpired();
      return;
    }
    try {
      state.session = await api('GET', '/v1/session');
    } catch (e) {
      await catalogLoad;
      renderOrganization();
      if (isAuthError(e) || (e instanceof ApiError && e.status === 404)) {
        linkExpired();
      } else {
        showLoadError();
      }
      return;
    }
    try {
      await catalogLoad;
      if (!state.catalog) await fetchCatalog();
      await fetchSubjectData();
    } catch (e) {
      renderOrganization();
      if (isAuthError(e)) linkExpired();
      else showLoadError();
      return;
    }
    show($('loading'), false);
    renderAll();
    show($('content'), true);
  }

  function showLoadError() {
    show($('loading'), false);
    show($('content'), false);
    show($('load-error'), true);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => { start(); });
  } else {
    start();
  }
})();
