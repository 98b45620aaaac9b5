#!/usr/bin/env node
// iab_peer.mjs: the IAB reference libraries' side of optin's interop tests.
//
// optin encodes and decodes IAB TCF v2.2 TC strings and IAB GPP strings. This
// script checks, field by field, that optin and the IAB reference libraries
// (@iabtcf/core for TC strings, @iabgpp/cmpapi for GPP strings) read the same
// strings the same way, in both directions. Every comparison happens here;
// the C++ test only runs optin and this script. Data is JSON Lines.
//
// Commands (run with node 18+ from this directory, after `npm install`):
//
//   node iab_peer.mjs check FILE
//     FILE lines: {"kind":"tcf"|"gpp","string":S,"model":M}, where optin
//     encoded S and M is optin's JSON model of it. Decodes S with the IAB
//     library and compares what it read with M.
//
//   node iab_peer.mjs generate KIND COUNT SEED
//     Prints COUNT lines {"kind":KIND,"string":S,"model":M} (KIND tcf or
//     gpp): random models from a seeded PRNG (same SEED, same output),
//     encoded by the IAB library; M is, in optin's JSON form, what the library
//     decodes back from S, so M is exactly what S holds.
//
//   node iab_peer.mjs compare EXPECTED ACTUAL
//     EXPECTED is output of `generate`. ACTUAL has one line per EXPECTED line,
//     in the same order: {"string":S,"model":M} (optin's decode of S) or
//     {"string":S,"error":"message"}. Compares each M with EXPECTED's model;
//     an error line is a failure.
//
// check and compare print each disagreement as
//   line N: PATH: optin <json>, iab <json>
// (at most 30 lines; long id lists show only the ids found on one side),
// then `K of N strings disagree` and exit 1, or `N strings agree` and exit 0.
// A string the IAB library cannot decode, or an error line in ACTUAL, counts
// as a disagreement. Usage errors exit 2.
//
// What is compared: every field of optin's JSON form except `warnings` (and
// the output-only `name` of other_sections). Times are compared as
// deciseconds since the epoch; publisher restrictions as a map from
// (purpose, type) to a sorted vendor list, where entries without vendors are
// dropped (@iabtcf/core cannot hold one). A TC string without a
// DisclosedVendors or PublisherTC segment compares like one with an empty
// segment, since the libraries expose defaults. For GPP, section_ids must
// equal cmpapi's getSectionIds() (the header's ids when the header names a
// section cmpapi does not know, which getSectionIds() leaves out), and
// other_sections must hold the raw text of every section optin does not
// model (anything but 2, 6, 7, 8).

import fs from 'node:fs';
import { GVL, PurposeRestriction, Segment, SegmentEncoder, TCModel, TCString } from '@iabtcf/core';
import { GppModel, HeaderV1, RangeEntry, Sections } from '@iabgpp/cmpapi';

const MAX_REPORTED_LINES = 30;
const MAX_RENDERED_CHARS = 200;
const MAX_FULL_LIST_IDS = 40; // longer id lists are reported by difference
const MAX_GENERATED_VENDOR = 1200;
const MAX_VENDOR_ID = 65535;

// ---------------------------------------------------------------------------
// Field tables: optin's JSON key, the @iabtcf/core TCModel property, the
// cmpapi field name, and for cmpapi bitfields their length.

const TCF_SCALARS = [
  ['version', 'version', 'Version'],
  ['cmp_id', 'cmpId', 'CmpId'],
  ['cmp_version', 'cmpVersion', 'CmpVersion'],
  ['consent_screen', 'consentScreen', 'ConsentScreen'],
  ['consent_language', 'consentLanguage', 'ConsentLanguage'],
  ['vendor_list_version', 'vendorListVersion', 'VendorListVersion'],
  ['policy_version', 'policyVersion', 'PolicyVersion'],
  ['is_service_specific', 'isServiceSpecific', 'IsServiceSpecific'],
  // TCF v2.2 renamed UseNonStandardStacks; both libraries keep the old name.
  ['use_non_standard_texts', 'useNonStandardStacks', 'UseNonStandardStacks'],
  ['purpose_one_treatment', 'purposeOneTreatment', 'PurposeOneTreatment'],
  ['publisher_cc', 'publisherCountryCode', 'PublisherCountryCode'],
];

const TCF_TIMES = [
  ['created', 'created', 'Created'],
  ['last_updated', 'lastUpdated', 'LastUpdated'],
];

// Core-segment id lists. A bit count means cmpapi holds the list as booleans.
const TCF_CORE_LISTS = [
  ['special_feature_opt_ins', 'specialFeatureOptins', 'SpecialFeatureOptins', 12],
  ['purpose_consents', 'purposeConsents', 'PurposeConsents', 24],
  ['purpose_legitimate_interests', 'purposeLegitimateInterests', 'PurposeLegitimateInterests', 24],
  ['vendor_consents', 'vendorConsents', 'VendorConsents'],
  ['vendor_legitimate_interests', 'vendorLegitimateInterests', 'VendorLegitimateInterests'],
];

