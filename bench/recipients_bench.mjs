// Deliveries to a recipient on loopback (DESIGN §10: withdrawal → webhook
// at a local recipient p99 ≤ 100 ms): the time from a withdrawal's
// acknowledgement to the recipient's receipt of its webhook (p50, p99), and
// deliveries per second to a recipient that answers at once.
//
// Usage: node bench/recipients_bench.mjs BUILD_DIR [WITHDRAWALS] [BACKLOG]
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [build, withdrawalsArg, backlogArg] = process.argv.slice(2);
if (!build) {
  console.error('usage: node bench/recipients_bench.mjs BUILD_DIR [WITHDRAWALS] [BACKLOG]');
  process.exit(2);
}
const withdrawals = Number(withdrawalsArg ?? 300);
const backlog = Number(backlogArg ?? 2000);
const optin = join(build, 'optin');
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'optin-recipients-bench-'));
const db = join(dir, 'optin.db');
const cli = (...args) => execFileSync(optin, ['--db', db, ...args], { encoding: 'utf8' }).trim();

// The recipient: when each delivery arrived.
const arrived = new Map();
const recipient = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (!arrived.has(req.headers['webhook-id'])) arrived.set(req.headers['webhook-id'], performance.now());
    res.writeHead(204).end();
  });
});
await new Promise((r) => recipient.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${recipient.address().port}/hook`;

cli('init');
writeFileSync(join(dir, 'catalog.yaml'),
  readFileSync(join(here, '../tests/testdata/catalogs/recipients.yaml'), 'utf8').replace('https://hooks.example-ads.test/optin', hook));
cli('catalog', 'publish', join(dir, 'catalog.yaml'));
cli('recipients', 'secret', 'example_ads');
const key = cli('key', 'create', '--scope', 'admin', '--name', 'bench');
const notice = JSON.parse(cli('catalog', 'show', '--json')).purposes.find((p) => p.id === 'ads').notice;

function serve(extra) {
  const server = spawn(optin, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--allow-http-recipients',
    '--allow-private-recipients', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    server.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve({ server, base: m[0] });
    });
  });
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return res.json();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (v, p) => v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)];

// 1. Latency: one withdrawal at a time, each after the last one's webhook.
let { server, base } = await serve([]);
const latencies = [];
for (let i = 0; i < withdrawals; i++) {
  const subject = `lat-${i}`;
  const granted = await call(base, 'PUT', `/v1/subjects/${subject}/consents/ads`, { notice });
  const grantId = `${granted.event}.example_ads`;
  while (!arrived.has(grantId)) await sleep(1);
  const r = await call(base, 'DELETE', `/v1/subjects/${subject}/consents/ads`);
  const acknowledged = performance.now();
  const id = `${r.event}.example_ads`;
  while (!arrived.has(id)) await sleep(0.2);
  latencies.push(arrived.get(id) - acknowledged);
}
latencies.sort((a, b) => a - b);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));

// 2. Throughput: a backlog written with no node sending, then one node
// sending it all.
({ server, base } = await serve(['--no-deliveries']));
const ids = [];
for (let i = 0; i < backlog; i += 50) {
  const batch = [];
  for (let j = i; j < Math.min(backlog, i + 50); j++) {
    batch.push(call(base, 'PUT', `/v1/subjects/tp-${j}/consents/ads`, { notice }).then((g) => ids.push(`${g.event}.example_ads`)));
  }
  await Promise.all(batch);
}
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
const start = performance.now();
({ server } = await serve([]));
while (!ids.every((id) => arrived.has(id))) await sleep(5);
const seconds = (Math.max(...ids.map((id) => arrived.get(id))) - start) / 1000;
server.kill('SIGTERM');
recipient.close();
rmSync(dir, { recursive: true, force: true });

console.log(`withdrawal acknowledged → webhook received (${withdrawals} withdrawals, one at a time):`);
console.log(`  p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
console.log(`deliveries of a backlog of ${backlog} (server start included): ${(backlog / seconds).toFixed(0)}/s (${seconds.toFixed(2)} s)`);
