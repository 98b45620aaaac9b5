// The OpenAPI document the server serves (/v1/openapi.json, made from its
// route table) is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator),
// names exactly the paths and methods the server takes, and every operation's
// live answers match the schemas it gives (Ajv, JSON Schema 2020-12).
// Run by ctest (tests/CMakeLists.txt) with OPTIN_BINARY set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optinCli, startOptinServer } from '../support/optin_process.mjs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

let dir, db, server, base, doc, ajv;
const keys = {};

function cli(...args) {
  return optinCli(db, ...args);
}

async function startServer() {
  ({ server, base } = await startOptinServer(db, ['--demo-shop']));
  return base;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optin-openapi-'));
  db = join(dir, 'optin.db');
  // The demo catalog: its recipients (product analytics goes to
  // example_analytics) confirm by hand.
  const demo = readFileSync(new URL('../../src/catalog/demo_catalog.yaml', import.meta.url), 'utf8');
  writeFileSync(join(dir, 'catalog.yaml'), demo);
  cli('init');
  cli('catalog', 'publish', join(dir, 'catalog.yaml'));
  for (const scope of ['check', 'write', 'admin']) keys[scope] = cli('key', 'create', '--scope', scope, '--name', scope);
  base = await startServer();
  const res = await fetch(`${base}/v1/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
});

after(() => {
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

// Every operation of the document, as `METHOD /path/{template}`.
function operations() {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) out.push(`${method.toUpperCase()} ${path}`);
  }
  return out;
}

// The template of the document's path that `path` is an instance of.
function templateOf(path) {
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[a-z]+\}/g, (m) => (['{token}', '{file}'].includes(m) ? '.+' : '[^/]+'))}$`);
    if (re.test(path)) return template;
  }
  return undefined;
}

function check(value, ref, what) {
  const validate = ajv.getSchema(`openapi.json${ref}`) ?? ajv.compile({ $ref: `openapi.json${ref}` });
  assert.ok(validate(value), `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 400)}`);
}

const covered = new Set();

