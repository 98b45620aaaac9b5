// The website embed in a real browser: Debian Chromium driven by
// playwright-core, hermetic. Every request the browser makes is routed by
// the test: the shop's pages (https://www.shop.example) come from here, the
// consent host (https://consent.shop.example) is a real `optin serve` on
// loopback, the tag hosts answer with a tiny script and are recorded, and
// anything else is refused and recorded. Run by ctest with OPTIN_BINARY set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { optinCli, startOptinServer } from '../support/optin_process.mjs';
import { launchChromium } from './chromium.mjs';
import AxeBuilder from '@axe-core/playwright';

const here = dirname(fileURLToPath(import.meta.url));
// The IAB reference libraries of the interop tests (tests/interop, npm).
const interop = createRequire(join(here, '../interop/package.json'));
const { TCString } = interop('@iabtcf/core');
const { GppModel } = interop('@iabgpp/cmpapi');

const SHOP = 'https://www.shop.example';
const CONSENT = 'https://consent.shop.example';
const ANALYTICS_HOST = 'analytics.example.com';
const ADS_HOST = 'ads.example.net';
// The shop's policy: its own scripts, the embed's origin, and the declared tag hosts.
const CSP = `default-src 'self'; script-src 'self' ${CONSENT} https://${ANALYTICS_HOST} https://${ADS_HOST}; ` +
  `style-src 'self' ${CONSENT}; connect-src 'self' ${CONSENT}; frame-src 'self' https://frames.example.org https://${ADS_HOST}; ` +
  `img-src 'self'; report-uri /csp-report`;

let dir, db, server, base, adminKey, browser;

function cli(...args) {
  return optinCli(db, ...args);
}

// The demo catalog with a property for the hermetic shop.
function catalog() {
  const demo = readFileSync(join(here, '../../src/catalog/demo_catalog.yaml'), 'utf8');
  return demo
    .replace('origins: [http://127.0.0.1:8080]', `origins: [${SHOP}]`)
    .replace('cookie_domain: 127.0.0.1', 'cookie_domain: shop.example');
}

// A shop page: the loader first in <head>, then tags marked with the
// purpose each serves. `extra` is more markup for <body>.
function page(title, extra = '', lang = 'en') {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${title}</title>
<script src="${CONSENT}/v1/embed/loader.js" data-property="shop"></script>
<script type="text/plain" data-consent="product_analytics" data-src="https://${ANALYTICS_HOST}/ea.js"></script>
<link rel="stylesheet" href="/shop.css"></head>
<body><header><h1>${title}</h1><nav><a href="/">Home</a> <a href="/deep/path/page">More</a>
<a href="#" data-optin-show>Privacy choices</a></nav></header>
<main><p>Fresh bread and coffee beans, delivered.</p>${extra}</main>
<script type="text/plain" data-consent="ad_targeting" data-src="https://${ADS_HOST}/tag.js"></script>
</body></html>`;
}

// Routes every request of `context`; returns the log of what happened, in order.
async function hermetic(context, { configDelay = 0, choiceDelay = 0, blockChoices = () => false, pages = {}, csp = CSP } = {}) {
  const log = [];
  await context.route('**/*', (route) => answer(route).catch((e) => {
    // A request still in flight when its test closed the context.
    if (!/closed|disposed/.test(e.message)) throw e;
  }));
  async function answer(route) {
    const request = route.request();
    const url = new URL(request.url());
    if (url.origin === SHOP) {
      if (url.pathname === '/shop.css') {
        return route.fulfill({ contentType: 'text/css', body: 'body{font-family:sans-serif;margin:2rem}' });
      }
      if (url.pathname === '/csp-report') {
        log.push({ kind: 'csp', body: request.postData() });
        return route.fulfill({ status: 204 });
      }
      const body = pages[url.pathname] ?? page(`Shop ${url.pathname}`);
      return route.fulfill({ contentType: 'text/html', headers: { 'Content-Security-Policy': csp }, body });
    }
    if (url.origin === CONSENT) {
      if (url.pathname.endsWith('/config') && configDelay) await new Promise((r) => setTimeout(r, configDelay));
      if (url.pathname.endsWith('/choices') && choiceDelay) await new Promise((r) => setTimeout(r, choiceDelay));
      if (url.pathname.endsWith('/choices') && blockChoices()) {
        log.push({ kind: 'choice-lost' });
        return route.abort('connectionfailed');
      }
      const response = await route.fetch({ url: base + url.pathname + url.search });
      await route.fulfill({ response });
      if (url.pathname.endsWith('/choices')) log.push({ kind: 'choice', status: response.status() });
      return;
    }
    const host = url.hostname;
    if (host === ANALYTICS_HOST || host.endsWith(ADS_HOST)) {
      log.push({ kind: 'tag', host, url: url.href });
      return route.fulfill({
        contentType: 'text/javascript',
        headers: { 'Access-Control-Allow-Origin': '*' },
        body: `window.tagsRan=(window.tagsRan||[]).concat(${JSON.stringify(host)});` +
          (host === ANALYTICS_HOST ? 'document.cookie="_ea_id=1; path=/";' : ''),
      });
    }
    log.push({ kind: 'foreign', url: url.href });
    return route.abort('blockedbyclient');
  }
  return log;
}

// Waits until `predicate` (run in the page) is true. (waitForFunction would
// evaluate a string, which the shop's CSP rightly refuses.)
async function until(page, predicate, arg, timeout = 10000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await page.evaluate(predicate, arg).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${predicate}`);
}

