// The website embed beside two other consent managers, cookieconsent v3
// (vanilla-cookieconsent) and Klaro, on the same hermetic page in Debian's
// Chromium: each blocks the same two tags (analytics and ads) by markup, the
// visitor accepts all once, then the page is loaded again ROUNDS times. For
// each load: the bytes the consent manager needed (each response gzipped at
// level 6, as a server sends them) and the time from navigation to the
// first consented tag running (the moment a return visitor's choice is in
// effect). Prints the medians and the ratios optin / peer.
//
// Usage: node bench/embed_bench.mjs OPTIN_BINARY [ROUNDS]   (bench/embed_bench.sh installs the peers)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../tests/browser/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const optin = process.argv[2];
const rounds = Number(process.argv[3] ?? 15);
if (!optin) throw new Error('usage: node bench/embed_bench.mjs OPTIN_BINARY [ROUNDS]');

const SHOP = 'https://www.shop.example';
const CONSENT = 'https://consent.shop.example';
const peers = join(here, 'node/node_modules');

// The optin server on loopback, the demo catalog with the hermetic shop's origin.
const dir = mkdtempSync(join(tmpdir(), 'optin-embed-bench-'));
const db = join(dir, 'optin.db');
const cli = (...args) => execFileSync(optin, ['--db', db, ...args], { encoding: 'utf8' });
writeFileSync(join(dir, 'catalog.yaml'), readFileSync(join(here, '../src/catalog/demo_catalog.yaml'), 'utf8')
  .replace('origins: [http://127.0.0.1:8080]', `origins: [${SHOP}]`)
  .replace('cookie_domain: 127.0.0.1', 'cookie_domain: shop.example'));
cli('init');
cli('catalog', 'publish', join(dir, 'catalog.yaml'));
const server = spawn(optin, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--no-usage'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
    if (m) resolve(m[0]);
  });
});

const tags = `<script type="text/plain" %A data-src="https://analytics.example.com/ea.js"></script>
<script type="text/plain" %B data-src="https://ads.example.net/tag.js"></script>`;
const body = '<main><h1>Shop</h1><p>Fresh bread and coffee beans, delivered.</p></main>';

// Each consent manager: its page, its files, and how a visitor accepts all
// (optin by its button; the others by their own API, which does the same).
const managers = {
  optin: {
    head: `<script src="${CONSENT}/v1/embed/loader.js" data-property="shop"></script>` +
      tags.replace('%A', 'data-consent="product_analytics"').replace('%B', 'data-consent="ad_targeting"'),
    files: {},
    accept: (p) => p.click('#optin-embed .banner button[data-action="accept_all"]'),
  },
  cookieconsent: {
    head: `<link rel="stylesheet" href="/cc/cookieconsent.css">` +
      tags.replace('%A', 'data-category="analytics"').replace('%B', 'data-category="ads"') +
      '<script src="/cc/cookieconsent.umd.js"></script><script src="/cc/init.js"></script>',
    files: {
      '/cc/cookieconsent.css': join(peers, 'vanilla-cookieconsent/dist/cookieconsent.css'),
      '/cc/cookieconsent.umd.js': join(peers, 'vanilla-cookieconsent/dist/cookieconsent.umd.js'),
      // hideFromBots: false, or it takes the driven browser for a bot and does nothing.
      '/cc/init.js': `CookieConsent.run({hideFromBots: false,
  categories: {necessary: {enabled: true, readOnly: true}, analytics: {}, ads: {}},
  language: {default: 'en', translations: {en: {
    consentModal: {title: 'Your choice', description: 'We use data for these purposes only if you agree.',
      acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all', showPreferencesBtn: 'Choose'},
    preferencesModal: {title: 'Privacy choices', acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all',
      savePreferencesBtn: 'Save my choices', sections: [
        {title: 'Product analytics', description: 'How you use the app.', linkedCategory: 'analytics'},
        {title: 'Personalized ads', description: 'Ads that match your interests.', linkedCategory: 'ads'}]}}}}});`,
    },
    accept: async (p) => {
      await p.waitForFunction(() => window.CookieConsent && window.CookieConsent.getConfig('categories'));
      await p.evaluate(() => window.CookieConsent.acceptCategory('all'));
    },
  },
  klaro: {
    head: '<script defer src="/klaro/config.js"></script><script defer src="/klaro/klaro.js"></script>' +
      tags.replace('%A', 'data-type="text/javascript" data-name="analytics"')
        .replace('%B', 'data-type="text/javascript" data-name="ads"'),
    files: {
      '/klaro/klaro.js': join(peers, 'klaro/dist/klaro.js'),
      '/klaro/config.js': `window.klaroConfig = {lang: 'en', mustConsent: false, acceptAll: true, services: [
  {name: 'analytics', title: 'Product analytics', purposes: ['analytics']},
  {name: 'ads', title: 'Personalized ads', purposes: ['marketing']}]};`,
    },
    accept: async (p) => {
      await p.waitForFunction(() => window.klaro && window.klaro.getManager);
      await p.evaluate(() => {
        const manager = window.klaro.getManager();
        manager.changeAll(true);
        manager.saveAndApplyConsents();
      });
    },
  },
};

