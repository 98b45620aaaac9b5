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
    receipts: [],        // GET /v1/subjects/{id}/receipts: receipt files
    logKey: null,        // GET /v1/log/key response
    checks: new Map(),   // receipt id -> {ok, text}
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
    const [consents, history, receipts] = await Promise.all([
      api('GET', subjectPath('/consents')),
      api('GET', subjectPath('/history')),
      api('GET', subjectPath('/receipts?locale=' + encodeURIComponent(state.lang))),
    ]);
    state.consents = consents;
    state.history = history;
    state.receipts = receipts && Array.isArray(receipts.receipts) ? receipts.receipts : [];
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
      tr.appendChild(el('td', null, e.gpc_conflict_acknowledged ? t('actions.grant_despite_gpc') : actionText(e.action)));
      tr.appendChild(el('td', null, channelText(e.channel)));
      body.appendChild(tr);
    }
    show($('history'), events.length > 0);
    show($('history-empty'), events.length === 0);
  }

  // ---------- receipts, checked in the browser ----------
  // The same checks as `optin receipt verify` (docs/log_format.md,
  // "Receipts"), with the Web Crypto API: SHA-256 and Ed25519.

  function bytesFromBase64(text) {
    const s = atob(text);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function bytesFromHex(hex) {
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
    return out;
  }

  function hexOf(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function joinBytes(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }

  // RFC 8785 for the values receipts hold: sorted keys, no whitespace.
  function canonical(value) {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
    return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + canonical(value[k])).join(',') + '}';
  }

  function u64(n) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n));
    return b;
  }

  async function ed25519Verify(publicKey, signature, message) {
    const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  }

  async function nodeHash(left, right) {
    return sha256(joinBytes(new Uint8Array([1]), left, right));
  }

  // RFC 9162 §2.1.3.2.
  async function inclusionHolds(proof, root) {
    let fn = proof.leaf_index;
    let sn = proof.tree_size - 1;
    if (fn > sn) return false;
    let r = bytesFromHex(proof.leaf_hash);
    for (const hex of proof.audit_path) {
      const p = bytesFromHex(hex);
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && hexOf(r) === hexOf(root);
  }

  // The event's sequence number, action and text fields (ledger_format.md).
  function readEvent(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const fields = [];
    let at = 18;
    for (let i = 0; i < 8; i++) {
      const n = view.getUint32(at);
      fields.push(bytes.subarray(at + 4, at + 4 + n));
      at += 4 + n;
    }
    const text = (b) => new TextDecoder().decode(b);
    const actions = { 1: 'publish', 2: 'grant', 3: 'withdraw', 4: 'signal', 5: 'erase' };
    return {
      seq: Number(view.getBigUint64(1)),
      action: actions[bytes[17]],
      purpose: text(fields[2]),
      notice: text(fields[3]),
      channel: text(fields[4]),
    };
  }

  // The name of the first check that fails, or null when all hold.
  async function checkReceipt(file, publicKey) {
    const r = file.receipt;
    if (file.key_id !== state.logKey.key_id) return 'signature';
    const signed = joinBytes(new TextEncoder().encode('optin receipt v1\n'), new TextEncoder().encode(canonical(r)));
    if (!(await ed25519Verify(publicKey, bytesFromBase64(file.signature), signed))) return 'signature';
    const head = r.tree_head;
    const headBytes = joinBytes(new TextEncoder().encode('optin tree head v1\n'), u64(head.tree_size),
      u64(head.timestamp), bytesFromHex(head.root_hash));
    if (head.key_id !== file.key_id || !(await ed25519Verify(publicKey, bytesFromBase64(head.signature), headBytes))) {
      return 'tree_head';
    }
    const event = bytesFromBase64(r.event);
    if (hexOf(await sha256(joinBytes(new Uint8Array([0]), event))) !== r.leaf_hash) return 'leaf';
    const e = readEvent(event);
    const purpose = r.purpose ? r.purpose.id : '';
    const notice = r.notice ? r.notice.version : '';
    if (e.seq !== r.sequence || e.action !== r.action || e.purpose !== purpose || e.notice !== notice ||
        e.channel !== r.channel) {
      return 'event';
    }
    const p = r.inclusion_proof;
    if (p.leaf_index !== r.sequence - 1 || p.tree_size !== head.tree_size || p.leaf_hash !== r.leaf_hash ||
        !(await inclusionHolds(p, bytesFromHex(head.root_hash)))) {
      return 'inclusion';
    }
    if (r.notice && hexOf(await sha256(new TextEncoder().encode(r.notice.text))) !== r.notice.version) return 'notice';
    return null;
  }

  async function verifyReceipt(file, cell) {
    const id = file.receipt.receipt_id;
    cell.textContent = t('receipts.checking');
    let result;
    try {
      if (!state.logKey) state.logKey = await api('GET', '/v1/log/key');
      const failed = await checkReceipt(file, bytesFromBase64(state.logKey.public_key));
      const org = state.catalog && state.catalog.organization ? state.catalog.organization.name : '';
      result = failed
        ? { ok: false, text: t('receipts.invalid', { reason: t('receipts.fail_' + failed) }) }
        : { ok: true, text: t('receipts.valid', { org, key: file.key_id, n: file.receipt.tree_head.tree_size }) };
    } catch (e) {
      result = { ok: false, text: t('receipts.unsupported') };
    }
    state.checks.set(id, result);
    cell.textContent = result.text;
    cell.className = 'receipt-check ' + (result.ok ? 'receipt-valid' : 'receipt-invalid');
  }

  function saveFile(name, type, text) {
    const blob = new Blob([text], { type });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function renderReceipts() {
    const org = state.catalog && state.catalog.organization ? state.catalog.organization.name : '';
    $('receipts-intro').textContent = t('receipts.intro', { org });
    const body = $('receipts-body');
    clear(body);
    const receipts = state.receipts.slice().sort((a, b) => b.receipt.sequence - a.receipt.sequence);
    for (const file of receipts) {
      const r = file.receipt;
      const tr = el('tr');
      tr.setAttribute('data-sequence', String(r.sequence));
      const timeCell = el('td');
      const time = el('time', null, formatDateTime(r.time));
      time.setAttribute('datetime', String(r.time));
      timeCell.appendChild(time);
      tr.appendChild(timeCell);
      tr.appendChild(el('td', null, r.purpose ? (r.purpose.title || purposeTitle(r.purpose.id)) : '—'));
      tr.appendChild(el('td', null, actionText(r.action)));
      const actions = el('td', 'receipt-actions');
      const download = el('button', 'btn btn-small receipt-download', t('receipts.download'));
      download.type = 'button';
      download.addEventListener('click', () => {
        saveFile('optin-receipt-' + r.sequence + '.json', 'application/json', JSON.stringify(file, null, 2) + '\n');
      });
      const checkButton = el('button', 'btn btn-small receipt-verify', t('receipts.check'));
      checkButton.type = 'button';
      const result = el('p', 'receipt-check');
      result.setAttribute('role', 'status');
      const known = state.checks.get(r.receipt_id);
      if (known) {
        result.textContent = known.text;
        result.className = 'receipt-check ' + (known.ok ? 'receipt-valid' : 'receipt-invalid');
      }
      checkButton.addEventListener('click', () => verifyReceipt(file, result));
      actions.appendChild(download);
      actions.appendChild(checkButton);
      actions.appendChild(result);
      tr.appendChild(actions);
      body.appendChild(tr);
    }
    show($('receipts'), receipts.length > 0);
    show($('receipts-empty'), receipts.length === 0);
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
    renderReceipts();
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
      renderReceipts();
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

  // Everything the server holds about the customer (GET .../export): the
  // decisions, the history, the full notice texts and the signed receipts.
  async function download(format) {
    const headers = { Authorization: 'Bearer ' + state.token };
    const query = '?locale=' + encodeURIComponent(state.lang) + (format === 'html' ? '&format=html' : '');
    let response;
    try {
      response = await fetch(subjectPath('/export') + query, { headers, credentials: 'omit', cache: 'no-store' });
    } catch (e) {
      announce(t('status.network_error'), 'error');
      return;
    }
    if (response.status === 401 || response.status === 403) {
      linkExpired();
      return;
    }
    if (!response.ok) {
      announce(t('status.error'), 'error');
      return;
    }
    const text = await response.text();
    const who = String(state.session ? state.session.subject : 'record').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
    const day = new Date().toISOString().slice(0, 10);
    if (format === 'html') {
      saveFile('optin-record-' + who + '-' + day + '.html', 'text/html', text);
    } else {
      saveFile('optin-record-' + who + '-' + day + '.json', 'application/json', text);
    }
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
    $('download').addEventListener('click', () => download('json'));
    $('download-page').addEventListener('click', () => download('html'));

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