async function newContext(options = {}) {
  return browser.newContext({ locale: 'en-US', ...options });
}

// The visitor's subject id, from the HttpOnly cookie (tests can read it; pages cannot).
async function visitorOf(context) {
  const c = (await context.cookies(CONSENT)).find((x) => x.name === 'optin_vid');
  return c && decodeURIComponent(c.value);
}

async function decisions(subject) {
  const res = await fetch(`${base}/v1/subjects/${encodeURIComponent(subject)}/consents`, {
    headers: { Authorization: `Bearer ${adminKey}` },
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  return Object.fromEntries(body.purposes.map((p) => [p.purpose, p.reason]));
}

async function history(subject) {
  const res = await fetch(`${base}/v1/subjects/${encodeURIComponent(subject)}/history`, {
    headers: { Authorization: `Bearer ${adminKey}` },
  });
  return res.status === 200 ? (await res.json()).events : [];
}

// The banner's buttons, in the shadow root (Playwright's CSS pierces it).
const button = (action) => `#optin-embed .banner button[data-action="${action}"]`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optin-embed-'));
  db = join(dir, 'optin.db');
  writeFileSync(join(dir, 'catalog.yaml'), catalog());
  cli('init');
  cli('catalog', 'publish', join(dir, 'catalog.yaml'));
  adminKey = cli('key', 'create', '--scope', 'admin', '--name', 'embed-test');
  ({ server, base } = await startOptinServer(db));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('no tag runs and no tag request leaves before consent, even with the config seconds late', async () => {
  const context = await newContext();
  const log = await hermetic(context, { configDelay: 2500 });
  const page = await context.newPage();
  await page.goto(`${SHOP}/`);
  // Consent Mode says denied for every type before anything else.
  const consent = await page.evaluate(() => window.dataLayer.filter((e) => e[0] === 'consent').map((e) => [...e]));
  assert.equal(consent[0][1], 'default');
  assert.ok(Object.values(consent[0][2]).every((v) => v === 'denied'));
  assert.equal(Object.keys(consent[0][2]).length, 7);
  await page.waitForSelector(button('accept_all'), { timeout: 10000 });
  await page.waitForTimeout(300);
  assert.deepEqual(log.filter((e) => e.kind === 'tag'), []);
  assert.deepEqual(log.filter((e) => e.kind === 'foreign'), []);
  assert.equal(await page.evaluate(() => window.tagsRan), undefined);
  // No cookie but what the site had: the embed sets none before a choice.
  assert.deepEqual(await context.cookies(), []);
  assert.equal(await visitorOf(context), undefined);
  await context.close();
});

test('Accept all records the choice in the ledger before the first tag request', async () => {
  const context = await newContext();
  const log = await hermetic(context);
  const page = await context.newPage();
  await page.goto(`${SHOP}/`);
  await page.click(button('accept_all'));
  await until(page, () => (window.tagsRan || []).length === 2);
  // The banner goes once the choice is made; "Privacy choices" stays (the page's own link here).
  assert.equal(await page.isVisible('#optin-embed .banner'), false);
  const first = log.findIndex((e) => e.kind === 'tag');
  const recorded = log.findIndex((e) => e.kind === 'choice' && e.status === 200);
  assert.ok(recorded >= 0 && recorded < first, JSON.stringify(log));
  const visitor = await visitorOf(context);
  assert.match(visitor, /^visitor:shop:[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(await decisions(visitor), {
    service: 'necessary', billing: 'necessary', network_security: 'necessary', ad_targeting: 'granted',
    personalized_offers: 'granted', product_analytics: 'granted', location_sharing: 'no_consent',
  });
  // The page cannot read the visitor's id; it reads its choice.
  const cookie = await page.evaluate(() => document.cookie);
  assert.doesNotMatch(cookie, /optin_vid|visitor:/);
  assert.match(cookie, /optin_state=product_analytics=1&personalized_offers=1&ad_targeting=1/);
  const vid = (await context.cookies(CONSENT)).find((c) => c.name === 'optin_vid');
  assert.ok(vid.httpOnly && vid.secure && vid.sameSite === 'Lax' && vid.domain === '.shop.example');
  // Tags were revived in document order, and the ad tag's revived copy carries no `style`.
  assert.deepEqual(await page.evaluate(() => window.tagsRan), [ANALYTICS_HOST, ADS_HOST]);
  // Consent Mode was updated for what was granted.
  const update = await page.evaluate(() => [...window.dataLayer.filter((e) => e[0] === 'consent').pop()]);
  assert.equal(update[2].ad_storage, 'granted');
  assert.equal(update[2].analytics_storage, 'granted');
  // A return visit applies the choice at once, without the banner.
  const again = await context.newPage();
  await again.goto(`${SHOP}/deep/path/page`);
  await until(again, () => (window.tagsRan || []).length === 2);
  await again.waitForSelector('#optin-embed .reopen', { state: 'attached' });
  assert.equal(await again.isVisible('#optin-embed .banner'), false);
  await context.close();
});

test('Reject all, then reload: still no tag request, and the banner stays away', async () => {
  const context = await newContext();
  const log = await hermetic(context);
  const page = await context.newPage();
  await page.goto(`${SHOP}/`);
  await page.click(button('reject_all'));
  await until(page, () => document.cookie.includes('optin_state='));
  await page.reload();
  await until(page, () => window.optin && window.optin._.ui === true);
  await page.waitForTimeout(300);
  assert.deepEqual(log.filter((e) => e.kind === 'tag'), []);
  assert.equal(await page.isVisible('#optin-embed .banner'), false);
  const visitor = await visitorOf(context);
  const reasons = await decisions(visitor);
  assert.equal(reasons.ad_targeting, 'withdrawn');
  assert.equal(reasons.product_analytics, 'withdrawn');
  // The same choice again records nothing new.
  const events = (await history(visitor)).length;
  await page.evaluate(() => window.optin.show());
  await page.click('#optin-embed dialog button[data-action="reject_all"]');
  await page.waitForTimeout(500);
  assert.equal((await history(visitor)).length, events);
  await context.close();
});

test('Accept and Reject are the same element with the same look, one click each', async () => {
  const context = await newContext();
  await hermetic(context);
  const page = await context.newPage();
  await page.goto(`${SHOP}/`);
  await page.waitForSelector(button('accept_all'));
  const looks = await page.evaluate(() => {
    const root = document.querySelector('#optin-embed').shadowRoot;
    const style = (b) => {
      const s = getComputedStyle(b);
      return [...s].filter((k) => k !== 'width' && k !== 'inline-size').map((k) => `${k}:${s.getPropertyValue(k)}`).join(';');
    };
    return [...root.querySelectorAll('.banner button')].map((b) => ({
      tag: b.tagName, cls: b.className, text: b.textContent, style: style(b),
    }));
  });
  assert.deepEqual(looks.map((b) => b.text), ['Accept all', 'Reject all', 'Choose']);
  for (const b of looks.slice(1)) {
    assert.equal(b.tag, looks[0].tag);
    assert.equal(b.cls, looks[0].cls);
    assert.equal(b.style, looks[0].style, `${b.text} looks different from ${looks[0].text}`);
  }
  await context.close();
});

test('a choice made just before leaving reaches the ledger on the next visit', async () => {
  const context = await newContext();
  let offline = true;
  const log = await hermetic(context, { blockChoices: () => offline });
  const page = await context.newPage();
  await page.goto(`${SHOP}/`);
  await page.click(button('accept_all'));
  await page.goto(`${SHOP}/deep/path/page`);
  assert.ok(log.some((e) => e.kind === 'choice-lost'));
  // Not yet recorded: the yes does not apply (no tag), the outbox holds it.
  await page.waitForTimeout(300);
  assert.deepEqual(log.filter((e) => e.kind === 'tag'), []);
  assert.equal(await visitorOf(context), undefined);
  offline = false;
  await page.goto(`${SHOP}/`);
  await until(page, () => (window.tagsRan || []).length === 2);
  const visitor = await visitorOf(context);
  assert.equal((await decisions(visitor)).ad_targeting, 'granted');
  await context.close();
});

test('a choice made as the visitor leaves the page at once is recorded all the same', async () => {
  const context = await newContext();
  // The answer takes a while: the page is gone before it comes.
  await hermetic(context, { choiceDelay: 800 });
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.waitForSelector(button('accept_all'));
  // The click (the choice is in the outbox and on its way), then away at
  // once: the keepalive request finishes on its own.
  await p.click(button('accept_all'), { noWaitAfter: true });
  await until(p, () => localStorage.getItem('optin.outbox.shop') !== null);
  await p.goto('about:blank');
  assert.equal(await visitorOf(context), undefined, 'still on its way when the page was left');
  let visitor;
  for (let i = 0; i < 100 && !visitor; i++) {
    visitor = await visitorOf(context);
    if (!visitor) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(visitor, 'the visitor cookie came back with the answer');
  assert.equal((await decisions(visitor)).ad_targeting, 'granted');
  await context.close();
});

test('a config for an unknown property or an origin not allowed is refused', async () => {
  let res = await fetch(`${base}/v1/embed/nosuch/config`);
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, 'unknown_property');
  res = await fetch(`${base}/v1/embed/shop/config`, { headers: { Origin: 'https://evil.example' } });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.code, 'origin_not_allowed');
  res = await fetch(`${base}/v1/embed/shop/choices`, {
    method: 'POST', headers: { Origin: SHOP }, body: '{"granted":["service"],"key":"k"}',
  });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /`granted\[0\]` names `service`, which property `shop` does not show/);
});

// A frame of another origin that asks the page's CMP for its TC data over
// the __tcfapi postMessage protocol, and its GPP data over __gpp's.
const FRAME = `<!doctype html><html><body><script>
function ask(api, command) {
  return new Promise(function (resolve) {
    var locator = null;
    for (var f = window; f && !locator; f = f === window.top ? null : f.parent) {
      try { if (f.frames[api + 'Locator']) locator = f; } catch (e) { }
    }
    if (!locator) return resolve({ error: 'no locator' });
    var callId = Math.random().toString(36).slice(2);
    window.addEventListener('message', function on(e) {
      var m = typeof e.data === 'string' ? JSON.parse(e.data) : e.data;
      var r = m && m[api + 'Return'];
      if (!r || r.callId !== callId) return;
      window.removeEventListener('message', on);
      resolve(r);
    });
    var call = {};
    call[api + 'Call'] = { command: command, version: api === '__tcfapi' ? 2 : '1.1', callId: callId };
    locator.postMessage(api === '__tcfapi' ? JSON.stringify(call) : call, '*');
  });
}
window.ask = ask;
</script></body></html>`;

async function frameOf(page) {
  const handle = await page.waitForSelector('iframe#partner');
  return handle.contentFrame();
}

test('a frame of another origin reads the TC string over postMessage, and it says what was chosen', async () => {
  const context = await newContext();
  const log = await hermetic(context, {
    pages: { '/partner': page('Partner', `<iframe id="partner" title="Partner" src="https://frames.example.org/tcf" width="300" height="50"></iframe>`) },
  });
  await context.route('https://frames.example.org/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: FRAME }));
  const p = await context.newPage();
  await p.goto(`${SHOP}/partner`);
  const frame = await frameOf(p);
  // Before any choice: the stub answers ping at once.
  const ping = await frame.evaluate(() => window.ask('__tcfapi', 'ping'));
  assert.equal(ping.success, true);
  assert.equal(ping.returnValue.apiVersion, '2.2');
  await p.click(button('choose'));
  await p.check('#optin-embed dialog input[name="personalized_offers"]');
  await p.click('#optin-embed dialog button[data-action="save"]');
  await until(p, () => localStorage.getItem('optin.signals.shop') !== null);
  const answer = await frame.evaluate(() => window.ask('__tcfapi', 'getTCData'));
  assert.equal(answer.success, true);
  assert.equal(answer.returnValue.cmpId, 300);
  assert.equal(answer.returnValue.gdprApplies, true);
  // Decoded by the IAB's own library: the purposes of personalized_offers
  // (1, 5, 6) and nothing of ad_targeting's (2, 3, 4, 7) or its vendors.
  const tc = TCString.decode(answer.returnValue.tcString);
  assert.equal(tc.cmpId, 300);
  assert.equal(tc.vendorListVersion, 150);
  assert.deepEqual([...tc.purposeConsents.values()].filter(Boolean).length, 3);
  for (const purpose of [1, 5, 6]) assert.equal(tc.purposeConsents.has(purpose), true, `purpose ${purpose}`);
  for (const purpose of [2, 3, 4, 7, 8]) assert.equal(tc.purposeConsents.has(purpose), false, `purpose ${purpose}`);
  assert.equal(tc.vendorConsents.has(10), false);
  assert.deepEqual(log.filter((e) => e.kind === 'foreign'), []);
  await context.close();
});

test('Global Privacy Control, by header and by navigator: Accept all leaves sale and sharing off', async () => {
  const context = await newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  const log = await hermetic(context, {
    pages: { '/partner': page('Partner', `<iframe id="partner" title="Partner" src="https://frames.example.org/gpp" width="300" height="50"></iframe>`) },
  });
  await context.route('https://frames.example.org/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: FRAME }));
  const p = await context.newPage();
  await p.goto(`${SHOP}/partner`);
  await p.click(button('accept_all'));
  await until(p, () => (window.tagsRan || []).length === 1);
  // Analytics ran; the ad tag (sharing) did not.
  assert.deepEqual(await p.evaluate(() => window.tagsRan), [ANALYTICS_HOST]);
  assert.deepEqual(log.filter((e) => e.kind === 'tag').map((e) => e.host), [ANALYTICS_HOST]);
  const visitor = await visitorOf(context);
  const reasons = await decisions(visitor);
  assert.equal(reasons.product_analytics, 'granted');
  assert.notEqual(reasons.ad_targeting, 'granted');
  assert.ok((await history(visitor)).some((e) => e.action === 'signal' && e.channel === 'gpc'));
  // The GPP string, read over postMessage, decoded by the IAB's library.
  const frame = await frameOf(p);
  const ping = await frame.evaluate(() => window.ask('__gpp', 'ping'));
  assert.equal(ping.success, true);
  const gpp = new GppModel(ping.returnValue.gppString);
  assert.equal(gpp.getFieldValue('usnat', 'Gpc'), true);
  assert.equal(gpp.getFieldValue('usnat', 'SharingOptOut'), 1);  // 1: opted out
  assert.equal(gpp.getFieldValue('usnat', 'TargetedAdvertisingOptOut'), 1);
  await context.close();
});

test('no Content-Security-Policy violation and no layout shift, from the banner to a choice', async () => {
  const context = await newContext();
  await context.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    window.shift = 0;
    new PerformanceObserver((l) => l.getEntries().forEach((e) => { window.shift += e.value; }))
      .observe({ type: 'layout-shift', buffered: true });
  });
  const log = await hermetic(context);
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.waitForSelector(button('choose'));
  await p.click(button('choose'));
  await p.waitForSelector('#optin-embed dialog[open]');
  await p.keyboard.press('Escape');
  await p.click(button('accept_all'));
  await until(p, () => (window.tagsRan || []).length === 2);
  await p.waitForTimeout(300);
  assert.deepEqual(await p.evaluate(() => window.violations), []);
  assert.deepEqual(log.filter((e) => e.kind === 'csp'), []);
  assert.equal(await p.evaluate(() => window.shift), 0);
  // Nothing of the embed is styled inline or by a <style> in the page.
  assert.equal(await p.evaluate(() => document.querySelectorAll('style, [style]').length), 0);
  await context.close();
});

for (const [locale, lang] of [['en-US', 'en'], ['ja-JP', 'ja']]) {
  test(`the banner and the dialog pass axe (${lang})`, async () => {
    const context = await newContext({ locale });
    await hermetic(context, { pages: { '/': page('Shop', '', lang) } });
    const p = await context.newPage();
    await p.goto(`${SHOP}/`);
    await p.waitForSelector(button('accept_all'));
    const texts = await p.locator('#optin-embed .banner button').allTextContents();
    assert.deepEqual(texts, lang === 'ja' ? ['すべて同意する', 'すべて拒否する', '選択する'] : ['Accept all', 'Reject all', 'Choose']);
    let result = await new AxeBuilder({ page: p }).include('#optin-embed').analyze();
    assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), []);
    await p.click(button('choose'));
    await p.waitForSelector('#optin-embed dialog[open]');
    result = await new AxeBuilder({ page: p }).include('#optin-embed').analyze();
    assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), []);
    await context.close();
  });
}

