// Browser tests of the preference center: Debian Chromium driven by
// playwright-core, the page served by a real `optin serve` on loopback.
// Run by ctest (tests/CMakeLists.txt) with OPTIN_BINARY set.
import { test, before, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optin, optinCli, startOptinServer } from '../support/optin_process.mjs';
import { launchChromium } from './chromium.mjs';
import AxeBuilder from '@axe-core/playwright';

let dir, db, server, base, adminKey, browser;

function cli(...args) {
  return optinCli(db, ...args);
}

async function startServer() {
  ({ server, base } = await startOptinServer(db));
  return base;
}

async function check(subject, purpose) {
  const res = await fetch(`${base}/v1/check`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ subject, purpose }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

function link(subject) {
  return cli('link', subject, '--base-url', base, '--ttl', 'PT1H');
}

// The fewest clicks the page needs to bring a purpose to `goal` (a
// decision reason), measured rather than assumed: every visible control of
// the page that could touch the purpose (those of its card, and those
// outside every card) is tried on its own, each on the page loaded afresh for a fresh
// subject (prepared by `setup`); one that reaches the goal counts as a
// one-click way. Returns 1, or Infinity when no single click does.
let attempts = 0;
const kControls = 'button:visible, a[href]:visible, [role="button"]:visible';
async function fewestClicks(locale, purpose, goal, setup) {
  const subjectFor = () => `clicks-${goal}-${purpose}-${++attempts}`;
  const probe = await browser.newContext({ locale });
  const page = await probe.newPage();
  let subject = subjectFor();
  setup(subject);
  await page.goto(link(subject));
  await page.waitForSelector(`section.purpose[data-purpose="${purpose}"] button.choice-yes`);
  // The card's own controls first: the search ends at the first that works.
  const controls = await page.locator(kControls).evaluateAll((all, id) => {
    const card = all.flatMap((c, i) => (c.closest('section.purpose')?.dataset.purpose === id ? [i] : []));
    const page = all.flatMap((c, i) => (c.closest('section.purpose') ? [] : [i]));
    return [...card, ...page];
  }, purpose);
  // A confirmation would be a second action: it is declined.
  page.on('dialog', (d) => d.dismiss());
  try {
    for (const i of controls) {
      subject = subjectFor();
      setup(subject);
      await page.goto(link(subject));
      await page.waitForSelector(`section.purpose[data-purpose="${purpose}"] button.choice-yes`);
      try {
        await page.locator(kControls).nth(i).click({ timeout: 2000, noWaitAfter: true });
      } catch {
        continue;
      }
      for (let wait = 0; wait < 6; wait++) {
        if ((await check(subject, purpose)).reason === goal) return 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return Infinity;
  } finally {
    await probe.close();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optin-browser-'));
  db = join(dir, 'optin.db');
  cli('init', '--demo');
  adminKey = cli('key', 'create', '--scope', 'admin', '--name', 'browser-test');
  base = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('granting and withdrawing take the same clicks and take effect at once (English)', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(link('web-customer-1'));
  const card = 'section.purpose[data-purpose="ad_targeting"]';
  await page.waitForSelector(`${card} button.choice-yes`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  // Nothing is pre-selected.
  assert.equal(await page.getAttribute(`${card} button.choice-yes`, 'aria-pressed'), 'false');
  assert.equal(await page.getAttribute(`${card} button.choice-no`, 'aria-pressed'), 'false');
  assert.equal((await check('web-customer-1', 'ad_targeting')).reason, 'no_consent');

  await page.click(`${card} button.choice-yes`);
  await page.waitForSelector(`${card} button.choice-yes[aria-pressed="true"]`);
  // The page says the choice was saved (the live region is filled a moment
  // after it is cleared, so that a repeated message is announced again).
  await page.waitForSelector('#status:not(:empty)');
  assert.match(await page.textContent('#status'), /\S/);
  assert.deepEqual(await check('web-customer-1', 'ad_targeting'), { allowed: true, reason: 'granted', event: 2 });
  // How long the yes lasts comes from the server (`expires_at`, a year on).
  await page.waitForSelector(`${card} .current-until:not([hidden])`);
  const nextYear = String(new Date().getUTCFullYear() + 1);
  assert.match(await page.textContent(`${card} .current-until`), new RegExp(`^Your yes lasts until .*${nextYear}\\.$`));

  await page.click(`${card} button.choice-no`);
  await page.waitForSelector(`${card} button.choice-no[aria-pressed="true"]`);
  const d = await check('web-customer-1', 'ad_targeting');
  assert.equal(d.allowed, false);
  assert.equal(d.reason, 'withdrawn');

  // The history shows both, and the whole record can be downloaded.
  await page.waitForSelector('#history tbody tr:nth-child(2)');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(download.suggestedFilename(), /\.json$/);
  await context.close();
});

test('saying no takes exactly as few clicks as saying yes, measured on the page', async () => {
  for (const locale of ['en-US', 'ja-JP']) {
    const yes = await fewestClicks(locale, 'ad_targeting', 'granted', () => {});
    const no = await fewestClicks(locale, 'ad_targeting', 'withdrawn', (s) => cli('grant', s, 'ad_targeting'));
    assert.equal(yes, 1, `${locale}: one click says yes`);
    assert.equal(no, yes, `${locale}: saying no takes as many clicks as saying yes`);
  }
});

test('withdraw everything is one click', async () => {
  const subject = 'web-customer-2';
  cli('grant', subject, 'ad_targeting', 'product_analytics');
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(link(subject));
  await page.waitForSelector('section.purpose[data-purpose="ad_targeting"] button.choice-yes[aria-pressed="true"]');
  await page.click('#withdraw-all');
  await page.waitForSelector('section.purpose[data-purpose="product_analytics"] button.choice-no[aria-pressed="true"]');
  assert.equal((await check(subject, 'ad_targeting')).reason, 'withdrawn');
  assert.equal((await check(subject, 'product_analytics')).reason, 'withdrawn');
  await context.close();
});

test('withdraw everything with no yes to take back records nothing and says so', async () => {
  const subject = 'web-customer-6';
  cli('withdraw', subject, 'ad_targeting');
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(link(subject));
  await page.waitForSelector('section.purpose[data-purpose="ad_targeting"] button.choice-no[aria-pressed="true"]');
  await page.click('#withdraw-all');
  await page.waitForSelector('#status:not(:empty)');
  assert.match(await page.textContent('#status'), /nothing to withdraw/);
  const history = JSON.parse(cli('history', subject, '--json'));
  assert.equal(history.events.length, 1, 'only the withdrawal given before');
  await context.close();
});

test('the page speaks Japanese to a Japanese browser, grants and withdraws, and switches language', async () => {
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto(link('web-customer-3'));
  const card = 'section.purpose[data-purpose="location_sharing"]';
  await page.waitForSelector(`${card} button.choice-yes`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.match(await page.textContent('#content'), /パーソナライズ広告/);
  await page.click(`${card} button.choice-yes`);
  await page.waitForSelector(`${card} button.choice-yes[aria-pressed="true"]`);
  assert.equal((await check('web-customer-3', 'location_sharing')).reason, 'granted');
  await page.click(`${card} button.choice-no`);
  await page.waitForSelector(`${card} button.choice-no[aria-pressed="true"]`);
  assert.equal((await check('web-customer-3', 'location_sharing')).reason, 'withdrawn');
  await page.click('button[data-lang="en"]');
  // (waitForSelector, not waitForFunction: the page's CSP forbids the eval
  // that waitForFunction's polling may need.)
  await page.waitForSelector('html[lang="en"]');
  await page.waitForSelector(`${card} :text("Personalized ads"), section.purpose[data-purpose="ad_targeting"] :text("Personalized ads")`);
  await context.close();
});

test('a browser sending Global Privacy Control is heard, and told before a sold-or-shared yes', async () => {
  const context = await browser.newContext({ locale: 'en-US', extraHTTPHeaders: { 'Sec-GPC': '1' } });
  const page = await context.newPage();
  const card = 'section.purpose[data-purpose="ad_targeting"]';
  await page.goto(link('gpc-customer'));
  await page.waitForSelector(`${card} button.choice-yes`);
  assert.equal((await check('gpc-customer', 'ad_targeting')).reason, 'gpc_opt_out');
  assert.equal(await page.getAttribute(`${card} button.choice-yes`, 'aria-pressed'), 'false');
  let said = '';
  page.once('dialog', async (dialog) => {
    said = dialog.message();
    await dialog.accept();
  });
  await page.click(`${card} button.choice-yes`);
  await page.waitForSelector(`${card} button.choice-yes[aria-pressed="true"]`);
  assert.match(said, /Global Privacy Control/);
  assert.equal((await check('gpc-customer', 'ad_targeting')).reason, 'granted');
  await page.waitForSelector('#history tbody tr:nth-child(2)');
  // The history tells the knowing yes from a plain one.
  await page.waitForSelector('#history tbody tr:first-child :text("knowing your browser asks sites not to sell or share")');
  await context.close();
});

test('the necessary purposes are listed apart', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(link('web-customer-4'));
  await page.waitForSelector('#necessary');
  const necessary = await page.textContent('#necessary');
  assert.match(necessary, /Billing/);
  assert.equal(await page.$$eval('#necessary button.choice-yes', (b) => b.length), 0, 'no choice to make');
  await context.close();
});

test('an expired or altered link says so', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${base}/p/not-a-real-token`);
  await page.waitForSelector('#link-error', { state: 'visible' });
  assert.match(await page.textContent('#link-error'), /expired|not valid/);
  assert.equal(await page.isVisible('#content'), false, 'no record is shown');
  await context.close();
});

test('receipts are listed, downloaded and checked in the browser; a forged one fails', async () => {
  const subject = 'web-customer-receipts';
  const context = await browser.newContext({ locale: 'en-US', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(link(subject));
  const card = 'section.purpose[data-purpose="ad_targeting"]';
  await page.waitForSelector(`${card} button.choice-yes`);
  assert.equal(await page.isVisible('#receipts-empty'), true, 'no receipts before any choice');
  await page.click(`${card} button.choice-yes`);
  const row = '#receipts-body tr:first-child';  // this customer's only receipt
  await page.waitForSelector(row);
  assert.match(await page.textContent(`${row} td:nth-child(3)`), /yes/i);

  const [receipt] = await Promise.all([page.waitForEvent('download'), page.click(`${row} button.receipt-download`)]);
  assert.match(receipt.suggestedFilename(), /^optin-receipt-\d+\.json$/);
  // The downloaded file is what `optin receipt verify` accepts.
  const file = join(dir, 'receipt-from-browser.json');
  await receipt.saveAs(file);
  const pem = join(dir, 'company.pem');
  execFileSync('sh', ['-c', `"${optin}" --db "${db}" log key --pem > "${pem}"`]);
  assert.match(execFileSync(optin, ['receipt', 'verify', file, '--key', pem], { encoding: 'utf8' }), /VALID\n$/);

  await page.click(`${row} button.receipt-verify`);
  await page.waitForSelector(`${row} .receipt-valid`);
  assert.match(await page.textContent(`${row} .receipt-check`), /^Valid: signed by Northwind Broadband's log key [0-9a-f]{16} and included in its public log of \d+ events\.$/);

  // Everything, from the server: JSON and a page.
  const [all] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(all.suggestedFilename(), /^optin-record-web-customer-receipts-\d{4}-\d{2}-\d{2}\.json$/);
  const [html] = await Promise.all([page.waitForEvent('download'), page.click('#download-page')]);
  assert.match(html.suggestedFilename(), /\.html$/);
  await context.close();

  // A receipt altered on the way is caught by the browser.
  const forged = await browser.newContext({ locale: 'en-US' });
  const page2 = await forged.newPage();
  // The API's receipts only (the page's own receipts.js module is not one).
  await page2.route((url) => url.pathname.startsWith('/v1/') && url.pathname.endsWith('/receipts'), async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.receipts[0].receipt.subject = 'someone-else';
    await route.fulfill({ response, json: body });
  });
  await page2.goto(link(subject));
  await page2.waitForSelector(row);
  await page2.click(`${row} button.receipt-verify`);
  await page2.waitForSelector(`${row} .receipt-invalid`);
  assert.equal(await page2.textContent(`${row} .receipt-check`), "Not valid: the receipt's signature does not match.");
  await forged.close();
});

test('axe finds no accessibility violations, in English and Japanese', async () => {
  for (const locale of ['en-US', 'ja-JP']) {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto(link('web-customer-5'));
    await page.waitForSelector('section.purpose[data-purpose="ad_targeting"] button.choice-yes');
    const results = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], locale);
    await context.close();
  }
});

test('an e-mail opt-out link opened in a browser asks with one button that withdraws (axe clean, EN and JA)', async () => {
  for (const [locale, subject, pressed] of [['en-US', 'mail-reader-1', 'no longer uses your data'], ['ja-JP', 'mail-reader-2', '利用しません']]) {
    cli('grant', subject, 'ad_targeting', '--channel', 'web');
    const url = cli('link', subject, '--unsubscribe', 'ad_targeting', '--base-url', base);
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto(url);
    assert.equal(await page.getAttribute('html', 'lang'), locale.slice(0, 2));
    const results = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], locale);
    // Opening the link changed nothing; the one button does it all.
    assert.equal((await check(subject, 'ad_targeting')).reason, 'granted');
    assert.equal(await page.locator('button').count(), 1);
    await page.click('button');
    await page.waitForSelector(`h1:has-text("${pressed}")`);
    assert.equal((await check(subject, 'ad_targeting')).reason, 'withdrawn');
    const after = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(after.violations.map((v) => v.id), [], `${locale}, after`);
    await context.close();
  }
});

test('after a no, the page says which recipients were told and which confirmed they stopped (axe clean, EN and JA)', async () => {
  // A store of its own whose catalog declares recipients; this node sends no
  // webhooks (its one webhook recipient stays "not told yet").
  const own = join(dir, 'recipients.db');
  const ownCli = (...args) => optinCli(own, ...args);
  ownCli('init');
  ownCli('catalog', 'publish', fileURLToPath(new URL('../testdata/catalogs/recipients.yaml', import.meta.url)));
  const admin = ownCli('key', 'create', '--scope', 'admin', '--name', 'admin');
  const { server: ownServer, base: ownBase } = await startOptinServer(own, ['--no-deliveries']);
  try {
    for (const [locale, subject, told, confirmed] of [
      ['en-US', 'reader-1', 'Not confirmed yet (due by', 'Confirmed it stopped on'],
      ['ja-JP', 'reader-2', 'まだ確認されていません', '利用をやめたことを確認'],
    ]) {
      ownCli('grant', subject, 'ads', '--channel', 'web');
      const context = await browser.newContext({ locale });
      const page = await context.newPage();
      await page.goto(optinCli(own, 'link', subject, '--base-url', ownBase, '--ttl', 'PT1H'));
      const card = 'section.purpose[data-purpose="ads"]';
      await page.click(`${card} button.choice-no`);
      const exchange = `${card} li.told-item[data-recipient="example_exchange"]`;
      await page.waitForSelector(exchange);
      assert.ok((await page.textContent(exchange)).includes(told), await page.textContent(exchange));
      const ads = await page.textContent(`${card} li.told-item[data-recipient="example_ads"]`);
      assert.ok(ads.includes(locale === 'en-US' ? 'Not told yet' : 'まだお知らせできていません'), ads);
      const results = await new AxeBuilder({ page }).analyze();
      assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], locale);
      // The exchange confirms; the page, opened again, says so.
      const deliveries = await (await fetch(`${ownBase}/v1/subjects/${subject}/deliveries`, {
        headers: { Authorization: `Bearer ${admin}` },
      })).json();
      const withdrawal = deliveries.deliveries.find((d) => d.recipient === 'example_exchange' && d.action === 'withdraw');
      const ack = await fetch(`${ownBase}/v1/recipients/example_exchange/acks`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ acks: [{ delivery: withdrawal.delivery, action: 'stopped' }] }),
      });
      assert.equal(ack.status, 200);
      await page.reload();
      await page.waitForSelector(exchange);
      assert.ok((await page.textContent(exchange)).includes(confirmed), await page.textContent(exchange));
      // The history has them too: whom we told, and who confirmed.
      const history = await page.textContent('#history-body');
      const [toldRow, confirmedRow] = locale === 'en-US'
        ? ['We told Example Exchange: You said no', 'Example Exchange confirmed it stopped']
        : ['エグザンプル取引所にお知らせしました', 'エグザンプル取引所が利用をやめたことを確認しました'];
      assert.ok(history.includes(toldRow), history);
      assert.ok(history.includes(confirmedRow), history);
      // The withdrawal's receipt now says who was told and who confirmed,
      // and the page still finds it valid.
      const row = '#receipts-body tr:first-child';
      await page.click(`${row} button.receipt-verify`);
      await page.waitForSelector(`${row} .receipt-valid`);
      await context.close();
    }
  } finally {
    ownServer.kill('SIGTERM');
  }
});

test('the page says who used the customer\'s data, for what, on how many days (axe clean, EN and JA)', async () => {
  const own = join(dir, 'usage.db');
  const ownCli = (...args) => optinCli(own, ...args);
  ownCli('init');
  ownCli('catalog', 'publish', fileURLToPath(new URL('../testdata/catalogs/recipients.yaml', import.meta.url)));
  const admin = ownCli('key', 'create', '--scope', 'admin', '--name', 'admin');
  const ads = ownCli('key', 'create', '--scope', 'recipient:example_ads', '--name', 'example-ads');
  const { server: ownServer, base: ownBase } = await startOptinServer(own, ['--no-deliveries']);
  const call = async (method, path, key, body) => {
    const res = await fetch(`${ownBase}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.equal(res.status, 200, `${method} ${path}`);
    return res.json();
  };
  try {
    for (const [locale, subject, expected] of [
      ['en-US', 'user-1', 'Example Ads used your data (Clicks) for Personalized ads on 1 day in '],
      ['ja-JP', 'user-2', 'エグザンプル広告は、'],
    ]) {
      ownCli('grant', subject, 'ads', '--channel', 'web');
      // The ad network asks before it uses the data (its key says who it is).
      assert.equal((await call('POST', '/v1/check', ads, { subject, purpose: 'ads' })).reason, 'granted');
      for (let i = 0; i < 50; i++) {
        if ((await call('GET', `/v1/subjects/${subject}/usage`, admin)).usage.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const context = await browser.newContext({ locale });
      const page = await context.newPage();
      await page.goto(optinCli(own, 'link', subject, '--base-url', ownBase, '--ttl', 'PT1H'));
      await page.waitForSelector('#usage-list li.usage-item');
      const text = await page.textContent('#usage-list li.usage-item');
      assert.ok(text.includes(expected), text);
      if (locale === 'ja-JP') assert.ok(text.includes('に1日、「パーソナライズ広告」のためにお客様のデータ（クリック）を利用しました。'), text);
      assert.equal(await page.isHidden('#usage-empty'), true);
      const results = await new AxeBuilder({ page }).analyze();
      assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], locale);
      await context.close();
    }
  } finally {
    ownServer.kill('SIGTERM');
  }
});
