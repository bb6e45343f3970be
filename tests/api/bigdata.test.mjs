// The big-data center synchronisation (M7), against the fake center of
// tests/api/lib/fake-bigdata.mjs that speaks docs/bigdata-protocol.md:
// the secret is sealed and never answered; a pull twice changes nothing the
// second time; a boundary change flags the site that falls outside and a
// withdrawn grid flags its site, never rebinding either; the center cut off
// in the middle of a pull loses nothing and duplicates nothing on the next
// run; a 429 is waited out; a site change reaches the center exactly once
// through lost answers and 5xx; a wrong secret is refused by the center and
// the outage raises an alert.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { startFakeCenter, sign } from './lib/fake-bigdata.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, admin, pd, fake;

const rect = (x0, y0, x1, y1) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
const SETTINGS = { enabled: false, sign_method: 'HMAC-SM3', timeout_s: 5, page_size: 10, interval_min: 5, alert_after_min: 30 };

async function runSync(body = {}) {
  const r = await admin.post('/api/v1/bigdata/runs', body);
  assert.equal(r.status, 201, r.body);
  for (let i = 0; i < 300; i++) {
    const g = await admin.get(`/api/v1/bigdata/runs/${r.json.id}`);
    if (g.json.status === 'ok' || g.json.status === 'failed') return g.json;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('sync run did not finish');
}

async function configure(extra = {}) {
  const r = await admin.put('/api/v1/bigdata/settings', { ...SETTINGS, base_url: fake.url, app_key: fake.appKey, secret: fake.secret, ...extra });
  assert.equal(r.status, 200, r.body);
  return r.json;
}

const bigdataGrids = async () => (await admin.get('/api/v1/grids?source=bigdata&page_size=200')).json;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  fake = await startFakeCenter({ secret: 'Zd-BigData-Secret-2026' });
  // 25 grids of 陆家嘴 and 花木 away from the demo grids, and the demo's own PD-LJZ-01 unchanged
  for (let i = 0; i < 25; i++) {
    const x = 121.6 + (i % 5) * 0.01, y = 31.1 + Math.floor(i / 5) * 0.01;
    fake.putGrid({ code: `BD-${String(i).padStart(3, '0')}`, name: `大数据网格${i}`, org_code: i % 2 ? 'SH-PD-01' : 'SH-PD-02', geometry: rect(x, y, x + 0.01, y + 0.01), attributes: { households: 100 + i } });
  }
});

after(async () => {
  await fake?.stop();
  await srv?.stop();
});

test('the settings keep the secret sealed: never answered, not in the database in clear, not in the audit log', async () => {
  const early = await admin.post('/api/v1/bigdata/runs', {});
  assert.equal(early.status, 409);
  assert.equal(early.json.error.code, 'not_configured');
  const s = await configure();
  assert.equal(s.has_secret, true);
  assert.equal(s.secret, undefined);
  assert.equal(s.base_url, fake.url);
  assert.ok(!JSON.stringify((await admin.get('/api/v1/bigdata/settings')).json).includes(fake.secret));
  const sealed = srv.sql('SELECT secret_sealed FROM bigdata_settings WHERE id = 1');
  assert.match(sealed, /^v1\./);
  assert.ok(!sealed.includes(fake.secret));
  const audit = await admin.get('/api/v1/audit?action=bigdata.settings&page_size=5');
  if (audit.status === 200) assert.ok(!audit.body.includes(fake.secret));
  // keeping the secret: an empty one leaves it as it was
  const again = await admin.put('/api/v1/bigdata/settings', { ...SETTINGS, base_url: fake.url, app_key: fake.appKey, secret: '' });
  assert.equal(again.json.has_secret, true);
  assert.equal(srv.sql('SELECT secret_sealed FROM bigdata_settings WHERE id = 1'), sealed);
  // invalid input and a district worker
  const bad = await admin.put('/api/v1/bigdata/settings', { ...SETTINGS, base_url: 'ftp://x', page_size: 5 });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.base_url && bad.json.error.fields.page_size, bad.body);
  const noUrl = await admin.put('/api/v1/bigdata/settings', { ...SETTINGS, enabled: true, base_url: '' });
  assert.equal(noUrl.status, 422);
  assert.equal((await pd.get('/api/v1/bigdata/settings')).status, 403);
  assert.equal((await pd.post('/api/v1/bigdata/runs', {})).status, 403);
});

