// What the page knows: the link's token, the language and its texts, and the
// last answers of the API.
import { purposes } from './render.js';

export const kLangs = ['en', 'ja'];
export const kUndecided = new Set(['no_consent', 'notice_changed', 'expired', 'gpc_opt_out', 'unknown_purpose']);
export const kDurationUnits = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'];

export const state = {
  token: null,
  lang: 'en',
  strings: null,
  i18nCache: new Map(),
  session: null,
  catalog: null,       // GET /v1/purposes response for the current language
  consents: null,      // GET /v1/subjects/{id}/consents response
  history: null,       // GET /v1/subjects/{id}/history response
  receipts: [],        // GET /v1/subjects/{id}/receipts: receipt files
  deliveries: [],      // GET /v1/subjects/{id}/deliveries: who was told of the changes
  usage: [],           // GET /v1/subjects/{id}/usage: who used the data, on which days
  logKey: null,        // GET /v1/log/key response
  checks: new Map(),   // receipt id -> {ok, text}
  cards: new Map(),    // purpose id -> {section, stateText, until, told, yes, no}
  linkInvalid: false,
};

export const $ = (id) => document.getElementById(id);