// PublisherTC lists; 'custom' bitfields are num_custom_purposes long.
const TCF_PUBLISHER_LISTS = [
  ['purpose_consents', 'publisherConsents', 'PublisherConsents', 24],
  ['purpose_legitimate_interests', 'publisherLegitimateInterests', 'PublisherLegitimateInterests', 24],
  ['custom_purpose_consents', 'publisherCustomConsents', 'PublisherCustomConsents', 'custom'],
  ['custom_purpose_legitimate_interests', 'publisherCustomLegitimateInterests',
    'PublisherCustomLegitimateInterests', 'custom'],
];

const TCF_KEYS = ['version', 'created', 'last_updated', 'cmp_id', 'cmp_version', 'consent_screen',
  'consent_language', 'vendor_list_version', 'policy_version', 'is_service_specific',
  'use_non_standard_texts', 'purpose_one_treatment', 'publisher_cc', 'special_feature_opt_ins',
  'purpose_consents', 'purpose_legitimate_interests', 'vendor_consents', 'vendor_legitimate_interests'];

const PUBLISHER_KEYS = ['purpose_consents', 'purpose_legitimate_interests', 'num_custom_purposes',
  'custom_purpose_consents', 'custom_purpose_legitimate_interests'];

const USP_FIELDS = [
  ['notice', 'Notice'],
  ['opt_out_sale', 'OptOutSale'],
  ['lspa_covered', 'LspaCovered'],
];

// US sections: [optin key, cmpapi field, list lengths by version (lists only)].
const USNAT_FIELDS = [
  ['sharing_notice', 'SharingNotice'],
  ['sale_opt_out_notice', 'SaleOptOutNotice'],
  ['sharing_opt_out_notice', 'SharingOptOutNotice'],
  ['targeted_advertising_opt_out_notice', 'TargetedAdvertisingOptOutNotice'],
  ['sensitive_data_processing_opt_out_notice', 'SensitiveDataProcessingOptOutNotice'],
  ['sensitive_data_limit_use_notice', 'SensitiveDataLimitUseNotice'],
  ['sale_opt_out', 'SaleOptOut'],
  ['sharing_opt_out', 'SharingOptOut'],
  ['targeted_advertising_opt_out', 'TargetedAdvertisingOptOut'],
  ['sensitive_data_processing', 'SensitiveDataProcessing', { 1: 12, 2: 16 }],
  ['known_child_sensitive_data_consents', 'KnownChildSensitiveDataConsents', { 1: 2, 2: 3 }],
  ['personal_data_consents', 'PersonalDataConsents'],
  ['mspa_covered_transaction', 'MspaCoveredTransaction'],
  ['mspa_opt_out_option_mode', 'MspaOptOutOptionMode'],
  ['mspa_service_provider_mode', 'MspaServiceProviderMode'],
];

const USCA_FIELDS = [
  ['sale_opt_out_notice', 'SaleOptOutNotice'],
  ['sharing_opt_out_notice', 'SharingOptOutNotice'],
  ['sensitive_data_limit_use_notice', 'SensitiveDataLimitUseNotice'],
  ['sale_opt_out', 'SaleOptOut'],
  ['sharing_opt_out', 'SharingOptOut'],
  ['sensitive_data_processing', 'SensitiveDataProcessing', { 1: 9 }],
  ['known_child_sensitive_data_consents', 'KnownChildSensitiveDataConsents', { 1: 2 }],
  ['personal_data_consents', 'PersonalDataConsents'],
  ['mspa_covered_transaction', 'MspaCoveredTransaction'],
  ['mspa_opt_out_option_mode', 'MspaOptOutOptionMode'],
  ['mspa_service_provider_mode', 'MspaServiceProviderMode'],
];

// The GPP sections optin models, by cmpapi name; the rest go to other_sections.
const US_SECTIONS = { usnat: USNAT_FIELDS, usca: USCA_FIELDS };
const MODELED_SECTION_IDS = new Set([2, 6, 7, 8]);

// ---------------------------------------------------------------------------
// Small helpers.

function range(lo, hi) {
  const out = [];
  for (let i = lo; i <= hi; i++) out.push(i);
  return out;
}

function sortedIds(iterable) {
  return Array.from(iterable).sort((a, b) => a - b);
}

function boolsToIds(bools) {
  const ids = [];
  bools.forEach((on, i) => { if (on) ids.push(i + 1); });
  return ids;
}

function idsToBools(ids, length) {
  const bools = new Array(length).fill(false);
  for (const id of ids) bools[id - 1] = true;
  return bools;
}

