// Webhooks over real TLS on 127.0.0.1: a recipient whose certificate a
// private CA signed (given with serve --recipient-ca) receives its
// deliveries; one reached by a name its certificate does not carry, or
// whose certificate no trusted authority signed, receives nothing, and the
// operator sees why. The certificates are made here with openssl.
// Run by ctest (tests/CMakeLists.txt) with OPTIN_BINARY set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import standardwebhooks from 'standardwebhooks';
import { optinCli, startOptinServer } from '../support/optin_process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let dir, db, server, base, secret, admin;
const servers = {};
const received = { trusted: [], rogue: [] };

const cli = (...args) => optinCli(db, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

async function listen(name, key, cert) {
  const s = createServer({ key: readFileSync(join(dir, key)), cert: readFileSync(join(dir, cert)) }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let ok = true;
      try {
        new standardwebhooks.Webhook(secret).verify(body, req.headers);
      } catch {
        ok = false;
      }
      received[name].push({ id: req.headers['webhook-id'], ok });
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  servers[name] = s;
  return s.address().port;
}

// Publishes the test catalog with example_ads's webhook at `url`.
function publish(url) {
  const catalog = readFileSync(join(here, '../testdata/catalogs/recipients.yaml'), 'utf8')
    .replace('https://hooks.example-ads.test/optin', url);
  writeFileSync(join(dir, 'catalog.yaml'), catalog);
  cli('catalog', 'publish', join(dir, 'catalog.yaml'));
}

async function deliveries(subject) {
  const res = await fetch(`${base}/v1/subjects/${subject}/deliveries`, { headers: { Authorization: `Bearer ${admin}` } });
  return (await res.json()).deliveries.filter((d) => d.recipient === 'example_ads');
}

async function lastError() {
  const res = await fetch(`${base}/v1/recipients`, { headers: { Authorization: `Bearer ${admin}` } });
  return (await res.json()).recipients.find((r) => r.recipient === 'example_ads').last_error;
}

async function until(what, predicate, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optin-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=optin test CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  // The same name, but signed by nobody optin trusts.
  openssl('req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost');
  const trusted = await listen('trusted', 'server.key', 'server.pem');
  const rogue = await listen('rogue', 'rogue.key', 'rogue.pem');
  servers.ports = { trusted, rogue };
  db = join(dir, 'optin.db');
  cli('init');
  publish(`https://localhost:${trusted}/hook`);
  secret = cli('recipients', 'secret', 'example_ads');
  admin = cli('key', 'create', '--scope', 'admin', '--name', 'admin');
  // https only (no --allow-http-recipients); loopback allowed for the test.
  ({ server, base } = await startOptinServer(db, [
    '--allow-private-recipients', '--recipient-ca', join(dir, 'ca.pem'), '--recipient-timeout', '2',
  ]));
});

after(() => {
  server?.kill('SIGKILL');
  for (const s of [servers.trusted, servers.rogue]) {
    s?.closeAllConnections?.();
    s?.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

test('a recipient whose certificate a trusted authority signed for its name receives its webhooks', async () => {
  cli('grant', 'alice', 'ads', '--channel', 'web');
  await until('the grant webhook over TLS', () => received.trusted.some((r) => r.ok));
  const [d] = await deliveries('alice');
  await until('the delivery marked delivered', async () => (await deliveries('alice'))[0].state === 'delivered');
  assert.equal(received.trusted.every((r) => r.ok), true);
  assert.ok(d);
});

test('a name the certificate does not carry is refused before anything is sent', async () => {
  publish(`https://127.0.0.1:${servers.ports.trusted}/hook`);  // the certificate says localhost
  await sleep(500);  // the server takes in the publication
  const before = received.trusted.length;
  cli('grant', 'bob', 'ads', '--channel', 'web');
  await until('the failed attempt', async () => (await deliveries('bob'))[0]?.state === 'pending' && (await lastError()) !== null);
  assert.match(await lastError(), /certificate|verify|handshake/i);
  assert.equal(received.trusted.length, before, 'nothing reached the recipient');
  assert.equal((await deliveries('bob'))[0].told, null);
});

test('a certificate no trusted authority signed is refused before anything is sent', async () => {
  publish(`https://localhost:${servers.ports.rogue}/hook`);
  await sleep(500);
  cli('grant', 'carol', 'ads', '--channel', 'web');
  await until('the attempt', async () => {
    const [d] = await deliveries('carol');
    return d && d.state === 'pending' && (await lastError()) !== null;
  });
  await sleep(1000);
  assert.equal(received.rogue.length, 0, 'the rogue server received no request');
  assert.equal((await deliveries('carol'))[0].told, null);
});
