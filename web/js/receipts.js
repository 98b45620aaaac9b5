// Receipts, checked in the browser: the signature, the event's hash and its
// inclusion in the signed tree head (docs/log_format.md, Receipts).
import { $, state } from './state.js';
import { clear, el, show } from './dom.js';
import { formatDateTime, t } from './i18n.js';
import { api } from './api.js';
import { actionText, purposeTitle } from './render.js';
import { download } from './actions.js';

// The same checks as `optin receipt verify` (docs/log_format.md,
// "Receipts"), with the Web Crypto API: SHA-256 and Ed25519.

export function bytesFromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function bytesFromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

export function hexOf(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function joinBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// RFC 8785 for the values receipts hold: sorted keys, no whitespace.
export function canonical(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + canonical(value[k])).join(',') + '}';
}

export function u64(n) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

export async function ed25519Verify(publicKey, signature, message) {
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}

export async function nodeHash(left, right) {
  return sha256(joinBytes(new Uint8Array([1]), left, right));
}

// RFC 9162 §2.1.3.2.
export async function inclusionHolds(proof, root) {
  let fn = proof.leaf_index;
  let sn = proof.tree_size - 1;
  if (fn > sn) return false;
  let r = bytesFromHex(proof.leaf_hash);
  for (const hex of proof.audit_path) {
    const p = bytesFromHex(hex);
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hexOf(r) === hexOf(root);
}

// The event's sequence number, action and text fields (ledger_format.md).
export function readEvent(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields = [];
  let at = 18;
  for (let i = 0; i < 8; i++) {
    const n = view.getUint32(at);
    fields.push(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  const text = (b) => new TextDecoder().decode(b);
  const actions = { 1: 'publish', 2: 'grant', 3: 'withdraw', 4: 'signal', 5: 'erase' };
  return {
    seq: Number(view.getBigUint64(1)),
    action: actions[bytes[17]],
    purpose: text(fields[2]),
    notice: text(fields[3]),
    channel: text(fields[4]),
  };
}

// The name of the first check that fails, or null when all hold.
export async function checkReceipt(file, publicKey) {
  const r = file.receipt;
  if (file.key_id !== state.logKey.key_id) return 'signature';
  const signed = joinBytes(new TextEncoder().encode('optin receipt v1\n'), new TextEncoder().encode(canonical(r)));
  if (!(await ed25519Verify(publicKey, bytesFromBase64(file.signature), signed))) return 'signature';
  const head = r.tree_head;
  const headBytes = joinBytes(new TextEncoder().encode('optin tree head v1\n'), u64(head.tree_size),
    u64(head.timestamp), bytesFromHex(head.root_hash));
  if (head.key_id !== file.key_id || !(await ed25519Verify(publicKey, bytesFromBase64(head.signature), headBytes))) {
    return 'tree_head';
  }
  const event = bytesFromBase64(r.event);
  if (hexOf(await sha256(joinBytes(new Uint8Array([0]), event))) !== r.leaf_hash) return 'leaf';
  const e = readEvent(event);
  const purpose = r.purpose ? r.purpose.id : '';
  const notice = r.notice ? r.notice.version : '';
  if (e.seq !== r.sequence || e.action !== r.action || e.purpose !== purpose || e.notice !== notice ||
      e.channel !== r.channel) {
    return 'event';
  }
  const p = r.inclusion_proof;
  if (p.leaf_index !== r.sequence - 1 || p.tree_size !== head.tree_size || p.leaf_hash !== r.leaf_hash ||
      !(await inclusionHolds(p, bytesFromHex(head.root_hash)))) {
    return 'inclusion';
  }
  if (r.notice && hexOf(await sha256(new TextEncoder().encode(r.notice.text))) !== r.notice.version) return 'notice';
  return null;
}

export async function verifyReceipt(file, cell) {
  const id = file.receipt.receipt_id;
  cell.textContent = t('receipts.checking');
  let result;
  try {
    if (!state.logKey) state.logKey = await api('GET', '/v1/log/key');
    const failed = await checkReceipt(file, bytesFromBase64(state.logKey.public_key));
    const org = state.catalog && state.catalog.organization ? state.catalog.organization.name : '';
    result = failed
      ? { ok: false, text: t('receipts.invalid', { reason: t('receipts.fail_' + failed) }) }
      : { ok: true, text: t('receipts.valid', { org, key: file.key_id, n: file.receipt.tree_head.tree_size }) };
  } catch (e) {
    result = { ok: false, text: t('receipts.unsupported') };
  }
  state.checks.set(id, result);
  cell.textContent = result.text;
  cell.className = 'receipt-check ' + (result.ok ? 'receipt-valid' : 'receipt-invalid');
}

export function saveFile(name, type, text) {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  document.body.removeChild(a);
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function renderReceipts() {
  const org = state.catalog && state.catalog.organization ? state.catalog.organization.name : '';
  $('receipts-intro').textContent = t('receipts.intro', { org });
  const body = $('receipts-body');
  clear(body);
  const receipts = state.receipts.slice().sort((a, b) => b.receipt.sequence - a.receipt.sequence);
  for (const file of receipts) {
    const r = file.receipt;
    const tr = el('tr');
    tr.setAttribute('data-sequence', String(r.sequence));
    const timeCell = el('td');
    const time = el('time', null, formatDateTime(r.time));
    time.setAttribute('datetime', String(r.time));
    timeCell.appendChild(time);
    tr.appendChild(timeCell);
    tr.appendChild(el('td', null, r.purpose ? (r.purpose.title || purposeTitle(r.purpose.id)) : '—'));
    tr.appendChild(el('td', null, actionText(r.action)));
    const actions = el('td', 'receipt-actions');
    const download = el('button', 'btn btn-small receipt-download', t('receipts.download'));
    download.type = 'button';
    download.addEventListener('click', () => {
      saveFile('optin-receipt-' + r.sequence + '.json', 'application/json', JSON.stringify(file, null, 2) + '\n');
    });
    const checkButton = el('button', 'btn btn-small receipt-verify', t('receipts.check'));
    checkButton.type = 'button';
    const result = el('p', 'receipt-check');
    result.setAttribute('role', 'status');
    const known = state.checks.get(r.receipt_id);
    if (known) {
      result.textContent = known.text;
      result.className = 'receipt-check ' + (known.ok ? 'receipt-valid' : 'receipt-invalid');
    }
    checkButton.addEventListener('click', () => verifyReceipt(file, result));
    actions.appendChild(download);
    actions.appendChild(checkButton);
    actions.appendChild(result);
    tr.appendChild(actions);
    body.appendChild(tr);
  }
  show($('receipts'), receipts.length > 0);
  show($('receipts-empty'), receipts.length === 0);
}
