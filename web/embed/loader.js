/* optin website embed: the loader, first in <head> (docs/embed.md). Until
   the visitor says yes, Consent Mode is denied and every element marked
   data-consent stays inert. It never throws into the page. */
(function (w, d) {
  'use strict';
  if (w.optin && w.optin._) return;
  var me = d.currentScript, base, prop, L = {}, q = [], subs = [], ready = [];
  var CM = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage', 'functionality_storage',
    'personalization_storage', 'security_storage'];
  var SEL = 'script[type="text/plain"][data-consent],iframe[data-consent]';
  try {
    base = new URL(me.src).origin;
    prop = me.getAttribute('data-property');
  } catch (e) { return; }
  // Trusted Types: the page's own marked scripts, and the embed's.
  var same = function (s) { return s; };
  var tt = w.trustedTypes && w.trustedTypes.createPolicy ?
    w.trustedTypes.createPolicy('optin', { createScriptURL: same, createScript: same }) : null;
  function url(u) { return tt ? tt.createScriptURL(u) : u; }
  function safe(f) { return function () { try { return f.apply(this, arguments); } catch (e) { } }; }

  // Google Consent Mode: everything denied until a choice says otherwise.
  var dl = w.dataLayer = w.dataLayer || [];
  function gtag() { dl.push(arguments); }
  function modes(bits) {
    var m = {};
    CM.forEach(function (t, i) { m[t] = bits & (1 << i) ? 'granted' : 'denied'; });
    return m;
  }
  gtag('consent', 'default', modes(0));

  // The IAB stubs: calls wait for the full API (ui.js) but a ping; `at` is
  // where the callback is.
  function stub(name, at, ping) {
    var calls = [];
    w[name] = function () {
      var a = arguments;
      if (a[0] === 'ping' && typeof a[at] === 'function') return a[at](ping(), true);
      calls.push(a);
    };
    w[name].q = calls;
    // The locator frame, once there is a body (as the IAB's own stubs do).
    (function locate() {
      if (!d.body) return setTimeout(locate, 5);
      var f = d.createElement('iframe');
      f.name = name + 'Locator';
      f.hidden = true;
      d.body.appendChild(f);
    })();
  }
  stub('__tcfapi', 2, function () {
    return { gdprApplies: undefined, cmpLoaded: false, cmpStatus: 'stub', displayStatus: 'hidden',
      apiVersion: '2.2' };
  });
  stub('__gpp', 1, function () {
    return { gppVersion: '1.1', cmpStatus: 'stub', cmpDisplayStatus: 'hidden', signalStatus: 'not ready',
      supportedAPIs: [], cmpId: 0, sectionList: [], applicableSections: [-1], gppString: '', parsedSections: {} };
  });
  // The postMessage protocol of both, for frames of other origins.
  w.addEventListener('message', safe(function (e) {
    var m = e.data, s = typeof m === 'string';
    if (s && m.indexOf('Call"') < 0) return;
    if (s) m = JSON.parse(m);
    ['__tcfapi', '__gpp'].forEach(function (n) {
      var c = m && m[n + 'Call'];
      if (!c) return;
      var cb = function (v, ok) {
        var r = {};
        r[n + 'Return'] = { returnValue: v, success: ok, callId: c.callId };
        e.source && e.source.postMessage(s ? JSON.stringify(r) : r, '*');
      };
      if (n === '__gpp') w.__gpp(c.command, cb, c.parameter, c.version);
      else w.__tcfapi(c.command, c.version, cb, c.parameter);
    });
  }));

  // The choice this browser holds: its latest in the outbox, else the cookie.
  function held() {
    var o = [];
    try { o = JSON.parse(localStorage.getItem('optin.outbox.' + prop) || '[]'); } catch (e) { }
    if (o.length) return o[o.length - 1].state;
    var c = d.cookie.match(/(?:^|;\s*)optin_state=([^;]*)/);
    return c ? c[1] : '';
  }

  // Reviving marked elements, in document order.
  function allowed(list) {
    return list.split(/\s+/).every(function (p) { return p && L[p] === true; });
  }
  function revive(el, once) {
    if (!once && !allowed(el.getAttribute('data-consent'))) return;
    var n = d.createElement(el.tagName), src = el.getAttribute('data-src');
    for (var i = 0; i < el.attributes.length; i++) {
      var a = el.attributes[i].name;
      if (!/^(type|style|data-src|data-consent|nonce|src)$/.test(a)) n.setAttribute(a, el.attributes[i].value);
    }
    if (el.nonce) n.nonce = el.nonce;
    if (n.tagName === 'SCRIPT') {
      n.async = el.hasAttribute('async');
      if (src) n.src = url(src);
      else n.text = tt ? tt.createScript(el.text) : el.text;
    } else if (src) {
      n.src = src;
    }
    n.setAttribute('data-optin-revived', el.getAttribute('data-consent'));
    el.parentNode.replaceChild(n, el);
  }
  function each(root, f) { [].forEach.call(root.querySelectorAll(SEL), function (e) { f(e); }); }
  function reviveAll() { each(d, revive); }
  new MutationObserver(safe(function (ms) {
    ms.forEach(function (m) {
      [].forEach.call(m.addedNodes, function (n) {
        if (n.nodeType !== 1) return;
        if (n.matches(SEL)) revive(n);
        else if (n.querySelectorAll) each(n, revive);
      });
    });
  })).observe(d.documentElement, { childList: true, subtree: true });

  // A choice applied to this page: Consent Mode, marked elements, listeners.
  function apply(state, quiet) {
    var p = new URLSearchParams(state || '');
    L = {};
    p.forEach(function (v, k) { if (k[0] !== '_') L[k] = v === '1'; });
    gtag('consent', 'update', modes(+p.get('_c') || 0));
    dl.push({ event: 'optin_update', optin: L });
    reviveAll();
    if (quiet) return;
    subs.forEach(function (f) { safe(f)(L); });
    d.dispatchEvent(new CustomEvent('optin:change', { detail: L }));
  }
  var state = held();
  if (state) apply(state, true);
  d.addEventListener('DOMContentLoaded', reviveAll);

  var api = w.optin = {
    ready: function (f) {
      return new Promise(function (res) { ready ? ready.push(res) : res(); }).then(f && safe(f));
    },
    get: function (p) { return L[p] === true; },
    onChange: function (f) { subs.push(f); },
    show: function () { q.push(['show']); },
    withdraw: function () { q.push(['withdraw']); },
    _: { base: base, prop: prop, me: me, q: q, url: url, apply: apply, held: held, types: CM, revive: revive,
      gpc: w.navigator.globalPrivacyControl === true,
      purposes: function () { return L; },
      ready: function () { var r = ready; ready = null; r && r.forEach(function (f) { f(); }); } }
  };
  d.addEventListener('click', safe(function (e) {
    var t = e.target.closest && e.target.closest('[data-optin-show]');
    if (t) { e.preventDefault(); api.show(); }
  }));

  // The property's config, then the banner and dialog (ui.js). A slow or
  // failed config leaves everything denied.
  var lang = me.getAttribute('data-lang') || d.documentElement.lang || navigator.language || '';
  fetch(base + '/v1/embed/' + encodeURIComponent(prop) + '/config?lang=' + encodeURIComponent(lang),
    { credentials: 'omit' }).then(function (r) {
    if (!r.ok) throw new Error('optin: the config of `' + prop + '` was refused (' + r.status + ')');
    return r.json();
  }).then(function (cfg) {
    api._.cfg = cfg;
    var s = d.createElement('script');
    if (me.nonce) s.nonce = me.nonce;
    s.src = url(base + cfg.ui.script);
    (d.head || d.documentElement).appendChild(s);
  }).catch(function (e) { w.console && console.warn(e.message); });
})(window, document);