test('keyboard only: Accept, Reject and Choose in reading order, Escape closes, focus comes back', async () => {
  const context = await newContext();
  await hermetic(context);
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.waitForSelector(button('accept_all'));
  const focused = () => p.evaluate(() => {
    const a = document.activeElement;
    const inner = a && a.shadowRoot ? a.shadowRoot.activeElement : null;
    return inner ? inner.getAttribute('data-action') || inner.className : a.textContent.trim();
  });
  const order = [];
  for (let i = 0; i < 12 && order.length < 3; i++) {
    await p.keyboard.press('Tab');
    const f = await focused();
    if (['accept_all', 'reject_all', 'choose'].includes(f)) order.push(f);
  }
  assert.deepEqual(order, ['accept_all', 'reject_all', 'choose']);
  await p.keyboard.press('Enter');
  await p.waitForSelector('#optin-embed dialog[open]');
  await p.keyboard.press('Escape');
  await p.waitForSelector('#optin-embed dialog:not([open])', { state: 'attached' });
  for (let i = 0; i < 20 && (await focused()) !== 'choose'; i++) await p.waitForTimeout(50);
  assert.equal(await focused(), 'choose');
  // And a choice by keyboard alone.
  await p.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'reject_all');
  await p.keyboard.press('Enter');
  await until(p, () => document.cookie.includes('optin_state='));
  assert.equal((await decisions(await visitorOf(context))).product_analytics, 'withdrawn');
  await context.close();
});

