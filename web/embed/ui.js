/* optin website embed: the banner, the dialog, the records and the IAB
   APIs (docs/embed.md). Loaded by loader.js with the property's config;
   built with createElement and textContent only, styled in a shadow root. */
(function (w, d) {
  'use strict';
  var o = w.optin, I = o && o._, cfg = I && I.cfg;
  if (!cfg || I.ui) return;
  I.ui = true;
  var T = cfg.texts, prop = I.prop, OUTBOX = 'optin.outbox.' + prop, SIGNALS = 'optin.signals.' + prop;
  var DAY = 864e5, shown = {}, byId = {}, listeners = { tcf: [], gpp: [] }, lastId = 0;
  cfg.purposes.forEach(function (p) { byId[p.id] = p; });
  var consentIds = cfg.purposes.filter(function (p) { return p.basis === 'consent'; }).map(function (p) { return p.id; });

  function say(key, vars) {
    return (T[key] || key).replace(/\{(\w+)\}/g, function (_, k) {
      return k === 'organization' ? cfg.organization : (vars && vars[k]) || '';
    });
  }
  function el(tag, cls, text, attrs) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { }
  }
  function params(state) { return new URLSearchParams(state || ''); }

  // ---- The state of a choice, as the state cookie writes it.
  function stateOf(allowed) {
    var bits = 0, out = [];
    cfg.purposes.forEach(function (p) {
      var yes = p.basis === 'necessary' || allowed[p.id] === true;
      out.push(p.id + '=' + (yes ? 1 : 0));
      if (yes) p.consent_mode.forEach(function (t) { bits |= 1 << I.types.indexOf(t); });
    });
    return out.join('&') + '&_c=' + bits + '&_n=' + cfg.notices + '&_t=' + Math.floor(Date.now() / 1e3);
  }
  // What applies until the ledger has a choice: its no's at once, its yes's
  // only once recorded.
  function safeState(want) {
    var now = I.purposes(), allowed = {};
    consentIds.forEach(function (id) { allowed[id] = want[id] === true && now[id] === true; });
    return stateOf(allowed);
  }

  // ---- Records: the outbox, sent in order, kept until the server answers.
  // At most one choice in flight and one waiting: a later choice replaces
  // the waiting one (each names every purpose), so that none can overtake
  // another on the way.
  var sending = null;
  function key() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b & 63).toString(36); }).join('') + Date.now().toString(36);
  }
  // A choice about `ids` (every consent purpose when not given).
  function choose(want, ack, ids) {
    var body = { granted: [], declined: [], key: key(), notices: cfg.notices, locale: cfg.locale };
    (ids || consentIds).forEach(function (id) { body[want[id] ? 'granted' : 'declined'].push(id); });
    if (I.gpc) body.gpc = true;
    if (ack) body.gpc_conflict_acknowledged = true;
    var box = load(OUTBOX, []).filter(function (e) { return e.body.key === sending; });
    box.push({ body: body, state: safeState(want), t: Date.now() });
    store(OUTBOX, box);
    I.apply(box[box.length - 1].state);
    settle();
    flush();
  }
  var stale = false;
  function flush() {
    var box = load(OUTBOX, []);
    if (!box.length && stale) return location.reload();
    if (sending || !box.length) return status(box);
    sending = box[0].body.key;
    fetch(I.base + '/v1/embed/' + encodeURIComponent(prop) + '/choices', {
      method: 'POST', body: JSON.stringify(box[0].body), credentials: 'include', keepalive: true
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, code: r.status, j: j }; });
    }).then(function (r) {
      sending = null;
      if (r.code === 409 && r.j.error && r.j.error.code === 'notice_changed') {
        // Shown other notices: its no's still count, its yes's do not; then
        // the page shows the new notices.
        var box2 = load(OUTBOX, []);
        box2[0].body.granted = [];
        store(OUTBOX, box2[0].body.declined.length ? box2 : box2.slice(1));
        stale = true;
        return flush();
      }
      if (!r.ok && r.code < 500 && r.code !== 429) {
        // Refused for good (a notice changed, a bad request): ask again.
        w.console && console.warn('optin: choice refused: ' + (r.j.error && r.j.error.message));
        drop(box[0]);
        open();
        return;
      }
      if (!r.ok) throw new Error(r.code);
      drop(box[0]);
      if (r.j.signals) store(SIGNALS, r.j.signals);
      if (!load(OUTBOX, []).length) I.apply(r.j.state);
      status([], true);
      tell('useractioncomplete');
      flush();
    }).catch(function () {
      sending = null;
      status(load(OUTBOX, []));
      setTimeout(flush, 5000);
    });
  }
  function drop(entry) {
    store(OUTBOX, load(OUTBOX, []).filter(function (e) { return e.body.key !== entry.body.key; }));
  }

  // ---- The shadow root, the banner, the reopen button and the dialog.
  var host = el('div', '', '', { id: 'optin-embed', 'data-optin': prop });
  host.hidden = true;
  var root = host.attachShadow({ mode: 'open' });
  var css = el('link', '', '', { rel: 'stylesheet', href: I.base + cfg.ui.style });
  css.addEventListener('load', function () { host.hidden = false; });
  root.appendChild(css);
  var live = el('p', 'live', '', { role: 'status' });
  root.appendChild(live);

  function buttons(parent) {
    [['accept_all', acceptAll], ['reject_all', rejectAll], ['choose', open]].forEach(function (b) {
      var e = el('button', 'choice', say(b[0]), { type: 'button', 'data-action': b[0] });
      e.addEventListener('click', function () { b[1](); });
      parent.appendChild(e);
    });
  }
  var banner = el('section', 'banner', '', { 'aria-label': say('banner_title') });
  banner.appendChild(el('h2', '', say('banner_title')));
  banner.appendChild(el('p', '', say('banner_text')));
  banner.appendChild(el('p', 'purposes', consentIds.map(function (id) { return byId[id].title; }).join(' · ')));
  var row = el('div', 'buttons');
  buttons(row);
  banner.appendChild(row);
  banner.hidden = true;
  root.appendChild(banner);

  var reopen = el('button', 'reopen', say('reopen'), { type: 'button' });
  reopen.addEventListener('click', function () { open(); });
  reopen.hidden = true;
  root.appendChild(reopen);

  var dialog = el('dialog', 'dialog', '', { 'aria-labelledby': 'optin-title' });
  root.appendChild(dialog);
  var opener = null;
  // Focus goes back where it was (the browser does it for a modal dialog;
  // this is for when it could not), never away from where it went since.
  dialog.addEventListener('close', function () {
    if (opener && opener.focus && (!d.activeElement || d.activeElement === d.body)) opener.focus();
    opener = null;
  });

  function listOf(label, items) {
    if (!items || !items.length) return null;
    var p = el('p', 'fact');
    p.appendChild(el('strong', '', label + ': '));
    p.appendChild(d.createTextNode(items.join(', ')));
    return p;
  }
  function render() {
    while (dialog.firstChild) dialog.removeChild(dialog.firstChild);
    var now = I.purposes();
    dialog.appendChild(el('h2', '', say('dialog_title'), { id: 'optin-title' }));
    if (I.gpc) dialog.appendChild(el('p', 'note', say('gpc')));
    var note = statusNote();
    if (note) dialog.appendChild(note);
    var form = el('form', '', '', { method: 'dialog' });
    cfg.purposes.forEach(function (p) {
      var box = el('div', 'purpose', '', { 'data-purpose': p.id });
      var id = 'optin-p-' + p.id, head = el('div', 'head');
      if (p.basis === 'consent') {
        var c = el('input', '', '', { type: 'checkbox', id: id, name: p.id });
        c.checked = now[p.id] === true;
        head.appendChild(c);
        head.appendChild(el('label', 'title', p.title, { for: id }));
      } else {
        head.appendChild(el('span', 'title', p.title));
        head.appendChild(el('span', 'always', say('always_on')));
      }
      box.appendChild(head);
      box.appendChild(el('p', '', p.description));
      [listOf(say('data'), p.data), p.benefit && listOf(say('benefit'), [p.benefit]),
        listOf(say('recipients'), p.recipients.length ? p.recipients.map(function (r) { return r.name; })
          : [say('nobody')]),
        p.retention && listOf(say('retention'), [p.retention])].forEach(function (f) { if (f) box.appendChild(f); });
      form.appendChild(box);
    });
    // Before a withdrawal: what it cannot take back from this page.
    var kept = consentIds.some(function (id) { return now[id]; }) ? unremovable() : [];
    if (kept.length) form.appendChild(el('p', 'note', say('cannot_remove', { cookies: kept.join(', ') })));
    var row = el('div', 'buttons');
    var save = el('button', 'choice', say('save'), { type: 'button', 'data-action': 'save' });
    save.addEventListener('click', function () {
      var want = {};
      var ack = false;
      consentIds.forEach(function (id) {
        var c = form.querySelector('input[name="' + id + '"]');
        want[id] = !!(c && c.checked);
        ack = ack || (want[id] && byId[id].sale_or_share && I.gpc);
      });
      close();
      choose(want, ack);
    });
    row.appendChild(save);
    buttons(row);
    row.removeChild(row.lastChild);  // "Choose" is this dialog
    form.appendChild(row);
    var tail = el('div', 'buttons');
    if (consentIds.some(function (id) { return now[id]; })) {
      var wd = el('button', 'choice', say('withdraw'), { type: 'button', 'data-action': 'withdraw' });
      wd.addEventListener('click', function () { close(); withdraw(); });
      tail.appendChild(wd);
    }
    var x = el('button', 'choice', say('close'), { type: 'button', 'data-action': 'close' });
    x.addEventListener('click', close);
    tail.appendChild(x);
    form.appendChild(tail);
    dialog.appendChild(form);
  }
  function open() {
    opener = root.activeElement || d.activeElement;
    render();
    if (!dialog.open) dialog.showModal();
    tell('cmpuishown');
  }
  function close() {
    if (dialog.open) dialog.close();
    settle();
  }
  // The banner until a choice is held, the reopen button after.
  function settle() {
    var held = params(I.held()).get('_n') === cfg.notices || load(OUTBOX, []).length > 0;
    banner.hidden = held;
    reopen.hidden = !held || !!d.querySelector('[data-optin-show]');
    if (!held) tell('cmpuishown');
  }

  function acceptAll() {
    var want = {};
    // Global Privacy Control: "all" leaves out what sells or shares.
    consentIds.forEach(function (id) { want[id] = !(I.gpc && byId[id].sale_or_share); });
    close();
    choose(want, false);
  }
  function rejectAll() {
    close();
    choose({}, false);
  }

  // ---- What the outbox's state means for the visitor.
  function statusNote() {
    var box = load(OUTBOX, []);
    if (!box.length) return null;
    return el('p', 'note', say(Date.now() - box[0].t > DAY ? 'undelivered' : 'pending'));
  }
  function status(box, saved) {
    live.textContent = saved ? say('saved') : box.length && Date.now() - box[0].t > DAY ? say('undelivered') : '';
  }

  // ---- Withdrawal from any page: the records, then what the tags kept.
  function matches(patterns, name) {
    return patterns.some(function (p) {
      return p.slice(-1) === '*' ? name.indexOf(p.slice(0, -1)) === 0 : p === name;
    });
  }
  function declared(kind, allowed) {
    var out = [];
    cfg.purposes.forEach(function (p) { if (!allowed[p.id]) out = out.concat(p[kind]); });
    return out;
  }
  function cookieNames() {
    return d.cookie.split(/;\s*/).map(function (c) { return c.split('=')[0]; }).filter(Boolean);
  }
  function unremovable() {
    var have = cookieNames();
    return declared('cookies', {}).filter(function (p) {
      return !have.some(function (n) { return matches([p], n); });
    });
  }
  function clean(allowed) {
    var patterns = declared('cookies', allowed), host = location.hostname.split('.');
    var paths = ['/'], parts = location.pathname.split('/');
    for (var i = 2; i <= parts.length; i++) paths.push(parts.slice(0, i).join('/'));
    // What the page sees, and the exact names it may not see from here.
    var names = cookieNames().filter(function (n) { return matches(patterns, n); });
    patterns.forEach(function (p) { if (p.slice(-1) !== '*' && names.indexOf(p) < 0) names.push(p); });
    names.forEach(function (name) {
      for (var j = 0; j < host.length; j++) {
        var dom = host.slice(j).join('.');
        paths.forEach(function (path) {
          var end = '=; Max-Age=0; Path=' + path;
          d.cookie = name + end;
          d.cookie = name + end + '; Domain=' + dom;
        });
      }
    });
    var keys = declared('storage', allowed);
    [w.localStorage, w.sessionStorage].forEach(function (s) {
      try {
        for (var k = s.length - 1; k >= 0; k--) if (matches(keys, s.key(k))) s.removeItem(s.key(k));
      } catch (e) { }
    });
  }
  function withdraw() {
    choose({}, false);
    clean({});
    // Tags already running stop only with the page: reloaded once the
    // withdrawal is recorded (or after 3 s; the outbox keeps it).
    var tries = 0, wait = setInterval(function () {
      if (!load(OUTBOX, []).length || ++tries > 30) {
        clearInterval(wait);
        location.reload();
      }
    }, 100);
  }

  // ---- Frames of a purpose not allowed: a placeholder inside the frame
  // itself (its size is kept, nothing shifts), to load it once or to allow
  // its purpose from now on.
  function placeholders() {
    [].forEach.call(d.querySelectorAll('iframe[data-consent]'), function (f) {
      var doc = f.contentDocument, ids = f.getAttribute('data-consent').split(/\s+/).filter(Boolean);
      if (!doc || !doc.body || doc.body.hasAttribute('data-optin')) return;
      var host = '', p = byId[ids[0]];
      try { host = new URL(f.getAttribute('data-src'), location.href).hostname; } catch (e) { }
      doc.documentElement.lang = cfg.locale;
      doc.body.setAttribute('data-optin', '');
      var text = doc.createElement('p');
      text.textContent = say('blocked', { host: host, purpose: p ? p.title : ids.join(', ') });
      doc.body.appendChild(text);
      [['load_once', function () { I.revive(f, true); }], ['always_allow', function () {
        var want = {};
        ids.forEach(function (id) { want[id] = true; });
        choose(want, I.gpc, ids.filter(function (id) { return byId[id] && byId[id].basis === 'consent'; }));
      }]].forEach(function (b) {
        var e = doc.createElement('button');
        e.type = 'button';
        e.textContent = say(b[0]);
        e.setAttribute('data-action', b[0]);
        e.addEventListener('click', b[1]);
        doc.body.appendChild(e);
      });
    });
  }

  // ---- The guard: a tag of a declared host that comes without its markup
  // is kept inert and reported (to be marked with data-consent).
  var blocked = o.blocked = [];
  function purposeOfHost(src) {
    var h;
    try { h = new URL(String(src), location.href).hostname; } catch (e) { return null; }
    for (var i = 0; i < cfg.purposes.length; i++) {
      if (cfg.purposes[i].hosts.some(function (x) {
        return x === h || (x.slice(0, 2) === '*.' && h.slice(1 - x.length) === x.slice(1));
      })) return cfg.purposes[i].id;
    }
    return null;
  }
  function neuter(n, src) {
    var id = purposeOfHost(src);
    if (!id || I.purposes()[id] || n.hasAttribute('data-optin-revived')) return false;
    n.setAttribute('data-consent', id);
    n.setAttribute('data-src', String(src));
    n.removeAttribute('src');
    if (n.tagName === 'SCRIPT') n.type = 'text/plain';
    blocked.push({ purpose: id, src: String(src) });
    w.console && console.warn('optin: kept ' + src + ' from running until `' + id + '` is allowed; mark it ' +
      'data-consent="' + id + '" in the page');
    d.dispatchEvent(new CustomEvent('optin:blocked', { detail: { purpose: id, src: String(src) } }));
    return true;
  }
  // A script given its address in code is caught as the address is set.
  var srcOf = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, 'src');
  Object.defineProperty(HTMLScriptElement.prototype, 'src', {
    configurable: true, enumerable: true, get: srcOf.get,
    set: function (v) { if (!neuter(this, v)) srcOf.set.call(this, v); }
  });
  // And one in markup, or set as an attribute, when it arrives.
  new MutationObserver(function (ms) {
    ms.forEach(function (m) {
      var nodes = m.type === 'attributes' ? [m.target] : m.addedNodes;
      [].forEach.call(nodes, function (n) {
        if (n.nodeType !== 1) return;
        [n].concat([].slice.call(n.querySelectorAll ? n.querySelectorAll('script[src],iframe[src],img[src]') : []))
          .forEach(function (e) {
            if (/^(SCRIPT|IFRAME|IMG)$/.test(e.tagName) && e.hasAttribute('src') && !e.hasAttribute('data-consent')) {
              neuter(e, e.getAttribute('src'));
            }
          });
      });
      placeholders();
    });
  }).observe(d.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });

  // ---- The IAB APIs (TCF v2.2 __tcfapi, GPP 1.1 __gpp) over the server's strings.
  function signals() { return load(SIGNALS, null); }
  function tcData(status, id) {
    var s = signals();
    return { tcString: s && s.tc_string || undefined, tcfPolicyVersion: 5, cmpId: cfg.tcf && cfg.tcf.cmp_id,
      cmpVersion: cfg.tcf && cfg.tcf.cmp_version, gdprApplies: !!cfg.tcf, eventStatus: status,
      cmpStatus: 'loaded', listenerId: id, isServiceSpecific: true, useNonStandardTexts: false,
      purposeOneTreatment: false };
  }
  function gppData(status) {
    var s = signals();
    return { gppVersion: '1.1', cmpStatus: 'loaded', cmpDisplayStatus: banner.hidden ? 'hidden' : 'visible',
      signalStatus: 'ready', supportedAPIs: cfg.gpp_sections.slice(),
      cmpId: cfg.tcf ? cfg.tcf.cmp_id : 0, sectionList: s ? s.gpp_sid : [],
      applicableSections: s && s.gpp_sid.length ? s.gpp_sid : [-1], gppString: s ? s.gpp_string : '',
      parsedSections: {}, eventName: status };
  }
  function tell(status) {
    listeners.tcf.forEach(function (l) { l.cb(tcData(status, l.id), true); });
    listeners.gpp.forEach(function (l) {
      l.cb({ eventName: 'signalStatus', listenerId: l.id, data: 'ready', pingData: gppData(status) }, true);
    });
  }
  function tcfapi(cmd, ver, cb, arg) {
    if (typeof cb !== 'function') return;
    if (cmd === 'ping') return cb({ gdprApplies: !!cfg.tcf, cmpLoaded: true, cmpStatus: 'loaded',
      displayStatus: banner.hidden ? 'hidden' : 'visible', apiVersion: '2.2', cmpVersion: cfg.tcf && cfg.tcf.cmp_version,
      cmpId: cfg.tcf && cfg.tcf.cmp_id, tcfPolicyVersion: 5 }, true);
    if (cmd === 'getTCData') return cb(tcData('tcloaded'), true);
    if (cmd === 'addEventListener') {
      var id = ++lastId;
      listeners.tcf.push({ id: id, cb: cb });
      return cb(tcData(banner.hidden ? 'tcloaded' : 'cmpuishown', id), true);
    }
    if (cmd === 'removeEventListener') {
      var n = listeners.tcf.length;
      listeners.tcf = listeners.tcf.filter(function (l) { return l.id !== arg; });
      return cb(listeners.tcf.length < n);
    }
    cb(null, false);
  }
  function gpp(cmd, cb, arg) {
    if (typeof cb !== 'function') return;
    if (cmd === 'ping') return cb(gppData('ping'), true);
    if (cmd === 'addEventListener') {
      var id = ++lastId;
      listeners.gpp.push({ id: id, cb: cb });
      return cb({ eventName: 'listenerRegistered', listenerId: id, data: true, pingData: gppData('ping') }, true);
    }
    if (cmd === 'removeEventListener') {
      listeners.gpp = listeners.gpp.filter(function (l) { return l.id !== arg; });
      return cb(true, true);
    }
    if (cmd === 'hasSection') {
      var s = signals();
      return cb(!!s && cfg.gpp_sections.indexOf(arg) >= 0, true);
    }
    cb(null, false);
  }
  // The calls the loader's stubs queued, then every call.
  function install(name, f) {
    var queued = (w[name] && w[name].q) || [];
    w[name] = f;
    queued.forEach(function (c) { f.apply(null, c); });
  }
  install('__tcfapi', tcfapi);
  install('__gpp', gpp);

  // ---- Start: a choice held under other notices no longer holds.
  var heldState = I.held();
  if (heldState && params(heldState).get('_n') !== cfg.notices) I.apply('');
  o.show = open;
  o.withdraw = withdraw;
  (d.body || d.documentElement).appendChild(host);
  placeholders();
  d.addEventListener('DOMContentLoaded', placeholders);
  settle();
  I.q.splice(0).forEach(function (c) { c[0] === 'show' ? open() : withdraw(); });
  flush();
  I.ready();
})(window, document);