test('the fake center refuses a bad signature, and so a run with the wrong secret fails with the reason', async () => {
  const path = new URL(fake.url).pathname + '/v1/ping';
  const ts = String(Math.floor(Date.now() / 1000)), nonce = 'ab'.repeat(16);
  const good = sign({ secret: fake.secret, verb: 'GET', path, timestamp: ts, nonce });
  const h = { 'X-Zd-App-Key': fake.appKey, 'X-Zd-Timestamp': ts, 'X-Zd-Nonce': nonce, 'X-Zd-Content-Digest': good.digest, 'X-Zd-Signature-Method': 'HMAC-SM3' };
  assert.equal((await fetch(fake.url + '/v1/ping', { headers: { ...h, 'X-Zd-Signature': '0'.repeat(64) } })).status, 401);
  assert.equal((await fetch(fake.url + '/v1/ping', { headers: { ...h, 'X-Zd-Signature': good.signature } })).status, 200);
  // the same nonce again is a replay
  assert.equal((await fetch(fake.url + '/v1/ping', { headers: { ...h, 'X-Zd-Signature': good.signature } })).status, 401);

  await configure({ secret: 'not-the-secret' });
  const before = fake.stats.badSignatures;
  const run = await runSync();
  assert.equal(run.status, 'failed');
  assert.match(run.error, /签名验证失败/);
  assert.ok(fake.stats.badSignatures > before);
  assert.equal((await bigdataGrids()).total, 0);
  await configure();
});

test('测试连接 says whether the center is reached and accepts the signature, with the form\'s values, saving nothing', async () => {
  // the saved settings
  let r = await admin.post('/api/v1/bigdata/test', {});
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.ok, true, r.body);
  assert.equal(r.json.status, 200);
  assert.match(r.json.message, /连接正常/);
  assert.ok(r.json.server_time);
  // a secret typed in the form but not saved: refused by the center, the saved one unchanged
  const sealed = srv.sql('SELECT secret_sealed FROM bigdata_settings WHERE id = 1');
  r = await admin.post('/api/v1/bigdata/test', { secret: 'typed-but-wrong' });
  assert.equal(r.json.ok, false);
  assert.equal(r.json.status, 401);
  assert.match(r.json.message, /签名验证失败/);
  assert.equal(srv.sql('SELECT secret_sealed FROM bigdata_settings WHERE id = 1'), sealed);
  // an address where nothing answers
  r = await admin.post('/api/v1/bigdata/test', { base_url: 'http://127.0.0.1:9/zhendi' });
  assert.equal(r.json.ok, false);
  assert.equal(r.json.status, 0);
  assert.match(r.json.message, /无法连接大数据中心/);
  // bad input, and a district worker without the permission
  assert.equal((await admin.post('/api/v1/bigdata/test', { base_url: 'ftp://x' })).status, 422);
  assert.equal((await pd.post('/api/v1/bigdata/test', {})).status, 403);
  // every attempt audited with its outcome; never the secret
  const auditor = await srv.login('auditor');
  const audit = (await auditor.get('/api/v1/audit?action=bigdata.test&page_size=10')).json;
  assert.equal(audit.items.length, 3, JSON.stringify(audit.items));
  assert.deepEqual(audit.items.map((a) => a.outcome).sort(), ['failure', 'failure', 'success']);
  assert.ok(!JSON.stringify(audit).includes('typed-but-wrong') && !JSON.stringify(audit).includes(fake.secret));
});