// cmpapi lists are booleans (bitfields) or ids (vendor lists).
function cmpapiIds(list) {
  return list.length > 0 && typeof list[0] === 'boolean' ? boolsToIds(list) : sortedIds(list);
}

function pick(object, keys) {
  const out = {};
  for (const key of keys) out[key] = object[key];
  return out;
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// A TC string segment's type: the top 3 bits of its first base64url character
// (0 core, 1 DisclosedVendors, 2 AllowedVendors, 3 PublisherTC).
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function tcSegmentTypes(text) {
  return text.split('.').map((segment) => BASE64URL.indexOf(segment.charAt(0)) >> 3);
}

// ---------------------------------------------------------------------------
// Times. optin writes RFC 3339 UTC; TC strings hold deciseconds.

function formatTime(deciseconds) {
  const iso = new Date(deciseconds * 100).toISOString(); // 2022-04-20T22:00:00.300Z
  const tenths = deciseconds % 10;
  return iso.slice(0, 19) + (tenths ? `.${tenths}` : '') + 'Z';
}

// Milliseconds since the epoch, or null if `text` is not an RFC 3339 time.
function parseTimeMillis(text) {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|([+-])(\d\d):(\d\d))$/.exec(text);
  if (!m) return null;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (m[7]) ms += Math.round(Number(m[7]) * 1000);
  if (m[9]) ms -= (m[9] === '+' ? 1 : -1) * (+m[10] * 60 + +m[11]) * 60000;
  return ms;
}

// The canonical form of a time: formatTime of its deciseconds, or the input
// unchanged when it is no time or not a whole number of deciseconds.
function canonicalTime(text) {
  const ms = parseTimeMillis(text);
  return ms !== null && ms % 100 === 0 ? formatTime(ms / 100) : text;
}

function dateToDeciseconds(date) {
  return Math.round(date.getTime() / 100);
}

function decisecondsToDate(deciseconds) {
  return new Date(deciseconds * 100);
}

// ---------------------------------------------------------------------------
// Canonical forms: both sides of a comparison go through these, so only real
// differences remain. Keys optin writes that are not listed here are ignored.

function canonicalRestrictions(list) {
  if (!Array.isArray(list)) return list;
  const byKey = new Map();
  for (const r of list) {
    if (!isPlainObject(r) || !Array.isArray(r.vendors)) return list;
    const key = `${r.purpose}/${r.type}`;
    if (!byKey.has(key)) byKey.set(key, { purpose: r.purpose, type: r.type, vendors: new Set() });
    for (const v of r.vendors) byKey.get(key).vendors.add(v);
  }
  const entries = [...byKey.values()].filter((r) => r.vendors.size > 0);
  entries.sort((a, b) => a.purpose - b.purpose || a.type - b.type);
  const out = {};
  for (const r of entries) out[`[purpose=${r.purpose},type=${r.type}]`] = sortedIds(r.vendors);
  return out;
}

function canonicalPublisher(p) {
  if (p === undefined || p === null) {
    return { purpose_consents: [], purpose_legitimate_interests: [], num_custom_purposes: 0,
      custom_purpose_consents: [], custom_purpose_legitimate_interests: [] };
  }
  if (!isPlainObject(p)) return p;
  return pick(p, PUBLISHER_KEYS);
}

function canonicalTcf(m) {
  if (!isPlainObject(m)) return m;
  const out = pick(m, TCF_KEYS);
  out.created = canonicalTime(m.created);
  out.last_updated = canonicalTime(m.last_updated);
  out.publisher_restrictions = canonicalRestrictions(m.publisher_restrictions);
  out.disclosed_vendors = m.disclosed_vendors ?? [];
  out.publisher = canonicalPublisher(m.publisher);
  return out;
}

function canonicalOtherSections(list) {
  if (list === undefined) return {};
  if (!Array.isArray(list)) return list;
  const out = {};
  for (const s of list) out[`[id=${s?.id}]`] = s?.text;
  return out;
}

function canonicalSection(value, keys) {
  return isPlainObject(value) ? pick(value, keys) : value;
}

function canonicalGpp(m) {
  return {
    section_ids: m.section_ids,
    tcfeuv2: m.tcfeuv2 === undefined ? undefined : canonicalTcf(m.tcfeuv2),
    uspv1: canonicalSection(m.uspv1, ['version', ...USP_FIELDS.map(([key]) => key)]),
    usnat: canonicalSection(m.usnat, ['version', ...USNAT_FIELDS.map(([key]) => key), 'gpc']),
    usca: canonicalSection(m.usca, ['version', ...USCA_FIELDS.map(([key]) => key), 'gpc']),
    other_sections: canonicalOtherSections(m.other_sections),
  };
}

function canonical(kind, model) {
  return kind === 'tcf' ? canonicalTcf(model) : canonicalGpp(model);
}

