// Deliveries to a recipient, end to end: `optin serve` sends webhooks to a
// test recipient on 127.0.0.1 that checks every one with the Standard
// Webhooks reference library (npm `standardwebhooks`), not with optin's
// code, and that can answer 500, 429 with Retry-After, 400, or not at all.
// Run by ctest (tests/CMakeLists.txt) with OPTIN_BINARY set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import standardwebhooks from 'standardwebhooks';
import { optinCli, startOptinServer } from '../support/optin_process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let dir, db, server, base, recipient, hook, secret;
const keys = {};
// What the recipient was sent, in order: {id, ok, body, status}.
const received = [];
// How it answers the next requests: 'ok', 'fail500', 'retry429' (once, then
// ok), 'reject400', or 'hang'.
let mode = 'ok';

const cli = (...args) => optinCli(db, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, predicate, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}; received ${JSON.stringify(received.map((r) => [r.id, r.status]))}`);
}

async function api(method, path, { key = 'admin', body } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${keys[key] ?? key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const verified = (id) => received.filter((r) => r.id === id && r.ok);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optin-recipient-'));
  db = join(dir, 'optin.db');
  recipient = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let ok = true;
      try {
        new standardwebhooks.Webhook(secret).verify(body, req.headers);
      } catch {
        ok = false;
      }
      const answer = !ok ? 401 : mode === 'fail500' ? 500 : mode === 'retry429' ? 429 : mode === 'reject400' ? 400 : 204;
      received.push({ id: req.headers['webhook-id'], ok, body: ok ? JSON.parse(body) : null, status: answer });
      if (mode === 'hang') return;  // never answers
      if (mode === 'retry429') {
        mode = 'ok';
        res.writeHead(429, { 'Retry-After': '1' }).end();
        return;
      }
      res.writeHead(answer).end(answer === 400 ? 'unknown subject id format' : '');
    });
  });
  await new Promise((r) => recipient.listen(0, '127.0.0.1', r));
  hook = `http://127.0.0.1:${recipient.address().port}/hook`;
  cli('init');
  const catalog = readFileSync(join(here, '../testdata/catalogs/recipients.yaml'), 'utf8')
    .replace('https://hooks.example-ads.test/optin', hook)
    .replace('ack_within: PT12H', 'ack_within: PT1H');
  writeFileSync(join(dir, 'catalog.yaml'), catalog);
  cli('catalog', 'publish', join(dir, 'catalog.yaml'));
  secret = cli('recipients', 'secret', 'example_ads');
  keys.admin = cli('key', 'create', '--scope', 'admin', '--name', 'admin');
  keys.ads = cli('key', 'create', '--scope', 'recipient:example_ads', '--name', 'ads');
  keys.exchange = cli('key', 'create', '--scope', 'recipient:example_exchange', '--name', 'exchange');
  await start();
});

const kFlags = ['--allow-http-recipients', '--allow-private-recipients', '--recipient-timeout', '1'];
async function start() {
  ({ server, base } = await startOptinServer(db, kFlags));
}

