// optin preference center.
//
// The customer reaches this page through a signed, expiring link
// (/p/{token}). The token stays in this script's memory and travels only as
// `Authorization: Bearer TOKEN`; it is never written to cookies or storage.
// Every visible string comes from /static/i18n/<lang>.json. Everything that
// comes from the API (purpose texts, names, ids) is put on the page as text,
// never as markup.
import { $, state } from './js/state.js';
import { addTableHeads, show } from './js/dom.js';
import { applyStaticStrings, initialLanguage, loadStrings } from './js/i18n.js';
import { api, ApiError, fetchCatalog, fetchSubjectData, isAuthError } from './js/api.js';
import { linkExpired, renderAll, renderOrganization } from './js/render.js';
import { download, enqueue, switchLanguage, withdrawAll } from './js/actions.js';

function tokenFromPath() {
  // Used exactly as it appears in the address (a path segment is always
  // ASCII there, so it is a valid header value).
  const last = window.location.pathname.split('/').pop();
  return last || null;
}

async function start() {
  addTableHeads();
  for (const button of document.querySelectorAll('button[data-lang]')) {
    button.addEventListener('click', () => switchLanguage(button.getAttribute('data-lang')));
  }
  $('withdraw-all').addEventListener('click', () => enqueue(withdrawAll));
  $('download').addEventListener('click', () => download('json'));
  $('download-page').addEventListener('click', () => download('html'));

  state.lang = initialLanguage();
  state.token = tokenFromPath();
  try {
    state.strings = await loadStrings(state.lang);
  } catch (e) {
    state.lang = 'en';
    state.strings = await loadStrings('en');
  }
  applyStaticStrings();
  show($('loading'), true);

  const catalogLoad = fetchCatalog().catch(() => null);
  if (!state.token) {
    await catalogLoad;
    renderOrganization();
    linkExpired();
    return;
  }
  try {
    state.session = await api('GET', '/v1/session');
  } catch (e) {
    await catalogLoad;
    renderOrganization();
    if (isAuthError(e) || (e instanceof ApiError && e.status === 404)) {
      linkExpired();
    } else {
      showLoadError();
    }
    return;
  }
  try {
    await catalogLoad;
    if (!state.catalog) await fetchCatalog();
    await fetchSubjectData();
  } catch (e) {
    renderOrganization();
    if (isAuthError(e)) linkExpired();
    else showLoadError();
    return;
  }
  show($('loading'), false);
  renderAll();
  show($('content'), true);
}

function showLoadError() {
  show($('loading'), false);
  show($('content'), false);
  show($('load-error'), true);
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => { start(); });
} else {
  start();
}