test('the center cut off in the middle of a pull: the next run completes without duplicates; a second pull changes nothing', async () => {
  fake.faults.cutAfterPages = 1; // the second page's connection is cut
  const first = await runSync();
  assert.equal(first.status, 'failed', JSON.stringify(first));
  assert.match(first.error, /无法连接大数据中心/);
  assert.equal(first.pulled, 10);
  assert.equal((await bigdataGrids()).total, 10);

  fake.faults.status429 = 1; // and rate limited once: waited out
  const second = await runSync();
  assert.equal(second.status, 'ok', JSON.stringify(second));
  assert.equal(second.changed, 15);
  const list = await bigdataGrids();
  assert.equal(list.total, 25);
  assert.equal(new Set(list.items.map((g) => g.code)).size, 25);
  assert.equal(list.items.find((g) => g.code === 'BD-003').attributes.households, 103);
  // Pudong's outline takes the pulled grids in: the demo's three (two pieces)
  // and the 5 × 5 lattice of pulled ones dissolved into a third piece
  const outline = (await admin.get('/api/v1/grids/district-outlines')).json.features.find((f) => f.properties.district_name === '浦东新区');
  assert.equal(outline.properties.grid_count, 28);
  assert.equal(outline.geometry.type, 'MultiPolygon');
  assert.equal(outline.geometry.coordinates.length, 3);
  const pdArea = (await pd.get('/api/v1/grids?page_size=200')).json.items.reduce((a, g) => a + g.area_m2, 0);
  assert.ok(Math.abs(outline.properties.area_m2 - pdArea) / pdArea < 0.002, `${outline.properties.area_m2} ≈ ${pdArea}`);

  const third = await runSync();
  assert.equal(third.status, 'ok');
  assert.deepEqual([third.pulled, third.changed, third.failed], [0, 0, 0]);
  // a full pull from the beginning: everything received again, nothing changed
  const full = await runSync({ full: true });
  assert.equal(full.status, 'ok');
  assert.equal(full.kind, 'full');
  assert.deepEqual([full.pulled, full.changed], [25, 0]);
  const runs = await admin.get('/api/v1/bigdata/runs?page_size=50');
  assert.ok(runs.json.total >= 4);
});

test('a boundary change flags the site outside it and a withdrawn grid flags its site; neither is rebound; a bad grid is refused with the reason', async () => {
  const sites = (await admin.get('/api/v1/sites?page_size=50')).json.items;
  const ljz = sites.find((s) => s.grid_code === 'PD-LJZ-01'); // at 121.500, 31.236
  const ljz2 = sites.find((s) => s.grid_code === 'PD-LJZ-02');
  fake.putGrid({ code: 'PD-LJZ-01', name: '陆家嘴街道第一网格', org_code: 'SH-PD-01', geometry: rect(121.495, 31.230, 121.505, 31.234) });
  fake.deleteGrid('PD-LJZ-02');
  fake.putGrid({ code: 'BD-BAD', name: '自相交', org_code: 'SH-PD-01', geometry: { type: 'Polygon', coordinates: [[[121.7, 31.3], [121.71, 31.31], [121.71, 31.3], [121.7, 31.31], [121.7, 31.3]]] } });
  fake.putGrid({ code: 'BD-NOORG', name: '无组织', org_code: 'NOPE', geometry: rect(121.7, 31.4, 121.71, 31.41) });
  const run = await runSync();
  assert.equal(run.status, 'ok', JSON.stringify(run));
  assert.deepEqual([run.pulled, run.changed, run.failed, run.flagged], [4, 2, 2, 2]);
  const reasons = Object.fromEntries(run.details.map((d) => [d.code, d.reason]));
  assert.match(reasons['BD-BAD'], /自相交/);
  assert.match(reasons['BD-NOORG'], /org_code/);

  const flagged = (await admin.get('/api/v1/sites?flagged=true&page_size=50')).json.items;
  const a = flagged.find((s) => s.id === ljz.id), b = flagged.find((s) => s.id === ljz2.id);
  assert.equal(a.location_flag, 'outside');
  assert.equal(a.grid_id, ljz.grid_id); // still bound to its grid
  assert.equal(b.location_flag, 'grid_deleted');
  assert.equal((await admin.get(`/api/v1/grids/${ljz2.grid_id}`)).status, 404);
  // the withdrawn grid has left Pudong's outline
  const outline = (await pd.get('/api/v1/grids/district-outlines')).json.features[0];
  assert.equal(outline.properties.grid_count, 27);
  // pulling again changes nothing
  const again = await runSync();
  assert.deepEqual([again.pulled, again.changed], [0, 0]);
});

