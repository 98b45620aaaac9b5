// @iabtcf/core (the IAB reference implementation) decoding and encoding one
// TC string in a loop: prints decodes/s and encodes/s. Encoding needs a GVL;
// one is synthesised with every vendor the string names.
const { TCString, GVL } = require('@iabtcf/core');

const tc = process.argv[2];
const seconds = Number(process.argv[3] || 3);

function rate(fn) {
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let now = start;
  while (now < end) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

const model = TCString.decode(tc);
const vendors = {};
const ids = new Set();
for (const v of [model.vendorConsents, model.vendorLegitimateInterests]) v.forEach((has, id) => { if (has) ids.add(id); });
for (let id = 1; id <= model.publisherRestrictions.getMaxVendorId(); id++) ids.add(id);
for (const id of ids) {
  vendors[id] = { id, name: `v${id}`, purposes: [1, 2, 3, 4, 7], legIntPurposes: [], flexiblePurposes: [2], specialPurposes: [],
    features: [], specialFeatures: [], policyUrl: 'https://example.invalid' };
}
const names = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i + 1, { id: i + 1, name: `p${i + 1}`, description: '' }]));
model.gvl = new GVL({
  gvlSpecificationVersion: 3, vendorListVersion: model.vendorListVersion, tcfPolicyVersion: model.policyVersion,
  lastUpdated: '2026-11-29T00:00:00Z', purposes: names(11), specialPurposes: names(3), features: names(3),
  specialFeatures: names(2), stacks: {}, dataCategories: names(11), vendors,
});
const decodes = rate(() => TCString.decode(tc));
const encodes = rate(() => TCString.encode(model));
console.log(JSON.stringify({ peer: '@iabtcf/core', decodes_per_s: Math.round(decodes), encodes_per_s: Math.round(encodes) }));