after(() => {
  server?.kill('SIGKILL');
  recipient?.closeAllConnections?.();
  recipient?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a withdrawal reaches the recipient signed as the reference library checks, and its confirmation is kept', async () => {
  cli('grant', 'alice', 'ads', '--channel', 'web');
  const started = Date.now();
  const withdrawn = await api('DELETE', '/v1/subjects/alice/consents/ads');
  assert.equal(withdrawn.status, 200);
  assert.ok(Date.now() - started < 1000, 'the withdrawal waited for no recipient');
  const id = `${withdrawn.json.event}.example_ads`;
  await until('the withdrawal webhook', () => verified(id).length > 0);
  const grantId = `${withdrawn.json.event - 1}.example_ads`;
  assert.ok(received.findIndex((r) => r.id === grantId) < received.findIndex((r) => r.id === id), 'in order');
  const body = verified(id)[0].body;
  assert.equal(body.type, 'consent.withdrawn');
  assert.equal(body.data.subject, 'alice');
  assert.equal(body.data.purpose, 'ads');
  assert.equal(body.data.confirm, true);
  assert.ok(received.every((r) => r.ok), 'every delivery verified');

  let deliveries = await api('GET', '/v1/subjects/alice/deliveries');
  let d = deliveries.json.deliveries.find((x) => x.delivery === id);
  assert.equal(d.state, 'delivered');
  assert.equal(d.confirmed, null);
  assert.notEqual(d.due, null);

  // Only the recipient (or an admin) confirms its deliveries.
  const ack = { acks: [{ delivery: id, action: 'stopped' }] };
  assert.equal((await api('POST', '/v1/recipients/example_ads/acks', { key: 'exchange', body: ack })).status, 403);
  assert.equal((await api('POST', '/v1/recipients/example_exchange/acks', { key: 'exchange', body: ack })).status, 404);
  const bad = await api('POST', '/v1/recipients/example_ads/acks', {
    key: 'ads',
    body: { acks: [{ delivery: id, action: 'paused' }] },
  });
  assert.equal(bad.status, 400);
  const done = await api('POST', '/v1/recipients/example_ads/acks', { key: 'ads', body: ack });
  assert.equal(done.status, 200);
  assert.equal(done.json.acks[0].action, 'stopped');
  // Confirmed twice: the first stands.
  const again = await api('POST', '/v1/recipients/example_ads/acks', {
    key: 'ads',
    body: { acks: [{ delivery: id, action: 'deleted' }] },
  });
  assert.deepEqual(again.json, done.json);
  deliveries = await api('GET', '/v1/subjects/alice/deliveries');
  d = deliveries.json.deliveries.find((x) => x.delivery === id);
  assert.equal(d.confirmed_action, 'stopped');
  const status = JSON.parse(cli('recipients', 'status', '--json'));
  const ads = status.recipients.find((r) => r.recipient === 'example_ads');
  assert.equal(ads.confirmed, 1);
  assert.equal(ads.pending, 0);
});

test('a recipient answering 429 with Retry-After is sent the delivery again after it', async () => {
  mode = 'retry429';
  cli('grant', 'bob', 'ads', '--channel', 'web');
  const id = received.length;
  await until('a retried delivery', () => received.slice(id).some((r) => r.status === 204));
  const tries = received.slice(id);
  assert.equal(tries[0].status, 429);
  assert.equal(tries[1].id, tries[0].id);
  assert.ok(tries.every((r) => r.ok));
});

test('a recipient refusing with 400 is marked failed with its answer kept for the operator', async () => {
  mode = 'reject400';
  cli('grant', 'carol', 'ads', '--channel', 'web');
  await until('a failed delivery', () => {
    const s = JSON.parse(cli('recipients', 'status', '--json')).recipients.find((r) => r.recipient === 'example_ads');
    return s.failed === 1;
  });
  const s = JSON.parse(cli('recipients', 'status', '--json')).recipients.find((r) => r.recipient === 'example_ads');
  assert.equal(s.last_error, 'HTTP 400: unknown subject id format');
  mode = 'ok';
});

test('a recipient that never answers delays no withdrawal, and deliveries survive kill -9', async () => {
  mode = 'hang';
  const ids = [];
  for (const subject of ['dave', 'erin', 'frank']) {
    cli('grant', subject, 'ads', '--channel', 'web');
    const started = Date.now();
    const r = await api('DELETE', `/v1/subjects/${subject}/consents/ads`);
    assert.equal(r.status, 200);
    assert.ok(Date.now() - started < 1000, 'the withdrawal waited for no recipient');
    ids.push(`${r.json.event - 1}.example_ads`, `${r.json.event}.example_ads`);
  }
  await until('a delivery in flight', () => received.some((r) => ids.includes(r.id)));
  server.kill('SIGKILL');
  await new Promise((r) => server.once('exit', r));
  mode = 'ok';
  await start();
  await until('every delivery after the restart', () => ids.every((id) => verified(id).some((r) => r.status === 204)), 40000);
  const status = JSON.parse(cli('recipients', 'status', '--json')).recipients.find((r) => r.recipient === 'example_ads');
  assert.equal(status.pending, 0);
});
