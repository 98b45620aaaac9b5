// The Standard Webhooks reference library (npm `standardwebhooks`, from
// https://github.com/standard-webhooks/standard-webhooks) as a peer for
// optin's webhook signatures (tests/recipients/webhook_signature_test.cc).
//
//   node webhooks_peer.mjs verify SECRET FILE   each line {"id","timestamp","body","signature"}:
//                                               prints `ok` or `fail: why` per line
//   node webhooks_peer.mjs sign SECRET FILE     each line {"id","timestamp","body"}:
//                                               prints the library's webhook-signature per line
import { readFileSync } from 'node:fs';
import standardwebhooks from 'standardwebhooks';

const { Webhook } = standardwebhooks;
const [mode, secret, file] = process.argv.slice(2);
if (!['verify', 'sign'].includes(mode) || !secret || !file) {
  process.stderr.write('usage: node webhooks_peer.mjs verify|sign SECRET FILE\n');
  process.exit(2);
}
const webhook = new Webhook(secret);
const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
const out = [];
for (const line of lines) {
  const d = JSON.parse(line);
  if (mode === 'sign') {
    out.push(webhook.sign(d.id, new Date(d.timestamp * 1000), d.body));
    continue;
  }
  try {
    webhook.verify(d.body, {
      'webhook-id': d.id,
      'webhook-timestamp': String(d.timestamp),
      'webhook-signature': d.signature,
    });
    out.push('ok');
  } catch (e) {
    out.push(`fail: ${e.message}`);
  }
}
process.stdout.write(out.join('\n') + '\n');
