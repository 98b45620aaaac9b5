// The API as the page calls it: the link's token travels only as
// `Authorization: Bearer TOKEN`, never in cookies or storage.
import { state } from './state.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || String(status));
    this.status = status;
    this.code = code || '';
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  const init = { method, headers, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message));
  }
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(response.status, err.code, err.message);
  }
  return data;
}

export function subjectPath(suffix) {
  return '/v1/subjects/' + encodeURIComponent(state.session.subject) + suffix;
}

export function isAuthError(e) {
  return e instanceof ApiError && (e.status === 401 || e.status === 403);
}

export async function fetchCatalog() {
  state.catalog = await api('GET', '/v1/purposes?locale=' + encodeURIComponent(state.lang));
}

export async function fetchSubjectData() {
  const [consents, history, receipts, deliveries, usage] = await Promise.all([
    api('GET', subjectPath('/consents')),
    api('GET', subjectPath('/history')),
    api('GET', subjectPath('/receipts?locale=' + encodeURIComponent(state.lang))),
    api('GET', subjectPath('/deliveries?locale=' + encodeURIComponent(state.lang))),
    api('GET', subjectPath('/usage?locale=' + encodeURIComponent(state.lang))),
  ]);
  state.consents = consents;
  state.history = history;
  state.receipts = receipts && Array.isArray(receipts.receipts) ? receipts.receipts : [];
  state.deliveries = deliveries && Array.isArray(deliveries.deliveries) ? deliveries.deliveries : [];
  state.usage = usage && Array.isArray(usage.usage) ? usage.usage : [];
}