// Sends a request and checks the answer against the document: the status is
// one it lists for the operation (or its `default`), the media type is the
// one it gives, and a JSON body matches the schema.
async function call(method, target, { auth, body, status = 200, headers = {} } = {}) {
  const url = new URL(target, base);
  const template = templateOf(url.pathname);
  assert.ok(template, `${url.pathname} is not in the document`);
  const operation = doc.paths[template][method.toLowerCase()];
  assert.ok(operation, `${method} ${template} is not in the document`);
  const h = { ...headers };
  if (auth) h.Authorization = `Bearer ${keys[auth] ?? auth}`;
  if (body !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/json';
  const controller = new AbortController();
  const res = await fetch(url, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: controller.signal,
  });
  const what = `${method} ${target} (${res.status})`;
  assert.equal(res.status, status, what);
  const listed = operation.responses[String(res.status)] ? String(res.status) : 'default';
  const response = operation.responses[listed];
  assert.ok(response, `${what}: not a status the document lists`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  const media = Object.keys(response.content ?? {});
  assert.ok(media.includes(type) || media.includes('*/*'), `${what}: ${type} is not one of ${media}`);
  if (type === 'text/event-stream') {
    controller.abort();
    covered.add(`${method} ${template}`);
    return null;
  }
  const text = await res.text();
  let value = text;
  if (type === 'application/json') {
    value = JSON.parse(text);
    const schema = response.content[type].schema;
    assert.ok(schema?.$ref, `${what}: no schema for ${type}`);
    check(value, schema.$ref, what);
  }
  if (res.status < 300) covered.add(`${method} ${template}`);
  return value;
}

test('the document is valid OpenAPI 3.1', async () => {
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(validator.version, '3.1');
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

test('the document names exactly the paths and methods the server takes', async () => {
  for (const [template, item] of Object.entries(doc.paths)) {
    const path = template.replace('{id}', 'alice').replace('{purpose}', 'ad_targeting').replace('{token}', 'x').replace('{file}', 'app.js')
      .replace('{name}', 'loader.js').replace('{property}', 'shop');
    const res = await fetch(`${base}${path}`, { method: 'OPTIONS' });
    assert.equal(res.status, 204, path);
    const methods = Object.keys(item).map((m) => m.toUpperCase());
    assert.equal(res.headers.get('allow'), [...methods, 'OPTIONS'].join(', '), path);
  }
  for (const path of ['/v1/nope', '/v1/subjects', '/v2/check']) {
    const res = await fetch(`${base}${path}`, { method: 'OPTIONS' });
    assert.equal(res.status, 404, path);
    assert.equal(templateOf(path), undefined, path);
  }
});

test('every operation answers as the document says', async () => {
  await call('GET', '/healthz');
  await call('GET', '/metrics');
  await call('GET', '/v1/openapi.json');
  const notices = await call('GET', '/v1/purposes?locale=ja');
  const notice = (id) => notices.purposes.find((p) => p.id === id).notice;
  await call('GET', '/.well-known/gpc.json');
  await call('GET', '/');
  await call('GET', '/static/app.js');
  // The website embed, as a shop's page on an allowed origin uses it.
  await call('GET', '/demo/shop');
  await call('GET', '/v1/embed/loader.js');
  const shop = { Origin: 'http://127.0.0.1:8080' };
  const config = await call('GET', '/v1/embed/shop/config?lang=ja', { headers: shop });
  await call('GET', config.ui.script);
  await call('GET', config.ui.style);
  await call('GET', '/v1/embed/shop/config', { headers: { Origin: 'https://elsewhere.example' }, status: 403 });
  await call('POST', '/v1/embed/shop/choices', {
    headers: { ...shop, 'Content-Type': 'text/plain' },
    body: { granted: ['product_analytics'], declined: ['ad_targeting'], key: 'openapi-1', locale: 'ja' },
  });
  // A signed-in customer's browser linked to their account by the site's backend.
  const chose = await fetch(`${base}/v1/embed/shop/choices`, {
    method: 'POST', headers: shop, body: JSON.stringify({ granted: ['ad_targeting'], key: 'openapi-2' }),
  });
  const visitor = chose.headers.getSetCookie().find((c) => c.startsWith('optin_vid=')).split(/[=;]/)[1];
  const linked = await call('POST', '/v1/subjects/frank/link-visitor', { auth: 'write', body: { visitor, property: 'shop' } });
  assert.equal(linked.visitor_erased, true);

  await call('POST', '/v1/check', { auth: 'check', body: { subject: 'alice', purpose: 'personalized_offers' } });
  await call('POST', '/v1/check/batch', {
    auth: 'check',
    body: { checks: [{ subject: 'alice', purpose: 'personalized_offers' }, { subject: 'bob', purpose: 'nope' }] },
  });
  const granted = await call('PUT', '/v1/subjects/alice/consents/personalized_offers?locale=ja', {
    auth: 'write',
    body: { notice: notice('personalized_offers') },
  });
  assert.equal(granted.reason, 'granted');
  assert.notEqual(granted.receipt, null);
  await call('DELETE', '/v1/subjects/alice/consents/personalized_offers', { auth: 'write' });
  await call('GET', '/v1/subjects/alice/consents', { auth: 'write' });
  await call('DELETE', '/v1/subjects/alice/consents', { auth: 'write' });
  await call('GET', '/v1/subjects/alice/history', { auth: 'write' });
  await call('GET', '/v1/subjects/alice/signals', { auth: 'write' });
  await call('POST', '/v1/subjects/alice/signals', { auth: 'write', body: { gpc: true } });
  await call('GET', '/v1/subjects/alice/receipts?locale=ja', { auth: 'write' });
  await call('GET', '/v1/subjects/alice/export', { auth: 'admin' });
  await call('GET', '/v1/subjects/alice/export?format=html', { auth: 'admin' });
  await call('GET', '/v1/log/head');
  await call('GET', '/v1/log/key');
  await call('GET', '/v1/log/proof/inclusion?seq=2');
  await call('GET', '/v1/log/proof/consistency?from=1&to=2');
  await call('GET', '/v1/changes?after=0', { auth: 'write' });

  // Recipients: what a subject's changes told them, and their confirmations.
  await call('PUT', '/v1/subjects/dana/consents/product_analytics', {
    auth: 'write',
    body: { notice: notice('product_analytics') },
  });
  await call('DELETE', '/v1/subjects/dana/consents/product_analytics', { auth: 'write' });
  const told = await call('GET', '/v1/subjects/dana/deliveries?locale=ja', { auth: 'write' });
  const withdrawal = told.deliveries.find((d) => d.action === 'withdraw');
  assert.equal(withdrawal.recipient, 'example_analytics');
  await call('POST', '/v1/recipients/example_analytics/acks', {
    auth: 'admin',
    body: { acks: [{ delivery: withdrawal.delivery, action: 'stopped' }] },
  });
  await call('POST', '/v1/recipients/example_analytics/acks', {
    auth: 'admin',
    body: { acks: [{ delivery: 'nope', action: 'stopped' }] },
    status: 404,
  });
  const standing = await call('GET', '/v1/recipients', { auth: 'admin' });
  assert.equal(standing.recipients.find((r) => r.recipient === 'example_analytics').confirmed, 1);

  // Usage: checks that name the recipient, read back once the server has
  // written them (about once a second).
  await call('PUT', '/v1/subjects/erin/consents/product_analytics', {
    auth: 'write',
    body: { notice: notice('product_analytics') },
  });
  const used = await call('POST', '/v1/check', {
    auth: 'check',
    body: { subject: 'erin', purpose: 'product_analytics', recipient: 'example_analytics' },
  });
  assert.equal(used.reason, 'granted');
  await call('POST', '/v1/check', {
    auth: 'check',
    body: { subject: 'dana', purpose: 'product_analytics', recipient: 'example_analytics' },
  });
  await call('POST', '/v1/check', {
    auth: 'check',
    body: { subject: 'erin', purpose: 'product_analytics', recipient: 'example_analytic' },
    status: 400,
  });
  let usage, denied;
  for (let i = 0; i < 50; i++) {
    usage = await call('GET', '/v1/subjects/erin/usage?locale=ja', { auth: 'write' });
    denied = await call('GET', '/v1/usage/denied?days=7', { auth: 'admin' });
    if (usage.usage.length > 0 && denied.denied.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(usage.usage[0].recipient, 'example_analytics');
  assert.ok(denied.denied.some((d) => d.reason === 'withdrawn' && d.recipient === 'example_analytics'));

  // The customer's own link.
  const link = await call('POST', '/v1/subjects/carol/link', { auth: 'admin', body: { ttl: 'PT1H' } });
  await call('GET', `/p/${link.token}`);
  await call('GET', '/v1/session', { auth: link.token });
  await call('PUT', '/v1/subjects/carol/consents/product_analytics', {
    auth: link.token,
    body: { notice: notice('product_analytics') },
  });
  await call('DELETE', '/v1/subjects/carol', { auth: 'admin' });

  // A one-click e-mail opt-out link (RFC 8058).
  const optOut = await call('POST', '/v1/subjects/alice/unsubscribe-link', {
    auth: 'admin',
    body: { purpose: 'personalized_offers', ttl: 'P30D' },
  });
  await call('GET', `/u/${optOut.token}`);
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  await call('POST', `/u/${optOut.token}`, { body: 'List-Unsubscribe=One-Click', headers: form });
  await call('POST', `/u/${optOut.token}`, { body: 'List-Unsubscribe=One-Click', headers: { ...form, Accept: 'text/html' } });
  await call('POST', `/u/${optOut.token}x`, { body: 'List-Unsubscribe=One-Click', headers: form, status: 404 });

  // Errors are the document's too.
  await call('POST', '/v1/check', { body: { subject: 'alice', purpose: 'x' }, status: 401 });
  await call('GET', '/v1/changes', { auth: 'check', status: 403 });
  await call('POST', '/v1/check', { auth: 'check', body: '{not json', status: 400 });
  await call('PUT', '/v1/subjects/alice/consents/personalized_offers', {
    auth: 'write',
    body: { notice: 'a'.repeat(64) },
    status: 409,
  });
  await call('GET', `/v1/subjects/alice/consents`, { auth: link.token, status: 403 });
  await call('GET', '/v1/log/proof/inclusion', { status: 400 });
  const missing = await fetch(`${base}/v1/nope`);
  assert.equal(missing.status, 404);
  check(await missing.json(), '#/components/schemas/Error', 'GET /v1/nope');

  assert.deepEqual([...covered].sort(), operations().sort(), 'every operation was called and answered 2xx');
});