// ---------------------------------------------------------------------------
// Field-by-field comparison. Returns messages `PATH: optin <json>, iab <json>`.

function render(value) {
  if (value === undefined) return '(absent)';
  const json = JSON.stringify(value);
  return json.length > MAX_RENDERED_CHARS ? `${json.slice(0, MAX_RENDERED_CHARS)}…` : json;
}

function isIdList(v) {
  return Array.isArray(v) && v.every(Number.isInteger);
}

function joinPath(path, key) {
  if (!path) return key;
  return key.startsWith('[') ? path + key : `${path}.${key}`;
}

function describeListDifference(path, optin, iab) {
  if (optin.length + iab.length <= MAX_FULL_LIST_IDS) {
    return `${path}: optin ${render(optin)}, iab ${render(iab)}`;
  }
  const inOptin = new Set(optin);
  const inIab = new Set(iab);
  const onlyOptin = optin.filter((id) => !inIab.has(id));
  const onlyIab = iab.filter((id) => !inOptin.has(id));
  if (onlyOptin.length === 0 && onlyIab.length === 0) {
    return `${path}: optin ${render(optin)}, iab ${render(iab)} (same ids, different order or repeats)`;
  }
  const common = optin.length - onlyOptin.length;
  return `${path}: optin ${render(onlyOptin)}, iab ${render(onlyIab)} ` +
    `(ids on one side only; ${common} ids on both)`;
}

