// Coordinates in another reference system (issue 14, src/geo/proj.c): a
// GeoJSON import in CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549,
// metres) — named by the GeoJSON 2008 crs member or by the source_crs form
// field — lands in lon/lat where PROJ's own cs2cs puts it; a big-data center
// set to EPSG:4549 serves its grids in metres and they are converted before
// they are checked; an unsupported CRS is refused with 422.
// References: echo "3450000 660000" | cs2cs -d 10 EPSG:4549 EPSG:4490 (PROJ 9.1.1)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { startFakeCenter } from './lib/fake-bigdata.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, admin, pd, ljz, fake;

// easting, northing (EPSG:4549) → lon, lat (EPSG:4490 ≈ 4326)
const REF = [
  [[660000, 3450000], [121.6780257663, 31.1606654757]],
  [[661000, 3450000], [121.6885095793, 31.1605283860]],
  [[661000, 3451000], [121.6886695283, 31.1695438401]],
  [[660000, 3451000], [121.6781847233, 31.1696809782]],
];
const square = (shift = 0) => ({
  type: 'Polygon',
  coordinates: [[...REF.map(([m]) => [m[0] + shift, m[1]]), [REF[0][0][0] + shift, REF[0][0][1]]]],
});

function assertLandsOnReference(geometry) {
  const pts = geometry.coordinates[0];
  for (const [, [lon, lat]] of REF) {
    const near = pts.some(([x, y]) => Math.abs(x - lon) < 1e-7 && Math.abs(y - lat) < 1e-7);
    assert.ok(near, `no vertex within 1e-7° of ${lon}, ${lat}: ${JSON.stringify(pts)}`);
  }
}

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  const orgs = (await admin.get('/api/v1/orgs?type=street&page_size=200')).json.items;
  ljz = orgs.find((o) => o.code === 'SH-PD-01').id;
  fake = await startFakeCenter({ secret: 'Zd-Crs-Secret-2026' });
});

after(async () => {
  await fake?.stop();
  await srv?.stop();
});

test('a GeoJSON import in EPSG:4549 (crs member or source_crs) is stored in lon/lat where cs2cs puts it', async () => {
  const fc = {
    type: 'FeatureCollection',
    org_id: ljz,
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4549' } },
    features: [{ type: 'Feature', properties: { code: 'CRS-A', name: '平面坐标网格甲' }, geometry: square() }],
  };
  const r = await pd.post('/api/v1/grids/import', fc);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.created, 1, r.body);
  const a = (await pd.get(`/api/v1/grids/${r.json.results[0].id}`)).json;
  assertLandsOnReference(a.geometry);
  // about 1 km × 1 km
  assert.ok(Math.abs(a.area_m2 - 1e6) < 0.01e6, `area ${a.area_m2}`);

  // the same square 2 km east, named by the form field (over the crs member)
  const b = await pd.post('/api/v1/grids/import', {
    type: 'FeatureCollection', org_id: ljz, source_crs: 'EPSG:4549', crs: { type: 'name', properties: { name: 'EPSG:4326' } },
    features: [{ type: 'Feature', properties: { code: 'CRS-B', name: '平面坐标网格乙' }, geometry: square(2000) }],
  });
  assert.equal(b.json.created, 1, b.body);
  const g = (await pd.get(`/api/v1/grids/${b.json.results[0].id}`)).json.geometry;
  assert.ok(g.coordinates[0].every(([x, y]) => x > 121.69 && x < 121.71 && y > 31.16 && y < 31.17), JSON.stringify(g));

  // without a crs the same metres are not lon/lat: refused, nothing stored
  const plain = await pd.post('/api/v1/grids/import', { type: 'FeatureCollection', org_id: ljz, features: [{ type: 'Feature', properties: { code: 'CRS-C', name: '未声明坐标系' }, geometry: square() }] });
  assert.equal(plain.json.refused, 1, plain.body);
});

test('an unsupported or malformed CRS is refused with 422 and nothing is imported', async () => {
  const f = [{ type: 'Feature', properties: { code: 'CRS-X', name: '坐标系错误' }, geometry: square() }];
  const unknown = await pd.post('/api/v1/grids/import', { type: 'FeatureCollection', org_id: ljz, crs: { type: 'name', properties: { name: 'EPSG:2385' } }, features: f });
  assert.equal(unknown.status, 422, unknown.body);
  assert.match(unknown.json.error.fields.crs, /不支持坐标系 EPSG:2385/);
  const form = await pd.post('/api/v1/grids/import', { type: 'FeatureCollection', org_id: ljz, source_crs: 'EPSG:99999', features: f });
  assert.equal(form.status, 422, form.body);
  assert.match(form.json.error.fields.source_crs, /不支持/);
  const junk = await pd.post('/api/v1/grids/import', { type: 'FeatureCollection', org_id: ljz, crs: { type: 'link', properties: { href: 'x' } }, features: f });
  assert.equal(junk.status, 422, junk.body);
  assert.ok(junk.json.error.fields.crs);
  const list = (await pd.get('/api/v1/grids?q=CRS-X')).json;
  assert.equal(list.items.filter((x) => x.code === 'CRS-X').length, 0);
});

test('a big-data center set to EPSG:4549 serves metres; pulled grids are converted before they are checked', async () => {
  fake.putGrid({ code: 'BD-CRS-1', name: '大数据平面网格', org_code: 'SH-PD-01', geometry: square() });
  const SETTINGS = { enabled: false, sign_method: 'HMAC-SM3', timeout_s: 5, page_size: 10, interval_min: 5, alert_after_min: 30, base_url: fake.url, app_key: fake.appKey, secret: fake.secret };
  const bad = await admin.put('/api/v1/bigdata/settings', { ...SETTINGS, crs: 'EPSG:2385' });
  assert.equal(bad.status, 422, bad.body);
  assert.ok(bad.json.error.fields.crs);
  const s = await admin.put('/api/v1/bigdata/settings', { ...SETTINGS, crs: 'EPSG:4549' });
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.crs, 'EPSG:4549');
  // a save without crs keeps it
  const kept = await admin.put('/api/v1/bigdata/settings', SETTINGS);
  assert.equal(kept.json.crs, 'EPSG:4549');

  const run = await admin.post('/api/v1/bigdata/runs', {});
  assert.equal(run.status, 201, run.body);
  let done;
  for (let i = 0; i < 300 && !done; i++) {
    const g = await admin.get(`/api/v1/bigdata/runs/${run.json.id}`);
    if (g.json.status === 'ok' || g.json.status === 'failed') done = g.json;
    else await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(done?.status, 'ok', JSON.stringify(done));
  assert.equal(done.failed, 0, JSON.stringify(done));
  const items = (await admin.get('/api/v1/grids?source=bigdata&page_size=200')).json.items;
  const it = items.find((x) => x.code === 'BD-CRS-1');
  assert.ok(it, 'the grid was pulled');
  assertLandsOnReference((await admin.get(`/api/v1/grids/${it.id}`)).json.geometry);
});
