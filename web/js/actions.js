// What the customer does: a choice, withdrawing everything, switching the
// language, downloading their record. One change at a time.
import { $, kLangs, state } from './state.js';
import { loadStrings, t } from './i18n.js';
import { api, ApiError, fetchCatalog, fetchSubjectData, isAuthError, subjectPath } from './api.js';
import { announce, decisionFor, linkExpired, purposes, renderAll, renderHistory, saveFailed, updateChoices } from './render.js';
import { renderReceipts, saveFile } from './receipts.js';

let queue = Promise.resolve();
// Choices are sent one at a time, in the order the customer made them, so
// the ledger records exactly that order.
export function enqueue(task) {
  queue = queue.then(task).catch((e) => saveFailed(e));
  return queue;
}

export async function refreshSubject() {
  try {
    await fetchSubjectData();
    updateChoices();
    renderHistory();
    renderReceipts();
  } catch (e) {
    if (isAuthError(e)) linkExpired();
  }
}

export function applyResult(result) {
  if (!result || !state.consents || !Array.isArray(state.consents.purposes)) return;
  const list = state.consents.purposes;
  const entry = {
    purpose: result.purpose, allowed: result.allowed, reason: result.reason, event: result.event,
    withdrawable: result.withdrawable, expires_at: result.expires_at,
  };
  const i = list.findIndex((d) => d.purpose === result.purpose);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
  updateChoices();
}

export async function choose(id, allow) {
  if (state.linkInvalid) return;
  const card = state.cards.get(id);
  if (!card) return;
  const p = card.purpose;
  const path = subjectPath('/consents/' + encodeURIComponent(id));
  let result;
  try {
    result = allow ? await api('PUT', path, { notice: p.notice }) : await api('DELETE', path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 409 && e.code === 'gpc_conflict') {
      // The browser sends Global Privacy Control: say so plainly, and
      // record the yes only if the customer confirms it.
      if (!window.confirm(t('gpc.confirm', { title: p.title }))) {
        announce(t('gpc.kept_off', { title: p.title }), 'info');
        await refreshSubject();
        return;
      }
      result = await api('PUT', path, { notice: p.notice, gpc_conflict_acknowledged: true });
    } else if (e instanceof ApiError && e.status === 409) {
      await noticeChanged(id, p.title);
      return;
    } else {
      throw e;
    }
  }
  applyResult(result);
  const on = result ? result.allowed === true : allow;
  announce(t(on ? 'status.saved_on' : 'status.saved_off', { title: p.title }), 'ok');
  await refreshSubject();
}

export async function noticeChanged(id, oldTitle) {
  try {
    await fetchCatalog();
    await fetchSubjectData();
  } catch (e) {
    if (isAuthError(e)) {
      linkExpired();
      return;
    }
  }
  renderAll();
  const card = state.cards.get(id);
  announce(t('status.notice_changed', { title: card ? card.purpose.title : oldTitle }), 'info');
  if (card) card.section.querySelector('h3').focus();
}

export async function withdrawAll() {
  if (state.linkInvalid) return;
  const targets = purposes('consent').filter((p) => {
    const d = decisionFor(p.id);
    return d && d.withdrawable === true;
  });
  if (targets.length === 0) {
    announce(t('status.nothing_to_withdraw'), 'info');
    return;
  }
  // One request, recorded atomically: every consent purpose at once.
  try {
    await api('DELETE', subjectPath('/consents'));
  } catch (e) {
    if (isAuthError(e)) {
      linkExpired();
      return;
    }
    announce(t('status.withdraw_all_partial'), 'error');
    await refreshSubject();
    return;
  }
  announce(t('status.withdraw_all_done', { count: targets.length }), 'ok');
  await refreshSubject();
}

export async function switchLanguage(lang) {
  if (!kLangs.includes(lang) || lang === state.lang) return;
  try {
    const strings = await loadStrings(lang);
    state.lang = lang;
    state.strings = strings;
    try {
      await fetchCatalog();
    } catch (e) {
      if (isAuthError(e)) state.linkInvalid = true;
    }
    renderAll();
    $('status').textContent = '';
  } catch (e) {
    announce(t('status.network_error'), 'error');
  }
}

// Everything the server holds about the customer (GET .../export): the
// decisions, the history, the full notice texts and the signed receipts.
export async function download(format) {
  const headers = { Authorization: 'Bearer ' + state.token };
  const query = '?locale=' + encodeURIComponent(state.lang) + (format === 'html' ? '&format=html' : '');
  let response;
  try {
    response = await fetch(subjectPath('/export') + query, { headers, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    announce(t('status.network_error'), 'error');
    return;
  }
  if (response.status === 401 || response.status === 403) {
    linkExpired();
    return;
  }
  if (!response.ok) {
    announce(t('status.error'), 'error');
    return;
  }
  const text = await response.text();
  const who = String(state.session ? state.session.subject : 'record').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  const day = new Date().toISOString().slice(0, 10);
  if (format === 'html') {
    saveFile('optin-record-' + who + '-' + day + '.html', 'text/html', text);
  } else {
    saveFile('optin-record-' + who + '-' + day + '.json', 'application/json', text);
  }
}