test('编码对照: a grid whose org_code is the center\'s own code is refused with the reason until the code is mapped to a district', async () => {
  const rect1 = rect(121.9, 31.3, 121.91, 31.31);
  fake.putGrid({ code: 'BD-MAP-1', name: '对照网格', org_code: '310115', geometry: rect1 });
  const before = await runSync();
  assert.equal(before.status, 'ok', JSON.stringify(before));
  assert.ok(before.details.some((d) => d.code === 'BD-MAP-1' && /编码对照/.test(d.reason)), JSON.stringify(before.details));
  assert.equal((await admin.get('/api/v1/grids?source=bigdata&q=对照网格')).json.total, 0);

  const pudong = (await admin.get('/api/v1/orgs?type=district&q=浦东')).json.items[0];
  const branch = (await admin.get(`/api/v1/orgs?parent_id=${pudong.id}&page_size=200`)).json.items.find((o) => !['district', 'street'].includes(o.type));
  if (branch) {
    const bad = await admin.post('/api/v1/bigdata/org-map', { code: '310115', org_id: branch.id });
    assert.equal(bad.status, 422, bad.body);
    assert.ok(bad.json.error.fields.org_id);
  }
  assert.equal((await pd.post('/api/v1/bigdata/org-map', { code: '310115', org_id: pudong.id })).status, 403);
  const made = await admin.post('/api/v1/bigdata/org-map', { code: '310115', org_id: pudong.id, note: '浦东新区行政区划代码' });
  assert.equal(made.status, 201, made.body);
  assert.equal(made.json.org_name, pudong.name);
  const dup = await admin.post('/api/v1/bigdata/org-map', { code: '310115', org_id: pudong.id });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, 'duplicate_code');
  const list = await admin.get('/api/v1/bigdata/org-map?q=3101');
  assert.deepEqual(list.json.items.map((m) => m.code), ['310115']);

  const after = await runSync({ full: true });
  assert.equal(after.status, 'ok', JSON.stringify(after));
  const grid = (await admin.get('/api/v1/grids?source=bigdata&q=对照网格')).json.items[0];
  assert.ok(grid, 'the grid arrives once its code is mapped');
  assert.equal(grid.org_id, pudong.id);

  assert.equal((await admin.del(`/api/v1/bigdata/org-map/${made.json.id}`)).status, 204);
  assert.equal((await admin.get(`/api/v1/bigdata/org-map/${made.json.id}`)).status, 404);
  const auditor = await srv.login('auditor');
  for (const action of ['bigdata.org_map_create', 'bigdata.org_map_delete']) {
    assert.equal((await auditor.get(`/api/v1/audit?action=${action}`)).json.total, 1, action);
  }
  fake.deleteGrid('BD-MAP-1');
  await runSync();
});