function diff(optin, iab, path = '', out = []) {
  if (isPlainObject(optin) && isPlainObject(iab)) {
    const keys = new Set([...Object.keys(iab), ...Object.keys(optin)]);
    for (const key of keys) diff(optin[key], iab[key], joinPath(path, key), out);
  } else if (JSON.stringify(optin) !== JSON.stringify(iab)) {
    out.push(isIdList(optin) && isIdList(iab)
      ? describeListDifference(path, optin, iab)
      : `${path}: optin ${render(optin)}, iab ${render(iab)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// @iabtcf/core: TC strings.

// A TCModel as optin's JSON form. `segmentTypes` says which segments the
// string had: DisclosedVendors and PublisherTC appear only if present.
function tcfFromIabtcf(tc, segmentTypes) {
  const m = {};
  for (const [key, prop] of TCF_SCALARS) m[key] = tc[prop];
  for (const [key, prop] of TCF_TIMES) m[key] = formatTime(dateToDeciseconds(tc[prop]));
  for (const [key, prop] of TCF_CORE_LISTS) m[key] = sortedIds(tc[prop].values());
  const restrictions = tc.publisherRestrictions;
  m.publisher_restrictions = restrictions.getRestrictions().map((r) => ({
    purpose: r.purposeId, type: r.restrictionType, vendors: restrictions.getVendors(r),
  }));
  if (segmentTypes.includes(1)) m.disclosed_vendors = sortedIds(tc.vendorsDisclosed.values());
  if (segmentTypes.includes(3)) {
    const p = {};
    for (const [key, prop] of TCF_PUBLISHER_LISTS) p[key] = sortedIds(tc[prop].values());
    p.num_custom_purposes = tc.numCustomPurposes;
    m.publisher = pick(p, PUBLISHER_KEYS);
  }
  return inTcfOrder(m);
}

// optin's key order; the optional segments only when present.
function inTcfOrder(m) {
  const out = pick(m, [...TCF_KEYS, 'publisher_restrictions']);
  if (m.disclosed_vendors) out.disclosed_vendors = m.disclosed_vendors;
  if (m.publisher) out.publisher = m.publisher;
  return out;
}

function decodeTcf(text) {
  return tcfFromIabtcf(TCString.decode(text), tcSegmentTypes(text));
}

// PurposeRestrictionVector needs a GVL to encode (it merges vendor ranges
// across ids the GVL does not list) and drops restrictions the GVL's vendors
// do not allow. This stand-in lists vendors 1..MAX_GENERATED_VENDOR with
// every purpose declared consent, legitimate interest and flexible, so every
// restriction stays and ranges merge only consecutive ids.
let restrictionGvl = null;
function getRestrictionGvl() {
  if (restrictionGvl) return restrictionGvl;
  const purposeIds = range(1, 24);
  const purposes = {};
  for (const id of purposeIds) purposes[id] = { id, name: `Purpose ${id}`, description: '' };
  const vendors = {};
  for (const id of range(1, MAX_GENERATED_VENDOR)) {
    vendors[id] = { id, name: `Vendor ${id}`, purposes: purposeIds, legIntPurposes: purposeIds,
      flexiblePurposes: purposeIds, specialPurposes: [], features: [], specialFeatures: [] };
  }
  restrictionGvl = new GVL({ gvlSpecificationVersion: 3, vendorListVersion: 1, tcfPolicyVersion: 4,
    lastUpdated: '2024-01-01T00:00:00Z', purposes, specialPurposes: {}, features: {},
    specialFeatures: {}, stacks: {}, vendors });
  return restrictionGvl;
}

// Encodes a random TC spec (see randomTcf) with @iabtcf/core.
//
// TCString.encode is not used: it requires a loaded GVL and first runs
// SemanticPreEncoder, which overwrites consentLanguage with the GVL's
// language, sets vendorsDisclosed to every GVL vendor, drops consents of
// vendors the GVL does not declare, and (with the GVL on the TCModel) takes
// vendorListVersion and policyVersion from the GVL. Random fields would not
// survive that, so this does what TCString.encode does afterwards: one
// SegmentEncoder.encode per segment, joined with dots.
function encodeWithIabtcf(spec) {
  const tc = new TCModel(); // no GVL, see above
  for (const [key, prop] of TCF_SCALARS) tc[prop] = spec[key];
  for (const [key, prop] of TCF_TIMES) tc[prop] = decisecondsToDate(spec[key]);
  for (const [key, prop] of TCF_CORE_LISTS) tc[prop].set(spec[key]);
  tc.publisherRestrictions.gvl = getRestrictionGvl();
  for (const r of spec.publisher_restrictions) {
    for (const vendor of r.vendors) tc.publisherRestrictions.add(vendor, new PurposeRestriction(r.purpose, r.type));
  }
  tc.vendorsDisclosed.set(spec.disclosed_vendors);
  tc.numCustomPurposes = spec.publisher.num_custom_purposes;
  for (const [key, prop] of TCF_PUBLISHER_LISTS) tc[prop].set(spec.publisher[key]);

  const segments = [Segment.CORE];
  if (spec.with_disclosed_vendors) segments.push(Segment.VENDORS_DISCLOSED);
  if (spec.with_publisher) segments.push(Segment.PUBLISHER_TC);
  return segments.map((segment) => SegmentEncoder.encode(tc, segment)).join('.');
}

// ---------------------------------------------------------------------------
// @iabgpp/cmpapi: GPP strings.

function tcfFromCmpapi(gpp, sectionText) {
  const get = (field) => gpp.getFieldValue('tcfeuv2', field);
  const m = {};
  for (const [key, , field] of TCF_SCALARS) m[key] = get(field);
  for (const [key, , field] of TCF_TIMES) m[key] = formatTime(dateToDeciseconds(get(field)));
  for (const [key, , field] of TCF_CORE_LISTS) m[key] = cmpapiIds(get(field));
  m.publisher_restrictions = get('PublisherRestrictions').map((r) => ({
    purpose: r.getKey(), type: r.getType(), vendors: sortedIds(r.getIds()),
  }));
  const segmentTypes = tcSegmentTypes(sectionText);
  if (segmentTypes.includes(1)) m.disclosed_vendors = cmpapiIds(get('VendorsDisclosed'));
  if (segmentTypes.includes(3)) {
    const p = {};
    for (const [key, , field] of TCF_PUBLISHER_LISTS) p[key] = cmpapiIds(get(field));
    p.num_custom_purposes = get('NumCustomPurposes');
    m.publisher = pick(p, PUBLISHER_KEYS);
  }
  return inTcfOrder(m);
}

const USP_FLAGS = { Y: true, N: false, '-': null };

function uspFromCmpapi(gpp) {
  const m = { version: gpp.getFieldValue('uspv1', 'Version') };
  for (const [key, field] of USP_FIELDS) {
    const flag = gpp.getFieldValue('uspv1', field);
    m[key] = flag in USP_FLAGS ? USP_FLAGS[flag] : flag;
  }
  return m;
}

// usnat/usca. cmpapi slices usnat's lists to the version-1 lengths itself.
function usSectionFromCmpapi(gpp, name, fields) {
  const get = (field) => gpp.getFieldValue(name, field);
  const m = { version: get('Version') };
  for (const [key, field] of fields) m[key] = get(field);
  m.gpc = get('GpcSegmentIncluded') ? get('Gpc') : null;
  return m;
}

// A GPP string as optin's JSON form.
function decodeGpp(text) {
  const gpp = new GppModel(text);
  const parts = text.split('~');
  const headerIds = new HeaderV1(parts[0]).getFieldValue('SectionIds');
  const sectionIds = gpp.getSectionIds(); // also checks the string's shape
  const allKnown = headerIds.every((id) => Sections.SECTION_ID_NAME_MAP.has(id));
  const textOf = (id) => parts[headerIds.indexOf(id) + 1];

  const m = { section_ids: allKnown ? sectionIds : headerIds };
  if (gpp.hasSection('tcfeuv2')) m.tcfeuv2 = tcfFromCmpapi(gpp, textOf(2));
  if (gpp.hasSection('uspv1')) m.uspv1 = uspFromCmpapi(gpp);
  for (const [name, fields] of Object.entries(US_SECTIONS)) {
    if (gpp.hasSection(name)) m[name] = usSectionFromCmpapi(gpp, name, fields);
  }
  m.other_sections = headerIds.filter((id) => !MODELED_SECTION_IDS.has(id)).map((id) => ({ id, text: textOf(id) }));
  return m;
}

// Sets a random TC spec as cmpapi's tcfeuv2 section.
//
// cmpapi quirks: setting any tcfeuv2 field stamps Created and LastUpdated
// with today's date, and setting either time sets both, so the times go last
// and are equal; setting PurposeLegitimateInterests clears purposes 1 and
// 3-6 (policy); the custom bitfields take their length from
// NumCustomPurposes, so that goes first. cmpapi refuses to encode
// IsServiceSpecific false, and always writes core.DisclosedVendors.PublisherTC
// (never AllowedVendors), so those segments are always there.
function setTcfWithCmpapi(gpp, spec) {
  const set = (field, value) => gpp.setFieldValue('tcfeuv2', field, value);
  for (const [key, , field] of TCF_SCALARS) set(field, spec[key]);
  for (const [key, , field, bits] of TCF_CORE_LISTS) set(field, bits ? idsToBools(spec[key], bits) : [...spec[key]]);
  set('PublisherRestrictions', spec.publisher_restrictions.map((r) => new RangeEntry(r.purpose, r.type, [...r.vendors])));
  set('VendorsDisclosed', [...spec.disclosed_vendors]);
  const customCount = spec.publisher.num_custom_purposes;
  set('NumCustomPurposes', customCount);
  for (const [key, , field, bits] of TCF_PUBLISHER_LISTS) {
    set(field, idsToBools(spec.publisher[key], bits === 'custom' ? customCount : bits));
  }
  set('Created', decisecondsToDate(spec.created)); // sets LastUpdated too
}

function setUspWithCmpapi(gpp, spec) {
  const letters = new Map(Object.entries(USP_FLAGS).map(([letter, flag]) => [flag, letter]));
  gpp.setFieldValue('uspv1', 'Version', 1);
  for (const [key, field] of USP_FIELDS) gpp.setFieldValue('uspv1', field, letters.get(spec[key]));
}

// usnat version 1 is written by setting Version 1: cmpapi pads the shorter
// lists to the version-2 lengths and cuts them again when encoding.
function setUsSectionWithCmpapi(gpp, name, fields, spec) {
  gpp.setFieldValue(name, 'Version', spec.version);
  for (const [key, field] of fields) gpp.setFieldValue(name, field, spec[key]);
  gpp.setFieldValue(name, 'GpcSegmentIncluded', spec.gpc !== null); // cmpapi's default is true
  if (spec.gpc !== null) gpp.setFieldValue(name, 'Gpc', spec.gpc);
}

// ---------------------------------------------------------------------------
// Random models.

// mulberry32: a small seeded PRNG, uniform in [0, 1).
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  constructor(seed) { this.next = mulberry32(seed); }
  int(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p) { return this.next() < p; }
  pick(list) { return list[this.int(0, list.length - 1)]; }
  bool() { return this.chance(0.5); }
  // Each id of lo..hi with probability p.
  subset(lo, hi, p = this.next()) { return range(lo, hi).filter(() => this.chance(p)); }
  letters(n) { return Array.from({ length: n }, () => String.fromCharCode(65 + this.int(0, 25))).join(''); }
}

const TIME_FROM = Date.UTC(2020, 0, 1) / 100; // deciseconds
const TIME_TO = Date.UTC(2030, 0, 1) / 100;

function randomTime(rng) {
  const t = rng.int(TIME_FROM, TIME_TO);
  const shape = rng.int(0, 2); // deciseconds, whole seconds, midnight (as CMPs often write)
  if (shape === 1) return t - (t % 10);
  if (shape === 2) return t - (t % 864000);
  return t;
}

// Runs of consecutive ids in 1..max: few entries, so range encodings win.
function randomRuns(rng, max, runs = rng.int(1, 6)) {
  const ids = new Set();
  for (let i = 0; i < runs; i++) {
    const start = rng.int(1, max);
    const length = rng.chance(0.3) ? 1 : rng.int(1, 200);
    for (let id = start; id < start + length && id <= max; id++) ids.add(id);
  }
  return sortedIds(ids);
}

// Vendor ids: empty (20%), dense (40%, bitfield encodings), sparse runs
// (38%, ranges), and ids up to 65535 (2%: rare, @iabtcf/core walks every id
// up to the largest when encoding).
function randomVendors(rng) {
  const shape = rng.int(0, 49);
  if (shape < 10) return [];
  if (shape === 10) return randomRuns(rng, MAX_VENDOR_ID, rng.int(1, 3));
  const max = rng.int(1, MAX_GENERATED_VENDOR);
  if (shape < 31) return rng.subset(1, max, 0.2 + 0.8 * rng.next());
  return randomRuns(rng, max);
}

function randomPurposes(rng) {
  return rng.subset(1, rng.chance(0.2) ? 24 : 11);
}

function randomRestrictions(rng) {
  const used = new Set();
  const out = [];
  for (let i = rng.int(0, 3); i > 0; i--) {
    const purpose = rng.int(1, rng.chance(0.2) ? 24 : 11);
    const type = rng.int(0, 2);
    if (used.has(`${purpose}/${type}`)) continue;
    used.add(`${purpose}/${type}`);
    out.push({ purpose, type, vendors: randomRuns(rng, rng.int(1, MAX_GENERATED_VENDOR), rng.int(1, 4)) });
  }
  return out;
}

function randomPublisher(rng) {
  const customCount = rng.chance(0.1) ? rng.int(0, 63) : rng.int(0, 6);
  return {
    purpose_consents: randomPurposes(rng),
    purpose_legitimate_interests: randomPurposes(rng),
    num_custom_purposes: customCount,
    custom_purpose_consents: rng.subset(1, customCount),
    custom_purpose_legitimate_interests: rng.subset(1, customCount),
  };
}

// A random TC model: optin's field names, times in deciseconds, and which
// optional segments to write. For cmpapi (`forGpp`) the times are equal and
// the string is service specific (see setTcfWithCmpapi).
function randomTcf(rng, forGpp) {
  const created = randomTime(rng);
  const updatedLater = !forGpp && rng.bool();
  return {
    version: 2,
    created,
    last_updated: updatedLater ? created + rng.int(0, 30 * 864000) : created,
    cmp_id: rng.int(2, 4095), // @iabtcf/core refuses 0 and 1
    cmp_version: rng.int(0, 4095),
    consent_screen: rng.int(0, 63),
    consent_language: rng.letters(2),
    vendor_list_version: rng.int(1, 4095),
    policy_version: rng.chance(0.15) ? 2 : 4,
    is_service_specific: forGpp || rng.bool(),
    use_non_standard_texts: rng.bool(),
    purpose_one_treatment: rng.bool(),
    publisher_cc: rng.letters(2),
    special_feature_opt_ins: rng.subset(1, rng.chance(0.1) ? 12 : 2),
    purpose_consents: randomPurposes(rng),
    purpose_legitimate_interests: randomPurposes(rng),
    vendor_consents: randomVendors(rng),
    vendor_legitimate_interests: randomVendors(rng),
    publisher_restrictions: randomRestrictions(rng),
    disclosed_vendors: randomVendors(rng),
    publisher: randomPublisher(rng),
    with_disclosed_vendors: rng.bool(),
    with_publisher: rng.bool(),
  };
}

function randomUsp(rng) {
  const flag = () => rng.pick([true, false, null]);
  return { notice: flag(), opt_out_sale: flag(), lspa_covered: flag() };
}

function randomUsSection(rng, fields, version) {
  const spec = { version };
  for (const [key, , lengths] of fields) {
    if (lengths) spec[key] = Array.from({ length: lengths[version] }, () => rng.int(0, 2));
    else spec[key] = key === 'mspa_covered_transaction' ? rng.int(1, 2) : rng.int(0, 2);
  }
  spec.gpc = rng.bool() ? null : rng.bool();
  return spec;
}

function generateTcfLine(rng) {
  const text = encodeWithIabtcf(randomTcf(rng, false));
  return { kind: 'tcf', string: text, model: decodeTcf(text) };
}

// Sections 2, 6, 7 and 8, each with probability 1/2, at least one.
function generateGppLine(rng) {
  const names = ['tcfeuv2', 'uspv1', 'usnat', 'usca'];
  let chosen = names.filter(() => rng.bool());
  if (chosen.length === 0) chosen = [rng.pick(names)];
  const gpp = new GppModel();
  for (const name of chosen) {
    if (name === 'tcfeuv2') setTcfWithCmpapi(gpp, randomTcf(rng, true));
    if (name === 'uspv1') setUspWithCmpapi(gpp, randomUsp(rng));
    if (name === 'usnat') setUsSectionWithCmpapi(gpp, name, USNAT_FIELDS, randomUsSection(rng, USNAT_FIELDS, rng.chance(0.3) ? 1 : 2));
    if (name === 'usca') setUsSectionWithCmpapi(gpp, name, USCA_FIELDS, randomUsSection(rng, USCA_FIELDS, 1));
  }
  const text = gpp.encode();
  return { kind: 'gpp', string: text, model: decodeGpp(text) };
}

// ---------------------------------------------------------------------------
// Reading JSON Lines and reporting.

class UsageError extends Error {}

// Non-blank lines as {lineNo, value} or {lineNo, parseError}.
function readJsonLines(path) {
  let text;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${e.message}`);
  }
  const records = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push({ lineNo: i + 1, value: JSON.parse(line) });
    } catch (e) {
      records.push({ lineNo: i + 1, parseError: `not JSON: ${e.message}` });
    }
  });
  return records;
}

