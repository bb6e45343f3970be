// District outlines (区界, issue 14): each district's outline is the union of
// its live grids, kept up to date when grids change. Huangpu's two demo
// grids share an edge, so its outline is one polygon whose area is the sum
// of theirs; Pudong's are two separate pieces, one with the hole of its
// grid. A district's user sees only their own district; the city sees all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, city, streets, districts;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  const admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  const all = (await admin.get('/api/v1/orgs?page_size=200')).json.items;
  streets = Object.fromEntries(all.filter((o) => o.type === 'street').map((o) => [o.code, o.id]));
  districts = Object.fromEntries(all.filter((o) => o.type === 'district').map((o) => [o.code, o.id]));
});

after(async () => {
  await srv?.stop();
});

const rect = (x0, y0, x1, y1) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
const outlines = async (who, q = '') => {
  const r = await who.get(`/api/v1/grids/district-outlines${q}`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.type, 'FeatureCollection');
  return r.json.features;
};
const gridsOf = async (who) => (await who.get('/api/v1/grids?page_size=200')).json.items;
const near = (a, b, rel = 0.002) => Math.abs(a - b) <= rel * Math.abs(b);

test('two adjacent grids make one polygon whose area is the sum of theirs', async () => {
  const fs = await outlines(hp);
  assert.equal(fs.length, 1, 'a district user sees their own district only');
  const f = fs[0];
  assert.equal(f.properties.district_name, '黄浦区');
  assert.equal(f.properties.grid_count, 2);
  assert.equal(f.geometry.type, 'Polygon', 'the shared edge is dissolved');
  assert.equal(f.geometry.coordinates.length, 1, 'no hole');
  const sum = (await gridsOf(hp)).reduce((s, g) => s + g.area_m2, 0);
  assert.ok(near(f.properties.area_m2, sum), `outline ${f.properties.area_m2} m² ≈ grids ${sum} m²`);
  // the outline's corners are the grids' outer corners: x from 121.475 to 121.494
  const xs = f.geometry.coordinates[0].map((p) => p[0]);
  assert.ok(Math.abs(Math.min(...xs) - 121.475) < 1e-9 && Math.abs(Math.max(...xs) - 121.494) < 1e-9);
  assert.ok(!xs.some((x, i) => Math.abs(x - 121.487) < 1e-9 && f.geometry.coordinates[0][i][1] > 31.2325), 'no vertex left inside on the dissolved edge');
});

test('separate grids make a MultiPolygon, and a hole of a grid stays a hole', async () => {
  const fs = await outlines(pd);
  assert.equal(fs.length, 1);
  const f = fs[0];
  assert.equal(f.properties.district_name, '浦东新区');
  assert.equal(f.properties.grid_count, 3);
  assert.equal(f.geometry.type, 'MultiPolygon');
  assert.equal(f.geometry.coordinates.length, 2, 'Lujiazui (two grids, one piece) and Huamu');
  assert.deepEqual(f.geometry.coordinates.map((p) => p.length).sort(), [1, 2], 'the hole of PD-LJZ-02');
  const sum = (await gridsOf(pd)).reduce((s, g) => s + g.area_m2, 0);
  assert.ok(near(f.properties.area_m2, sum), `outline ${f.properties.area_m2} m² ≈ grids ${sum} m²`);
});

test('the city sees every district; a district filter and another district are honoured', async () => {
  const fs = await outlines(city);
  const names = fs.map((f) => f.properties.district_name).sort();
  assert.deepEqual(names, ['浦东新区', '黄浦区'].sort());
  const one = await outlines(city, `?district_id=${districts['SH-PD']}`);
  assert.deepEqual(one.map((f) => f.properties.district_name), ['浦东新区']);
  assert.deepEqual(await outlines(hp, `?district_id=${districts['SH-PD']}`), [], 'another district: nothing');
  assert.equal((await srv.get('/api/v1/grids/district-outlines')).status, 401);
});