test('a site change reaches the center exactly once through a lost answer and a 503, retried with backoff; failures are visible', async () => {
  const hm = (await admin.get('/api/v1/grids?q=PD-HM-01')).json.items[0];
  const created = await pd.post('/api/v1/sites', { name: '花木大数据测试阵地', type: 'point', address: '浦东新区花木路 1 号', lon: 121.548, lat: 31.212, grid_id: hm.id });
  assert.equal(created.status, 201, created.body);
  const ext = created.json.external_id;
  const queued = (await admin.get('/api/v1/bigdata/outbox?status=pending&page_size=50')).json.items.filter((x) => x.site_id === created.json.id);
  assert.equal(queued.length, 1);

  // a signature refused (the settings' fault) leaves the change queued, not failed
  await configure({ secret: 'not-the-secret' });
  const refused = await runSync();
  assert.equal(refused.status, 'failed');
  const kept = (await admin.get('/api/v1/bigdata/outbox?page_size=50')).json.items.find((x) => x.site_id === created.json.id);
  assert.equal(kept.status, 'pending');
  assert.equal((await admin.post(`/api/v1/bigdata/outbox/${kept.id}/retry`, {})).status, 200);
  await configure();

  fake.faults.pushLoseAnswer = 1; // applied by the center, answer lost
  const r1 = await runSync();
  assert.equal(r1.status, 'failed');
  let row = (await admin.get('/api/v1/bigdata/outbox?failing=true&page_size=50')).json.items.find((x) => x.site_id === created.json.id);
  assert.equal(row.status, 'pending');
  assert.equal(row.attempts, 2); // the refused signature, then the lost answer
  assert.ok(row.last_error);
  assert.ok(Date.parse(row.next_at) > Date.now() + 20000, 'backoff of about 30 s');
  // not due yet: the next run leaves it alone
  const r2 = await runSync();
  assert.equal(r2.pushed, 0);

  // editing is never blocked by a pending push
  const edited = await pd.patch(`/api/v1/sites/${created.json.id}`, { opening_hours: '9:00-17:00' });
  assert.equal(edited.status, 200, edited.body);
  row = (await admin.get('/api/v1/bigdata/outbox?status=pending&page_size=50')).json.items.filter((x) => x.site_id === created.json.id);
  assert.equal(row.length, 1, 'the newer change replaces the unsent one');
  assert.equal(row[0].attempts, 0);

  fake.faults.push500 = 1;
  const r3 = await runSync();
  assert.equal(r3.status, 'failed');
  row = (await admin.get('/api/v1/bigdata/outbox?failing=true&page_size=50')).json.items.find((x) => x.site_id === created.json.id);
  const retry = await admin.post(`/api/v1/bigdata/outbox/${row.id}/retry`, {});
  assert.equal(retry.status, 200, retry.body);
  const r4 = await runSync();
  assert.equal(r4.status, 'ok', JSON.stringify(r4));
  assert.equal(r4.pushed, 1);
  const sent = await admin.get(`/api/v1/bigdata/outbox?status=sent&page_size=50`);
  assert.ok(sent.json.items.some((x) => x.site_id === created.json.id));
  assert.equal((await admin.post(`/api/v1/bigdata/outbox/${row.id}/retry`, {})).status, 409);

  const at = fake.sites.get(ext);
  assert.equal(at.record.opening_hours, '9:00-17:00');
  assert.equal(at.record.grid_code, 'PD-HM-01');
  assert.equal(at.record.deleted, false);
  // the first change (lost answer) and the edit: each applied exactly once
  assert.equal(at.applied, 2);
  assert.equal(new Set(at.keys).size, 2);

  // a deletion is pushed as deleted
  assert.equal((await pd.del(`/api/v1/sites/${created.json.id}`)).status, 204);
  assert.equal((await runSync()).pushed, 1);
  assert.equal(fake.sites.get(ext).record.deleted, true);
  assert.equal(fake.sites.get(ext).applied, 3);
  // a district sees only its own organisations' queue, and may not retry
  const mine = await pd.get('/api/v1/bigdata/outbox');
  assert.equal(mine.status, 403);
});

test('the center unreachable for longer than the threshold: the run fails and the administrators are alerted once', async () => {
  await configure({ alert_after_min: 0 });
  fake.faults.down = true;
  try {
    const run = await runSync();
    assert.equal(run.status, 'failed');
    assert.match(run.error, /无法连接大数据中心/);
    const s = (await admin.get('/api/v1/bigdata/settings')).json;
    assert.ok(s.unreachable_since);
    const notes = (await admin.get('/api/v1/notifications?page_size=50')).json.items.filter((n) => n.kind === 'bigdata.unreachable');
    assert.equal(notes.length, 1);
    await runSync();
    const again = (await admin.get('/api/v1/notifications?page_size=50')).json.items.filter((n) => n.kind === 'bigdata.unreachable');
    assert.equal(again.length, 1, 'one alert per outage');
  } finally {
    fake.faults.down = false;
  }
  const ok = await runSync();
  assert.equal(ok.status, 'ok');
  assert.equal((await admin.get('/api/v1/bigdata/settings')).json.unreachable_since, null);
});