class Report {
  constructor() {
    this.total = 0;
    this.failed = 0;
    this.printed = 0;
    this.unprinted = 0;
  }

  // One string's outcome: an empty list of problems means agreement.
  add(lineNo, problems) {
    this.total++;
    if (problems.length === 0) return;
    this.failed++;
    for (const problem of problems) {
      if (this.printed < MAX_REPORTED_LINES) {
        console.log(`line ${lineNo}: ${problem}`);
        this.printed++;
      } else {
        this.unprinted++;
      }
    }
  }

  finish() {
    if (this.unprinted > 0) console.log(`(${this.unprinted} more disagreement lines not shown)`);
    if (this.failed > 0) {
      console.log(`${this.failed} of ${this.total} strings disagree`);
      return 1;
    }
    console.log(`${this.total} strings agree`);
    return 0;
  }
}

function decodeWithIab(kind, text) {
  if (kind === 'tcf') return decodeTcf(text);
  if (kind === 'gpp') return decodeGpp(text);
  throw new Error(`unknown kind ${JSON.stringify(kind)}`);
}

function errorMessage(e) {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------
// Commands.

function checkRecord(record) {
  if (record.parseError) return [record.parseError];
  const { kind, string: text, model } = record.value;
  if (kind !== 'tcf' && kind !== 'gpp') return [`unknown kind ${render(kind)}`];
  if (typeof text !== 'string') return ['no "string"'];
  if (!isPlainObject(model)) return ['"model" is not a JSON object'];
  let iabModel;
  try {
    iabModel = decodeWithIab(kind, text);
  } catch (e) {
    return [`iab cannot decode ${render(text)}: ${errorMessage(e)}`];
  }
  return diff(canonical(kind, model), canonical(kind, iabModel));
}

function runCheck(path) {
  const report = new Report();
  for (const record of readJsonLines(path)) report.add(record.lineNo, checkRecord(record));
  return report.finish();
}

function compareRecords(expected, actual) {
  if (expected.parseError) return [`EXPECTED ${expected.parseError}`];
  if (actual.parseError) return [actual.parseError];
  const want = expected.value;
  const got = actual.value;
  if (got.string !== want.string) return [`string: optin ${render(got.string)}, iab ${render(want.string)}`];
  if (got.error !== undefined) return [`optin error: ${got.error}`];
  if (!isPlainObject(got.model)) return ['"model" is not a JSON object'];
  return diff(canonical(want.kind, got.model), canonical(want.kind, want.model));
}

function runCompare(expectedPath, actualPath) {
  const expected = readJsonLines(expectedPath);
  const actual = readJsonLines(actualPath);
  const report = new Report();
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (i >= actual.length) {
      report.add(expected[i].lineNo, ['missing from ACTUAL']);
    } else if (i >= expected.length) {
      report.add(actual[i].lineNo, ['not in EXPECTED']);
    } else {
      report.add(actual[i].lineNo, compareRecords(expected[i], actual[i]));
    }
  }
  return report.finish();
}