test('creating, moving, importing and deleting a grid updates the outlines at once', async () => {
  const before = (await outlines(hp))[0].properties.area_m2;
  // a new grid in Huangpu touching nothing: two pieces now
  const r = await hp.post('/api/v1/grids', { code: 'OL-1', name: '区界测试网格', org_id: streets['SH-HP-01'], geometry: rect(121.6, 31.3, 121.61, 31.31) });
  assert.equal(r.status, 201, r.body);
  let f = (await outlines(hp))[0];
  assert.equal(f.geometry.type, 'MultiPolygon');
  assert.equal(f.properties.grid_count, 3);
  assert.ok(near(f.properties.area_m2, before + r.json.area_m2));
  // moved so that it touches 外滩 (x 121.494): one polygon again
  const moved = rect(121.494, 31.230, 121.50, 31.236);
  const p = await hp.patch(`/api/v1/grids/${r.json.id}`, { geometry: moved });
  assert.equal(p.status, 200, p.body);
  f = (await outlines(hp))[0];
  assert.equal(f.geometry.type, 'Polygon');
  assert.ok(near(f.properties.area_m2, before + p.json.area_m2));
  // an import into Huangpu shows at once too
  const imp = await hp.post('/api/v1/grids/import', {
    type: 'FeatureCollection',
    org_id: streets['SH-HP-02'],
    features: [{ type: 'Feature', properties: { code: 'OL-2', name: '区界导入网格' }, geometry: rect(121.5, 31.230, 121.505, 31.236) }],
  });
  assert.equal(imp.status, 200, imp.body);
  assert.equal(imp.json.created, 1);
  f = (await outlines(hp))[0];
  assert.equal(f.properties.grid_count, 4);
  assert.equal(f.geometry.type, 'Polygon', 'adjacent to the moved grid');
  const xs = f.geometry.coordinates[0].map((q) => q[0]);
  assert.ok(Math.abs(Math.max(...xs) - 121.505) < 1e-9);
  // deleted: back to the start
  assert.equal((await hp.del(`/api/v1/grids/${imp.json.results[0].id}`)).status, 204);
  assert.equal((await hp.del(`/api/v1/grids/${r.json.id}`)).status, 204);
  f = (await outlines(hp))[0];
  assert.equal(f.properties.grid_count, 2);
  assert.ok(near(f.properties.area_m2, before, 1e-6));
});

test('a grid moved to another district leaves one outline and joins the other', async () => {
  const admin = await srv.admin();
  const r = await admin.post('/api/v1/grids', { code: 'OL-3', name: '跨区网格', org_id: streets['SH-PD-02'], geometry: rect(121.555, 31.205, 121.56, 31.22) });
  assert.equal(r.status, 201, r.body);
  let pdF = (await outlines(city, `?district_id=${districts['SH-PD']}`))[0];
  assert.equal(pdF.properties.grid_count, 4);
  assert.equal(pdF.geometry.coordinates.length, 2, 'joined Huamu (they share x = 121.555)');
  const p = await admin.patch(`/api/v1/grids/${r.json.id}`, { org_id: streets['SH-HP-01'] });
  assert.equal(p.status, 200, p.body);
  pdF = (await outlines(city, `?district_id=${districts['SH-PD']}`))[0];
  assert.equal(pdF.properties.grid_count, 3);
  const hpF = (await outlines(city, `?district_id=${districts['SH-HP']}`))[0];
  assert.equal(hpF.properties.grid_count, 3);
  assert.equal(hpF.geometry.type, 'MultiPolygon');
  assert.equal((await admin.del(`/api/v1/grids/${r.json.id}`)).status, 204);
});

test('a district of more than 300 grids is recomputed by the job grid.outlines, not in the request', async () => {
  const admin = await srv.admin();
  // the jobs enqueued by a change (the schedule's every 10 minutes carry its schedule_id)
  const enqueued = async () => (await admin.get('/api/v1/jobs?kind=grid.outlines&page_size=200')).json.items.filter((j) => !j.schedule_id).length;
  const jobsBefore = await enqueued();
  // 301 squares of 0.001° in a row that share their edges exactly (coordinates as decimal text)
  const x = (i) => Number((121.7 + i * 0.001).toFixed(3));
  const features = Array.from({ length: 301 }, (_, i) => ({
    type: 'Feature',
    properties: { code: `OL-J-${i}`, name: `作业网格${i}` },
    geometry: rect(x(i), 31.5, x(i + 1), 31.501),
  }));
  const r = await hp.post('/api/v1/grids/import', { type: 'FeatureCollection', org_id: streets['SH-HP-03'] ?? streets['SH-HP-01'], features });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.created, 301);
  assert.equal(await enqueued(), jobsBefore + 1, 'the import enqueued the job');
  let f;
  for (let i = 0; i < 300; i++) {
    f = (await outlines(hp))[0];
    if (!f.properties.stale && f.properties.grid_count === 303) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(f.properties.grid_count, 303);
  assert.equal(f.geometry.type, 'MultiPolygon', 'the demo grids and the row of 301');
  const row = f.geometry.coordinates.find((p) => p[0].some((q) => q[0] > 121.6));
  assert.ok(row, 'the row is one polygon');
  assert.equal(row.length, 1, 'no hole');
  // a rectangle: four corners, closed, and at most the ring's start left on an edge
  assert.ok(row[0].length <= 6, `dissolved into one rectangle (${row[0].length} positions)`);
  const xs = row[0].map((q) => q[0]);
  assert.ok(Math.abs(Math.min(...xs) - 121.7) < 1e-9 && Math.abs(Math.max(...xs) - 122.001) < 1e-9);
});