test('withdrawal from any page removes the tags\' cookies and storage, tells Consent Mode, and reloads', async () => {
  const context = await newContext();
  const log = await hermetic(context);
  const p = await context.newPage();
  await p.goto(`${SHOP}/deep/path/page`);
  await p.click(button('accept_all'));
  await until(p, () => (window.tagsRan || []).length === 2);
  // What tags leave behind, on the parent domain, the page's host and deeper paths.
  await context.addCookies([
    { name: '_ea_id', value: 'a', domain: '.shop.example', path: '/', secure: true },
    { name: '_ea_session_7', value: 'b', domain: 'www.shop.example', path: '/deep', secure: true },
    { name: '_ea_session_9', value: 'c', domain: '.shop.example', path: '/deep/path', secure: true },
    { name: 'cart', value: 'keep', domain: 'www.shop.example', path: '/', secure: true },
    { name: '_ean', value: 'server', domain: '.shop.example', path: '/', secure: true, httpOnly: true },
  ]);
  await p.evaluate(() => { localStorage.setItem('ea_queue', '[1]'); localStorage.setItem('basket', '2'); });
  await p.evaluate(() => window.optin.show());
  await p.waitForSelector('#optin-embed dialog[open]');
  // The HttpOnly cookie is out of the page's reach: said so, not pretended away.
  const note = await p.locator('#optin-embed dialog p.note', { hasText: 'cannot remove' }).textContent();
  assert.match(note, /expire on their own: _ean$/);
  const tags = log.filter((e) => e.kind === 'tag').length;
  await Promise.all([p.waitForEvent('load'), p.click('#optin-embed dialog button[data-action="withdraw"]')]);
  await until(p, () => window.optin && window.optin._.ui === true);
  const names = (await context.cookies(SHOP + '/deep/path/page')).map((c) => `${c.name}=${c.value}`).sort();
  assert.ok(!names.some((n) => /^_ea_id=|^_ea_session_/.test(n)), names.join(' '));
  assert.ok(names.includes('cart=keep'));
  assert.ok(names.includes('_ean=server'));
  assert.equal(await p.evaluate(() => localStorage.getItem('ea_queue')), null);
  assert.equal(await p.evaluate(() => localStorage.getItem('basket')), '2');
  // Consent Mode: every type that needs consent denied; what the service's
  // necessary purposes use stays granted.
  const consent = await p.evaluate(() => [...window.dataLayer.filter((e) => e[0] === 'consent').pop()]);
  assert.deepEqual(consent[2], {
    ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied',
    functionality_storage: 'granted', personalization_storage: 'denied', security_storage: 'granted',
  });
  assert.equal(log.filter((e) => e.kind === 'tag').length, tags);
  const reasons = await decisions(await visitorOf(context));
  assert.equal(reasons.ad_targeting, 'withdrawn');
  assert.equal(reasons.product_analytics, 'withdrawn');
  await context.close();
});