function parseCount(text, what) {
  if (!/^\d+$/.test(text ?? '')) throw new UsageError(`${what} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return Number(text);
}

function runGenerate(kind, countText, seedText) {
  if (kind !== 'tcf' && kind !== 'gpp') throw new UsageError(`KIND must be tcf or gpp, not ${JSON.stringify(kind)}`);
  const count = parseCount(countText, 'COUNT');
  const rng = new Random(parseCount(seedText, 'SEED') % 4294967296);
  const makeLine = kind === 'tcf' ? generateTcfLine : generateGppLine;
  const lines = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify(makeLine(rng)));
  process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
  return 0;
}

const USAGE = `usage:
  node iab_peer.mjs check FILE
  node iab_peer.mjs generate tcf|gpp COUNT SEED
  node iab_peer.mjs compare EXPECTED ACTUAL`;

function main(argv) {
  const [command, ...args] = argv;
  const commands = {
    check: [1, () => runCheck(args[0])],
    generate: [3, () => runGenerate(args[0], args[1], args[2])],
    compare: [2, () => runCompare(args[0], args[1])],
  };
  try {
    const entry = commands[command];
    if (!entry || args.length !== entry[0]) throw new UsageError(USAGE);
    return entry[1]();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.message);
    return 2;
  }
}

// exitCode rather than exit(): lets a large stdout drain into a pipe first.
process.exitCode = main(process.argv.slice(2));