// The tags say when they ran.
const tagBody = 'window.tagAt = window.tagAt || performance.now();';

async function measure(browser, name) {
  const m = managers[name];
  const context = await browser.newContext({ locale: 'en-US' });
  let bytes = 0;
  const cache = new Map();
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    let text, type;
    if (url.origin === SHOP && url.pathname === '/') {
      return route.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>${m.head}</head><body>${body}</body></html>` });
    }
    if (url.origin === SHOP && m.files[url.pathname]) {
      const f = m.files[url.pathname];
      text = f.startsWith('/') ? readFileSync(f) : Buffer.from(f);
      type = url.pathname.endsWith('.css') ? 'text/css' : 'text/javascript';
      bytes += gzipSync(text, { level: 6 }).length;
      return route.fulfill({ contentType: type, body: text });
    }
    if (url.origin === CONSENT) {
      // The embed's files and config are static for a page: kept here after
      // the first fetch, as the peers' files are read from disk (a CDN would
      // do the same). Choices go to the server.
      const key = route.request().method() + ' ' + url.pathname + url.search;
      let kept = cache.get(key);
      if (!kept) {
        const response = await route.fetch({ url: base + url.pathname + url.search });
        kept = { status: response.status(), headers: response.headers(), body: await response.body() };
        if (route.request().method() === 'GET') cache.set(key, kept);
      }
      bytes += gzipSync(kept.body, { level: 6 }).length;
      return route.fulfill(kept);
    }
    if (url.hostname === 'analytics.example.com' || url.hostname === 'ads.example.net') {
      return route.fulfill({ contentType: 'text/javascript', body: tagBody });
    }
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  await page.goto(`${SHOP}/`);
  await m.accept(page);
  await page.waitForFunction(() => window.tagAt !== undefined, null, { timeout: 10000 });
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    bytes = 0;
    await page.reload();
    await page.waitForFunction(() => window.tagAt !== undefined, null, { timeout: 10000 });
    samples.push({ bytes, ready: await page.evaluate(() => window.tagAt) });
  }
  await context.close();
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { bytes: median(samples.map((s) => s.bytes)), ready: median(samples.map((s) => s.ready)) };
}

const browser = await launchChromium();
const results = {};
try {
  for (const name of Object.keys(managers)) results[name] = await measure(browser, name);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
console.log(`rounds: ${rounds} return visits each; bytes gzipped (level 6); ready = first consented tag runs`);
console.log('manager        bytes  ready_ms');
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(13)} ${String(r.bytes).padStart(6)}  ${r.ready.toFixed(1).padStart(8)}`);
}
for (const peer of ['cookieconsent', 'klaro']) {
  console.log(`optin / ${peer}: bytes ${(results.optin.bytes / results[peer].bytes).toFixed(3)}, ` +
    `time to ready ${(results.optin.ready / results[peer].ready).toFixed(3)}`);
}
