// Writes the unit tests' fixtures (test/fixtures/dicts.json, sort-keys.json)
// from a running zhendi: the dictionaries (GET /api/v1/dicts) and the sort
// keys of every list route (x-sort-keys in GET /api/v1/openapi.json), as
// tests/e2e/kit.test.mjs compares them. Run after a server module adds
// labels or list routes:
//
//   node scripts/fixtures.mjs http://127.0.0.1:8080 pudong_dangwu 'Zhendi@Demo2026'
//
// (any account that may log in without TOTP; a demo account of --demo).
// Dictionaries the account is not given (the permission catalogue needs
// role.read) keep their entry of the old fixture.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [base = 'http://127.0.0.1:8080', username = 'pudong_dangwu', password = 'Zhendi@Demo2026'] = process.argv.slice(2);
const out = (name) => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username, password }),
});
if (!login.ok) throw new Error(`login: HTTP ${login.status} ${await login.text()}`);
const cookie = login.headers.get('set-cookie').split(';')[0];
const get = async (p) => {
  const r = await fetch(base + p, { headers: { cookie } });
  if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
  return r.json();
};

const dicts = await get('/api/v1/dicts');
const old = JSON.parse(readFileSync(out('dicts.json'), 'utf8')).dicts;
for (const [name, d] of Object.entries(old)) if (!dicts.dicts[name]) dicts.dicts[name] = d;
// one dictionary to a few lines, one item to a line: small diffs when a label changes
const J = (v) => JSON.stringify(v).replace(/","/g, '", "').replace(/":/g, '": ');
const dictText = Object.entries(dicts.dicts)
  .map(([name, d]) => `  ${J(name)}: {"title": ${J(d.title)}, "items": [\n${(d.items || []).map((x) => `    ${J(x)}`).join(',\n')}\n  ]}`)
  .join(',\n');
writeFileSync(out('dicts.json'), `{"dicts": {\n${dictText}\n}}\n`);
const doc = await get('/api/v1/openapi.json');
const keys = {};
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [m, op] of Object.entries(item)) {
    const sort = (op.parameters || []).find((p) => p.name === 'sort');
    if (sort) keys[`${m.toUpperCase()} ${path}`] = sort['x-sort-keys'];
  }
}
writeFileSync(out('sort-keys.json'), `{\n${Object.entries(keys).map(([k, v]) => `  ${J(k)}: ${J(v)}`).join(',\n')}\n}\n`);
console.log(`dicts: ${Object.keys(dicts.dicts).length}, list routes: ${Object.keys(keys).length}`);