test('an embedded frame waits behind a placeholder of its own size: load once, or always allow', async () => {
  const context = await newContext();
  const frame = `<iframe id="video" title="Product video" data-consent="ad_targeting" data-src="https://${ADS_HOST}/player" width="320" height="180"></iframe>`;
  const log = await hermetic(context, { pages: { '/video': page('Video', frame) } });
  const p = await context.newPage();
  await p.goto(`${SHOP}/video`);
  await p.waitForSelector(button('accept_all'));
  const placeholder = p.frameLocator('#video');
  await placeholder.locator('button[data-action="load_once"]').waitFor();
  assert.match(await placeholder.locator('p').textContent(), new RegExp(`${ADS_HOST.replace(/\./g, '\\.')}.*Personalized ads`));
  const box = await p.locator('#video').boundingBox();
  assert.deepEqual([box.width, box.height], [324, 184]);  // 320 x 180 and the default border
  assert.deepEqual(log.filter((e) => e.kind === 'tag'), []);
  // Load once: this frame, this time; nothing recorded.
  await placeholder.locator('button[data-action="load_once"]').click();
  await until(p, () => document.querySelector('iframe[data-optin-revived]') !== null);
  assert.deepEqual(await p.locator('#video').boundingBox(), box);
  for (let i = 0; i < 100 && !log.some((e) => e.kind === 'tag' && e.url.endsWith('/player')); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(log.filter((e) => e.kind === 'tag' && e.url.endsWith('/player')).length, 1);
  assert.equal(await visitorOf(context), undefined);
  // Always allow (after a reload): the purpose is granted, and only it.
  await p.reload();
  await placeholder.locator('button[data-action="always_allow"]').click();
  await until(p, () => document.querySelector('iframe[data-optin-revived]') !== null);
  const reasons = await decisions(await visitorOf(context));
  assert.equal(reasons.ad_targeting, 'granted');
  assert.equal(reasons.product_analytics, 'no_consent');
  await context.close();
});

test('a tag of a declared host added without its markup is kept inert and reported', async () => {
  const context = await newContext();
  const log = await hermetic(context, { pages: { '/late': page('Late tags', '<script src="/late.js"></script>') } });
  await context.route(`${SHOP}/late.js`, (route) => route.fulfill({
    contentType: 'text/javascript',
    // What a tag snippet does: a script element given its address in code,
    // once the page is up.
    body: `document.addEventListener('optin:blocked', (e) => (window.reported = (window.reported || []).concat(e.detail.purpose)));
window.optin.ready(() => {
  const s = document.createElement('script');
  s.src = 'https://${ADS_HOST}/late.js';
  document.head.appendChild(s);
  window.injected = true;
});`,
  }));
  const p = await context.newPage();
  await p.goto(`${SHOP}/late`);
  await until(p, () => window.injected === true);
  await p.waitForTimeout(300);
  assert.deepEqual(log.filter((e) => e.kind === 'tag'), []);
  assert.deepEqual(await p.evaluate(() => window.reported), ['ad_targeting']);
  assert.deepEqual(await p.evaluate(() => window.optin.blocked.map((b) => b.src)), [`https://${ADS_HOST}/late.js`]);
  // Once allowed, the kept tag runs.
  await p.click(button('accept_all'));
  await until(p, () => (window.tagsRan || []).filter((h) => h === 'ads.example.net').length === 2);
  await context.close();
});

test('window.optin: ready, get, onChange, show and withdraw, with DOM and dataLayer events', async () => {
  const context = await newContext();
  await hermetic(context);
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.evaluate(() => window.optin.ready());
  assert.equal(await p.evaluate(() => window.optin.get('product_analytics')), false);
  assert.equal(await p.evaluate(() => window.optin.get('no_such_purpose')), false);
  await p.evaluate(() => {
    window.changes = [];
    window.optin.onChange((purposes) => window.changes.push({ ...purposes }));
    document.addEventListener('optin:change', (e) => window.changes.push({ dom: e.detail.ad_targeting }));
  });
  await p.evaluate(() => window.optin.show());
  await p.waitForSelector('#optin-embed dialog[open]');
  // Nothing is pre-checked.
  assert.deepEqual(await p.$$eval('#optin-embed dialog input[type=checkbox]', (all) => all.map((c) => c.checked)),
    [false, false, false]);
  await p.check('#optin-embed dialog input[name="ad_targeting"]');
  await p.click('#optin-embed dialog button[data-action="save"]');
  await until(p, () => window.optin.get('ad_targeting') === true);
  const changes = await p.evaluate(() => window.changes);
  assert.ok(changes.some((c) => c.ad_targeting === true && c.product_analytics === false), JSON.stringify(changes));
  assert.ok(changes.some((c) => c.dom === true));
  const updates = await p.evaluate(() => window.dataLayer.filter((e) => e.event === 'optin_update').map((e) => e.optin));
  assert.equal(updates.at(-1).ad_targeting, true);
  await Promise.all([p.waitForEvent('load'), p.evaluate(() => window.optin.withdraw())]);
  await p.evaluate(() => window.optin.ready());
  assert.equal(await p.evaluate(() => window.optin.get('ad_targeting')), false);
  await context.close();
});

test('a config that fails, or a loader without a property, leaves everything denied and throws nothing', async () => {
  const context = await newContext();
  const pages = {
    '/noprop': page('No property').replace(' data-property="shop"', ''),
    '/unknown': page('Unknown').replace('data-property="shop"', 'data-property="nosuch"'),
  };
  const log = await hermetic(context, { pages });
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  for (const path of ['/noprop', '/unknown']) {
    await p.goto(`${SHOP}${path}`);
    await p.waitForTimeout(500);
    assert.equal(await p.evaluate(() => window.optin.get('product_analytics')), false);
    assert.equal(await p.$('#optin-embed'), null);
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(log.filter((e) => e.kind === 'tag'), []);
  await context.close();
});

test('under a nonce policy with Trusted Types enforced, marked inline and external scripts run once allowed', async () => {
  const context = await newContext();
  await context.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const strict = "script-src 'nonce-r4nd0m' 'strict-dynamic'; style-src 'self' " + CONSENT + '; ' +
    "require-trusted-types-for 'script'; trusted-types optin; object-src 'none'; base-uri 'none'";
  const body = page('Strict', '<script type="text/plain" data-consent="personalized_offers" nonce="r4nd0m">window.inlineRan = true;</script>')
    .replaceAll('<script ', '<script nonce="r4nd0m" ');
  const log = await hermetic(context, { pages: { '/strict': body }, csp: strict });
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${SHOP}/strict`);
  await p.click(button('accept_all'));
  await until(p, () => window.inlineRan === true && (window.tagsRan || []).length === 2);
  assert.deepEqual(await p.evaluate(() => window.violations), []);
  assert.deepEqual(errors, []);
  assert.equal(log.filter((e) => e.kind === 'tag').length, 2);
  await context.close();
});

test('the config is cacheable: the same ETag answers 304, and another language is another answer', async () => {
  const first = await fetch(`${base}/v1/embed/shop/config?lang=en`, { headers: { Origin: SHOP } });
  assert.equal(first.status, 200);
  const etag = first.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  assert.match(first.headers.get('cache-control'), /public, max-age=\d+/);
  assert.equal(first.headers.get('access-control-allow-origin'), SHOP);
  const again = await fetch(`${base}/v1/embed/shop/config?lang=en`, { headers: { Origin: SHOP, 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  const ja = await fetch(`${base}/v1/embed/shop/config?lang=ja-JP`, { headers: { Origin: SHOP, 'If-None-Match': etag } });
  assert.equal(ja.status, 200);
  assert.equal((await ja.json()).locale, 'ja');
  // The loader's bytes are stable and served for Subresource Integrity.
  const loader = await fetch(`${base}/v1/embed/loader.js`);
  assert.equal(loader.headers.get('access-control-allow-origin'), '*');
  const bytes = await loader.text();
  assert.equal(bytes, readFileSync(join(here, '../../web/embed/loader.js'), 'utf8'));
  const ui = (await (await fetch(`${base}/v1/embed/shop/config`)).json()).ui.script;
  assert.match((await fetch(base + ui)).headers.get('cache-control'), /immutable/);
  assert.equal((await fetch(`${base}/v1/embed/ui.00000000.js`)).status, 404);
});

test('TCF and GPP listeners hear the banner shown and the choice made', async () => {
  const context = await newContext();
  await context.addInitScript(() => {
    window.events = [];
    const listen = () => {
      window.__tcfapi('addEventListener', 2, (data, ok) => ok && window.events.push(`tcf:${data.eventStatus}`));
      window.__gpp('addEventListener', (data, ok) => ok && window.events.push(`gpp:${data.eventName}`));
    };
    // As a tag in the page would: once the stubs exist.
    document.addEventListener('DOMContentLoaded', listen);
  });
  await hermetic(context);
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.click(button('reject_all'));
  await until(p, () => window.events.includes('tcf:useractioncomplete'));
  const events = await p.evaluate(() => window.events);
  assert.ok(events.includes('tcf:cmpuishown'), events.join(' '));
  assert.ok(events.includes('gpp:listenerRegistered'), events.join(' '));
  assert.ok(events.indexOf('tcf:cmpuishown') < events.indexOf('tcf:useractioncomplete'), events.join(' '));
  // getTCData after the choice carries the server's string.
  const tc = await p.evaluate(() => new Promise((r) => window.__tcfapi('getTCData', 2, (d) => r(d.tcString))));
  assert.equal(TCString.decode(tc).purposeConsents.size, 0);
  await context.close();
});

test('a choice that cannot be delivered for a day says so in the dialog instead of pretending', async () => {
  const context = await newContext();
  const log = await hermetic(context, { blockChoices: () => true });
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.click(button('reject_all'));
  // The outbox entry, made to look a day and a minute old.
  await p.evaluate(() => {
    const box = JSON.parse(localStorage.getItem('optin.outbox.shop'));
    box[0].t -= 86460000;
    localStorage.setItem('optin.outbox.shop', JSON.stringify(box));
  });
  await p.reload();
  await p.evaluate(() => window.optin.show());
  await p.waitForSelector('#optin-embed dialog[open]');
  assert.match(await p.textContent('#optin-embed dialog'), /could not be recorded for more than a day/);
  assert.ok(log.filter((e) => e.kind === 'choice-lost').length >= 2);
  await context.close();
});

test('a visitor who signs in is linked to their account: nothing merged, the account\'s choices shown and kept', async () => {
  const context = await newContext();
  cli('grant', 'customer-77', 'personalized_offers');
  // The shop's backend: at sign-in it links the browser's visitor to the
  // account with its write key and passes the cookies on.
  const writeKey = cli('key', 'create', '--scope', 'write', '--name', 'shop-backend');
  const log = await hermetic(context);
  await context.route(`${SHOP}/signin`, async (route) => {
    const cookie = (await route.request().allHeaders()).cookie ?? '';
    const visitor = decodeURIComponent(cookie.match(/optin_vid=([^;]+)/)[1]);
    const res = await fetch(`${base}/v1/subjects/customer-77/link-visitor`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${writeKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ visitor, property: 'shop' }),
    });
    assert.equal(res.status, 200);
    const linked = await res.json();
    log.push({ kind: 'linked', erased: linked.visitor_erased, visitor });
    await route.fulfill({
      contentType: 'text/html',
      headers: { 'Set-Cookie': linked.set_cookies.join('\n') },
      body: '<!doctype html><title>Signed in</title><p>Welcome back.</p>',
    });
  });
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.click(button('accept_all'));
  await until(p, () => (window.tagsRan || []).length === 2);
  await p.goto(`${SHOP}/signin`);
  await p.goto(`${SHOP}/`);
  await until(p, () => window.optin && window.optin._.ui === true);
  const linked = log.find((e) => e.kind === 'linked');
  assert.equal(linked.erased, true);
  assert.equal((await decisions(linked.visitor)).ad_targeting, 'no_consent');
  // The account's choice shows: personalized offers only, no tag of its own.
  assert.equal(await p.evaluate(() => window.optin.get('personalized_offers')), true);
  assert.equal(await p.evaluate(() => window.optin.get('ad_targeting')), false);
  assert.equal(await p.evaluate(() => window.tagsRan), undefined);
  // A choice from here on is the account's.
  await p.evaluate(() => window.optin.show());
  await p.check('#optin-embed dialog input[name="product_analytics"]');
  await p.click('#optin-embed dialog button[data-action="save"]');
  await until(p, () => (window.tagsRan || []).length === 1);
  const reasons = await decisions('customer-77');
  assert.equal(reasons.product_analytics, 'granted');
  assert.equal(reasons.personalized_offers, 'granted');
  await context.close();
});

// Last: it publishes a new notice.
test('a yes given to notices that changed meanwhile is not recorded; the page shows the new ones', async () => {
  const context = await newContext();
  const log = await hermetic(context);
  const p = await context.newPage();
  await p.goto(`${SHOP}/`);
  await p.waitForSelector(button('accept_all'));
  // While the visitor reads, the company changes what ads do with the data.
  const changed = catalog().replace('so that you see ads that match your interests.',
    'so that you see ads that match your interests, and to measure them.');
  writeFileSync(join(dir, 'catalog2.yaml'), changed);
  cli('catalog', 'publish', join(dir, 'catalog2.yaml'));
  await Promise.all([p.waitForEvent('load'), p.click(button('accept_all'))]);
  await until(p, () => window.optin && window.optin._.ui === true);
  assert.ok(log.some((e) => e.kind === 'choice' && e.status === 409));
  assert.deepEqual(log.filter((e) => e.kind === 'tag'), []);
  // Reloaded: the banner asks again, under the new notices.
  await p.waitForSelector(button('accept_all'));
  assert.equal(await visitorOf(context), undefined);
  await p.click(button('accept_all'));
  await until(p, () => (window.tagsRan || []).length === 2);
  assert.equal((await decisions(await visitorOf(context))).ad_targeting, 'granted');
  await context.close();
});
