// Grids (网格, M6), as their users meet them: a district imports its grids
// from a GeoJSON FeatureCollection and learns, feature by feature, what was
// created, updated, left unchanged or refused (a self-intersecting boundary
// with GEOS's reason); a point is located in its grid — not in a hole, and
// on a border shared by two grids always in the same one (the smaller
// code); another district neither sees nor locates into them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, city, pdOrg, ljz, hm, hpStreet;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  const admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  pdOrg = pd.me.user.org_id;
  const orgs = (await admin.get('/api/v1/orgs?type=street&page_size=200')).json.items;
  ljz = orgs.find((o) => o.code === 'SH-PD-01').id;
  hm = orgs.find((o) => o.code === 'SH-PD-02').id;
  hpStreet = orgs.find((o) => o.code === 'SH-HP-01').id;
});

after(async () => {
  await srv?.stop();
});

const rect = (x0, y0, x1, y1, holes = []) => ({
  type: 'Polygon',
  coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], ...holes],
});
const feature = (code, name, geometry, extra = {}) => ({ type: 'Feature', properties: { code, name, ...extra }, geometry });
// a square with a square hole in its middle, and its neighbour to the east
const A = rect(120.0, 30.0, 120.01, 30.01, [[[120.004, 30.004], [120.004, 30.006], [120.006, 30.006], [120.006, 30.004], [120.004, 30.004]]]);
const B = rect(120.01, 30.0, 120.02, 30.01);
const BOWTIE = { type: 'Polygon', coordinates: [[[120.1, 30.1], [120.11, 30.11], [120.11, 30.1], [120.1, 30.11], [120.1, 30.1]]] };

test('a GeoJSON import reports each feature: created, refused with the reason, then updated and unchanged', async () => {
  const fc = {
    type: 'FeatureCollection',
    org_id: ljz,
    features: [
      feature('T-A', '测试网格甲', A, { households: 800 }),
      feature('T-B', '测试网格乙', B, { org_code: 'SH-PD-02' }),
      feature('T-BAD', '自相交网格', BOWTIE),
      feature('T-OPEN', '未闭合网格', { type: 'Polygon', coordinates: [[[120, 30], [120.1, 30], [120.1, 30.1], [120, 30.2]]] }),
      feature('T-HP', '他区网格', rect(121, 31, 121.01, 31.01), { org_code: 'SH-HP-01' }),
      { type: 'Feature', properties: { name: '无编码' }, geometry: B },
    ],
  };
  const r = await pd.post('/api/v1/grids/import', fc);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual([r.json.created, r.json.updated, r.json.unchanged, r.json.refused], [2, 0, 0, 4]);
  const by = Object.fromEntries(r.json.results.map((x) => [x.index, x]));
  assert.equal(by[0].result, 'created');
  assert.equal(by[1].result, 'created');
  assert.equal(by[2].result, 'refused');
  assert.match(by[2].reason, /自相交/);
  assert.match(by[2].reason, /Self-intersection/);
  assert.equal(by[3].result, 'refused');
  assert.match(by[3].reason, /未闭合/);
  assert.equal(by[4].result, 'refused', 'another district is outside the scope');
  assert.match(by[4].reason, /管理范围/);
  assert.equal(by[5].result, 'refused');
  assert.match(by[5].reason, /code/);

  const a = (await pd.get(`/api/v1/grids/${by[0].id}`)).json;
  assert.equal(a.code, 'T-A');
  assert.equal(a.org_id, ljz);
  assert.equal(a.district_name, '浦东新区');
  assert.equal(a.street_name, '陆家嘴街道');
  assert.equal(a.attributes.households, 800);
  assert.equal(a.source, 'import');
  assert.deepEqual(a.geometry, A);
  // about 1 km × 1.1 km less the hole (4 % of it)
  const outer = 0.01 * 111320 * Math.cos((30.005 * Math.PI) / 180) * 0.01 * 110574;
  assert.ok(Math.abs(a.area_m2 - outer * 0.96) / (outer * 0.96) < 0.01, `area ${a.area_m2} ≈ ${outer * 0.96}`);
  assert.ok(Math.abs(a.centroid[0] - 120.005) < 1e-6 && Math.abs(a.centroid[1] - 30.005) < 1e-6);
  assert.equal((await pd.get(`/api/v1/grids/${by[1].id}`)).json.org_id, hm, 'org_code names the street');

  // the same file again: nothing changes; a changed name is an update
  const again = await pd.post('/api/v1/grids/import', { ...fc, features: fc.features.slice(0, 2) });
  assert.equal(again.status, 200, again.body);
  assert.deepEqual([again.json.created, again.json.updated, again.json.unchanged], [0, 0, 2]);
  const renamed = await pd.post('/api/v1/grids/import', { type: 'FeatureCollection', org_id: ljz, features: [feature('T-A', '测试网格甲（新名）', A, { households: 800 })] });
  assert.equal(renamed.json.results[0].result, 'updated');
  assert.equal((await pd.get(`/api/v1/grids/${by[0].id}`)).json.name, '测试网格甲（新名）');

  const auditor = await srv.login('auditor');
  const rec = await auditor.get('/api/v1/audit?action=grid.import');
  assert.equal(rec.json.total, 3, 'every import is recorded');
});

test('creating a grid with a self-intersecting boundary is refused with the reason; a valid one is created once', async () => {
  const bad = await pd.post('/api/v1/grids', { code: 'T-C', name: '坏网格', org_id: ljz, geometry: BOWTIE });
  assert.equal(bad.status, 422, bad.body);
  assert.match(bad.json.error.fields.geometry, /自相交.*Self-intersection/);
  const notPoly = await pd.post('/api/v1/grids', { code: 'T-C', name: '点', org_id: ljz, geometry: { type: 'Point', coordinates: [120, 30] } });
  assert.equal(notPoly.status, 422);
  assert.match(notPoly.json.error.fields.geometry, /Polygon/);
  const range = await pd.post('/api/v1/grids', { code: 'T-C', name: '越界', org_id: ljz, geometry: rect(179.5, 30, 181, 31) });
  assert.equal(range.status, 422);
  const branch = (await pd.get('/api/v1/orgs?page_size=200')).json.items.find((o) => o.type === 'branch');
  if (branch) {
    const wrongOrg = await pd.post('/api/v1/grids', { code: 'T-C', name: '支部网格', org_id: branch.id, geometry: rect(120.2, 30, 120.21, 30.01) });
    assert.equal(wrongOrg.status, 422, 'a grid belongs to a district or a street');
  }
  const ok = await pd.post('/api/v1/grids', { code: 'T-C', name: '测试网格丙', org_id: pdOrg, geometry: { type: 'MultiPolygon', coordinates: [rect(120.2, 30, 120.21, 30.01).coordinates, rect(120.3, 30, 120.31, 30.01).coordinates] } });
  assert.equal(ok.status, 201, ok.body);
  assert.equal(ok.json.district_name, '浦东新区');
  const dup = await pd.post('/api/v1/grids', { code: 'T-C', name: '重复', org_id: pdOrg, geometry: rect(120.2, 30, 120.21, 30.01) });
  assert.equal(dup.status, 409);
  const patched = await pd.patch(`/api/v1/grids/${ok.json.id}`, { geometry: BOWTIE });
  assert.equal(patched.status, 422);
  const loc = await pd.get('/api/v1/grids/locate?lon=120.305&lat=30.005');
  assert.equal(loc.json.grid?.code, 'T-C', 'the second polygon of a MultiPolygon');
  assert.equal((await pd.del(`/api/v1/grids/${ok.json.id}`)).status, 204);
  assert.equal((await pd.get('/api/v1/grids/locate?lon=120.305&lat=30.005')).json.grid, null, 'a deleted grid locates nothing');
});

test('locating a point: inside, in a hole, on a shared border (the smaller code), outside; bad coordinates are 422', async () => {
  const at = async (lon, lat, who = pd) => {
    const r = await who.get(`/api/v1/grids/locate?lon=${lon}&lat=${lat}`);
    assert.equal(r.status, 200, r.body);
    return r.json;
  };
  let r = await at(120.002, 30.002);
  assert.equal(r.grid.code, 'T-A');
  assert.equal(r.on_border, false);
  r = await at(120.005, 30.005);
  assert.equal(r.grid, null, 'a point in the hole is in no grid');
  r = await at(120.004, 30.005);
  assert.equal(r.grid.code, 'T-A', "on the hole's ring: the grid's border");
  assert.equal(r.on_border, true);
  // on the border shared by T-A and T-B, many times: always T-A
  for (const lat of [30.0, 30.001, 30.0055, 30.01]) {
    r = await at(120.01, lat);
    assert.equal(r.grid.code, 'T-A', `border at ${lat}`);
    assert.equal(r.on_border, true);
  }
  r = await at(120.015, 30.005);
  assert.equal(r.grid.code, 'T-B');
  r = await at(120.5, 30.5);
  assert.equal(r.grid, null);
  // demo grids: 陆家嘴 has two grids side by side
  r = await at(121.500, 31.235);
  assert.equal(r.grid.code, 'PD-LJZ-01');
  r = await at(121.510, 31.235);
  assert.equal(r.grid, null, 'the demo hole of PD-LJZ-02');
  r = await at(121.512, 31.232);
  assert.equal(r.grid.code, 'PD-LJZ-02');
  for (const q of ['lon=200&lat=30', 'lon=abc&lat=30', 'lat=30', 'lon=120&lat=-91']) {
    const bad = await pd.get(`/api/v1/grids/locate?${q}`);
    assert.equal(bad.status, 422, q);
  }
});

test('another district neither sees, locates into, changes nor deletes the grids; the city sees all', async () => {
  const mine = (await pd.get('/api/v1/grids?q=T-A')).json.items[0];
  assert.ok(mine);
  assert.equal((await hp.get(`/api/v1/grids/${mine.id}`)).status, 404);
  assert.equal((await hp.patch(`/api/v1/grids/${mine.id}`, { name: '改' })).status, 404);
  assert.equal((await hp.del(`/api/v1/grids/${mine.id}`)).status, 404);
  assert.equal((await hp.get('/api/v1/grids/locate?lon=120.002&lat=30.002')).json.grid, null);
  const hpList = (await hp.get('/api/v1/grids?page_size=200')).json.items;
  assert.ok(hpList.length >= 2 && hpList.every((g) => g.district_name === '黄浦区'), 'huangpu sees its own');
  const all = (await city.get('/api/v1/grids?page_size=200')).json;
  assert.ok(all.items.some((g) => g.code === 'T-A') && all.items.some((g) => g.code === 'HP-NJD-01'));
  assert.equal((await city.post('/api/v1/grids', { code: 'X', name: 'X', org_id: hpStreet, geometry: B })).status, 403, 'a reviewer only reads');
  const fc = (await hp.get('/api/v1/grids/geojson')).json;
  assert.equal(fc.type, 'FeatureCollection');
  assert.ok(fc.features.length >= 2 && fc.features.every((f) => f.properties.district_name === '黄浦区' && f.geometry.type));
  const filtered = (await city.get(`/api/v1/grids?org_id=${hm}`)).json.items;
  assert.ok(filtered.length >= 1 && filtered.every((g) => g.street_name === '花木街道'));
});

// ---- service sites (阵地) ----

const site = (extra = {}) => ({ name: '测试阵地', type: 'station', address: '测试路 1 号', lon: 120.015, lat: 30.005, ...extra });
const gridId = async (code) => (await pd.get(`/api/v1/grids?q=${code}`)).json.items.find((g) => g.code === code).id;

test('one site per grid: a second site on the grid is 409 naming the site that holds it', async () => {
  const b = await gridId('T-B');
  const first = await pd.post('/api/v1/sites', site({ grid_id: b, name: '乙网格党群服务站', facilities: ['会议室'], staff: [{ name: '张三', phone: '13800000001', duty: '专职' }] }));
  assert.equal(first.status, 201, first.body);
  assert.equal(first.json.grid_code, 'T-B');
  assert.equal(first.json.org_id, hm, "the site belongs to its grid's organisation");
  assert.equal(first.json.street_name, '花木街道');
  assert.deepEqual(first.json.facilities, ['会议室']);
  assert.equal(first.json.staff[0].name, '张三');
  assert.match(first.json.external_id, /^[0-9a-f]{32}$/);
  const second = await pd.post('/api/v1/sites', site({ grid_id: b, name: '第二个阵地', lon: 120.012 }));
  assert.equal(second.status, 409, second.body);
  assert.equal(second.json.error.code, 'grid_taken');
  assert.match(second.json.error.message, /乙网格党群服务站/);
  // without grid_id the grid is the one the location falls in: taken as well
  const located = await pd.post('/api/v1/sites', site({ name: '第三个阵地', lon: 120.018 }));
  assert.equal(located.status, 409);
  // the grid cannot be deleted while it holds the site
  const del = await pd.del(`/api/v1/grids/${b}`);
  assert.equal(del.status, 409);
  assert.match(del.json.error.message, /乙网格党群服务站/);
  // deleting the site frees the grid
  assert.equal((await pd.del(`/api/v1/sites/${first.json.id}`)).status, 204);
  const again = await pd.post('/api/v1/sites', site({ grid_id: b, name: '乙网格新阵地' }));
  assert.equal(again.status, 201, again.body);
});

test("a site's location outside its grid is refused naming the grid it falls in", async () => {
  const a = await gridId('T-A');
  const outside = await pd.post('/api/v1/sites', site({ grid_id: a, name: '甲网格阵地', lon: 120.015, lat: 30.005 }));
  assert.equal(outside.status, 422, outside.body);
  assert.equal(outside.json.error.code, 'outside_grid');
  assert.match(outside.json.error.message, /测试网格乙.*T-B/);
  const inHole = await pd.post('/api/v1/sites', site({ grid_id: a, name: '甲网格阵地', lon: 120.005, lat: 30.005 }));
  assert.equal(inHole.status, 422, 'a point in the hole is outside the grid');
  assert.match(inHole.json.error.message, /也不在任何网格内/);
  const nowhere = await pd.post('/api/v1/sites', site({ name: '无网格阵地', lon: 125, lat: 35 }));
  assert.equal(nowhere.status, 422);
  const bad = await pd.post('/api/v1/sites', site({ grid_id: a, type: 'castle', lat: 95 }));
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.type && bad.json.error.fields.lat);
  const foreignPhoto = await pd.post('/api/v1/sites', site({ grid_id: a, lon: 120.002, lat: 30.002, photo_file_ids: [999999] }));
  assert.equal(foreignPhoto.status, 422);
  const ok = await pd.post('/api/v1/sites', site({ grid_id: a, name: '甲网格阵地', lon: 120.002, lat: 30.002, opening_hours: '9:00-17:00', floor_area: 250.5 }));
  assert.equal(ok.status, 201, ok.body);
  // moving it out of its grid is refused too
  const moved = await pd.patch(`/api/v1/sites/${ok.json.id}`, { lon: 120.015 });
  assert.equal(moved.status, 422);
  assert.match(moved.json.error.message, /T-B/);
  // the grid's boundary shrinks: the site is flagged for review, not rebound
  const shrunk = await pd.patch(`/api/v1/grids/${a}`, { geometry: rect(120.003, 30.0, 120.01, 30.01, A.coordinates.slice(1)) });
  assert.equal(shrunk.status, 200, shrunk.body);
  const flagged = (await pd.get(`/api/v1/sites/${ok.json.id}`)).json;
  assert.equal(flagged.location_flag, 'outside');
  assert.equal(flagged.grid_id, a);
  assert.ok((await pd.get('/api/v1/sites?flagged=true')).json.items.some((s) => s.id === ok.json.id));
  // fixing the location clears the flag
  const fixed = await pd.patch(`/api/v1/sites/${ok.json.id}`, { lon: 120.0035 });
  assert.equal(fixed.status, 200, fixed.body);
  assert.equal(fixed.json.location_flag, null);
});

test('another district neither sees nor edits the sites; the demo sites are there', async () => {
  const mine = (await pd.get('/api/v1/sites?q=乙网格新阵地')).json.items[0];
  assert.ok(mine);
  assert.equal((await hp.get(`/api/v1/sites/${mine.id}`)).status, 404);
  assert.equal((await hp.patch(`/api/v1/sites/${mine.id}`, { name: '改' })).status, 404);
  assert.equal((await hp.del(`/api/v1/sites/${mine.id}`)).status, 404);
  const b = await gridId('T-B');
  const hpTry = await hp.post('/api/v1/sites', site({ grid_id: b, name: '越权阵地' }));
  assert.equal(hpTry.status, 422, 'a grid outside the scope');
  const hpSites = (await hp.get('/api/v1/sites?page_size=200')).json.items;
  assert.ok(hpSites.length >= 2 && hpSites.every((s) => s.district_name === '黄浦区'));
  const all = (await city.get('/api/v1/sites?page_size=200')).json.items;
  assert.ok(all.some((s) => s.name === '陆家嘴金融城党建服务中心') && all.some((s) => s.name === '外滩楼宇党建阵地'));
  assert.equal((await city.patch(`/api/v1/sites/${mine.id}`, { name: '改' })).status, 403);
});

// ---- contracting (包干) ----

test('new-sector organisations and commissioners are bound to sites, audited, counted by district, street and category', async () => {
  const admin = await srv.admin();
  const orgs = (await admin.get('/api/v1/orgs?page_size=200&q=陆家嘴')).json.items;
  const committee = orgs.find((o) => o.code === 'SH-PD-01-C');
  const street = orgs.find((o) => o.code === 'SH-PD-01');
  const center = (await pd.get('/api/v1/sites?q=陆家嘴金融城')).json.items[0];
  const binhai = (await pd.get('/api/v1/sites?q=陆家嘴滨江')).json.items[0];
  assert.ok(committee && center && binhai);

  const bound = await pd.post(`/api/v1/sites/${center.id}/orgs`, { org_id: committee.id });
  assert.equal(bound.status, 200, bound.body);
  assert.deepEqual(bound.json.orgs.map((o) => o.org_id), [committee.id]);
  // one site per organisation at a time: 409 naming the site
  const twice = await pd.post(`/api/v1/sites/${binhai.id}/orgs`, { org_id: committee.id });
  assert.equal(twice.status, 409);
  assert.match(twice.json.error.message, /陆家嘴金融城党建服务中心/);
  // a street committee is not a new-sector organisation
  const notSector = await pd.post(`/api/v1/sites/${center.id}/orgs`, { org_id: street.id });
  assert.equal(notSector.status, 422);
  assert.match(notSector.json.error.fields.org_id, /新兴领域/);

  const mk = async (name, category) => {
    const r = await pd.post('/api/v1/commissioners', { name, category, org_id: street.id, phone: '13800000002' });
    assert.equal(r.status, 201, r.body);
    return r.json;
  };
  const zhang = await mk('张专员', 'fulltime');
  const li = await mk('李专员', 'volunteer');
  const wang = await mk('王专员', 'volunteer');
  assert.equal((await pd.post('/api/v1/commissioners', { name: 'X', category: 'boss', org_id: street.id })).status, 422);
  for (const [site, m] of [[center, zhang], [center, li], [binhai, li]]) {
    const r = await pd.post(`/api/v1/sites/${site.id}/commissioners`, { commissioner_id: m.id });
    assert.equal(r.status, 200, r.body);
  }
  assert.equal((await pd.post(`/api/v1/sites/${center.id}/commissioners`, { commissioner_id: li.id })).status, 409);
  const contracts = (await pd.get(`/api/v1/sites/${center.id}/contracts`)).json;
  assert.deepEqual(contracts.commissioners.map((m) => m.name).sort(), ['张专员', '李专员'].sort());
  assert.equal((await pd.get(`/api/v1/commissioners/${li.id}`)).json.sites, 2);

  const byCat = (await pd.get('/api/v1/contracting/stats?by=category')).json.items;
  const vol = byCat.find((x) => x.name === 'volunteer');
  assert.deepEqual([vol.commissioners, vol.serving], [2, 1], 'two volunteers, one serving a site');
  const byStreet = (await pd.get('/api/v1/contracting/stats?by=street')).json.items;
  const ljz = byStreet.find((x) => x.name === '陆家嘴街道');
  assert.deepEqual([ljz.sites, ljz.orgs, ljz.commissioners], [3, 1, 3], "two demo sites and 甲网格阵地");
  const byDistrict = (await city.get('/api/v1/contracting/stats?by=district')).json.items;
  assert.ok(byDistrict.find((x) => x.name === '浦东新区').orgs >= 1 && byDistrict.find((x) => x.name === '黄浦区'));
  assert.ok((await hp.get('/api/v1/contracting/stats?by=district')).json.items.every((x) => x.name === '黄浦区'), 'a district counts its own');
  assert.equal((await pd.get('/api/v1/contracting/stats?by=planet')).status, 422);

  // unbinding keeps the history and is audited; another district can do nothing
  assert.equal((await hp.post(`/api/v1/sites/${center.id}/orgs`, { org_id: committee.id })).status, 404);
  assert.equal((await hp.get(`/api/v1/commissioners/${zhang.id}`)).status, 404);
  const un = await pd.del(`/api/v1/sites/${center.id}/orgs/${committee.id}`);
  assert.equal(un.status, 200, un.body);
  assert.deepEqual(un.json.orgs, []);
  assert.equal((await pd.del(`/api/v1/sites/${center.id}/orgs/${committee.id}`)).status, 409);
  assert.equal((await pd.del(`/api/v1/sites/${binhai.id}/commissioners/${li.id}`)).status, 200);
  assert.equal((await pd.del(`/api/v1/commissioners/${wang.id}`)).status, 204);
  const auditor = await srv.login('auditor');
  for (const action of ['site.org_bind', 'site.org_unbind', 'site.commissioner_bind', 'site.commissioner_unbind', 'commissioner.create']) {
    const rec = await auditor.get(`/api/v1/audit?action=${action}`);
    assert.ok(rec.json.total >= 1, action);
  }
});

test("the map's outlines: simplified and rounded to about 1 m beside the exact boundary, one cached gzip answer per scope with an ETag (304), changed when a grid changes", async () => {
  // a boundary with a wiggle of a few centimetres on its bottom edge and
  // coordinates finer than a metre: its light form is the rectangle
  const bottom = [];
  for (let i = 0; i <= 40; i++) bottom.push([121.7 + i * 0.00025 + 0.00000013, 31.4 + (i % 2 ? 0.0000004 : 0)]);
  const ring = [...bottom, [121.71, 31.41], [121.7, 31.41], bottom[0]];
  const g = await pd.post('/api/v1/grids', { code: 'OL-01', name: '轮廓网格', org_id: hm, geometry: { type: 'Polygon', coordinates: [ring] } });
  assert.equal(g.status, 201, g.body);
  assert.equal((await pd.get(`/api/v1/grids/${g.json.id}`)).json.geometry.coordinates[0].length, 44, 'the exact boundary is kept');

  const get = (who, headers = {}) => who.get('/api/v1/grids/outlines', { headers: { 'accept-encoding': 'gzip', ...headers } });
  const r = await get(pd);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.get('content-encoding'), 'gzip');
  const etag = r.headers.get('etag');
  assert.match(etag, /^"ol-[0-9a-f]{16}"$/);
  assert.equal(r.json.type, 'FeatureCollection');
  const f = r.json.features.find((x) => x.properties.code === 'OL-01');
  assert.equal(f.id, g.json.id);
  assert.equal(f.properties.name, '轮廓网格');
  assert.equal(f.properties.district_name, '浦东新区');
  const outer = f.geometry.coordinates[0];
  assert.equal(f.geometry.type, 'Polygon');
  assert.equal(outer.length, 5, JSON.stringify(outer));
  assert.deepEqual(outer[0], outer[outer.length - 1], 'closed');
  for (const [x, y] of outer) for (const v of [x, y]) assert.ok(Math.abs(v * 1e5 - Math.round(v * 1e5)) < 1e-6, `${v} rounded to 1e-5°`);
  assert.deepEqual([...outer].sort(), [[121.7, 31.4], [121.7, 31.4], [121.71, 31.4], [121.71, 31.41], [121.7, 31.41]].sort());
  // a hole stays a hole (the demo's PD-LJZ-02)
  assert.equal(r.json.features.find((x) => x.properties.code === 'PD-LJZ-02').geometry.coordinates.length, 2);
  // every grid of the scope, and nothing outside it
  assert.equal(r.json.features.length, (await pd.get('/api/v1/grids?page_size=200')).json.total);
  const h = await get(hp);
  assert.ok(!h.json.features.some((x) => x.properties.code === 'OL-01'), 'not another district’s');
  assert.notEqual(h.headers.get('etag'), etag, 'another scope, another ETag');

  // the browser holds it: 304 without a body; without gzip the same JSON
  const again = await get(pd, { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  const plain = await pd.get('/api/v1/grids/outlines', { headers: { 'accept-encoding': 'identity' } });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.deepEqual(plain.json, r.json);

  // a grid renamed: another ETag, the new name
  assert.equal((await pd.patch(`/api/v1/grids/${g.json.id}`, { name: '轮廓网格（改）' })).status, 200);
  const changed = await get(pd, { 'if-none-match': etag });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal(changed.json.features.find((x) => x.id === g.json.id).properties.name, '轮廓网格（改）');
  // deleted: gone
  assert.equal((await pd.del(`/api/v1/grids/${g.json.id}`)).status, 204);
  assert.ok(!(await get(pd)).json.features.some((x) => x.id === g.json.id));
  // without grid.read: refused
  const anon = await srv.get('/api/v1/grids/outlines');
  assert.equal(anon.status, 401);
});

test("the map's outlines by bounding box (?bbox=, the map zoomed in): the grids meeting the box in the caller's scope, an ETag and cached body per box, a bad box 422", async () => {
  const mk = async (who, code, org, x) => {
    const r = await who.post('/api/v1/grids', { code, name: `外包框${code}`, org_id: org, geometry: rect(x, 31.5, x + 0.01, 31.51) });
    assert.equal(r.status, 201, r.body);
    return r.json.id;
  };
  const b1 = await mk(pd, 'BB-1', hm, 121.8);
  const b2 = await mk(pd, 'BB-2', ljz, 121.85);
  const b3 = await mk(hp, 'BB-3', hpStreet, 121.82);
  const get = (who, bbox, headers = {}) =>
    who.get(`/api/v1/grids/outlines${bbox ? `?bbox=${encodeURIComponent(bbox)}` : ''}`, { headers: { 'accept-encoding': 'gzip', ...headers } });
  const codes = (r) => r.json.features.map((f) => f.properties.code).sort();

  // one grid's box; a box that only touches its east edge still meets it
  const A = '121.795,31.495,121.805,31.515';
  const a = await get(city, A);
  assert.equal(a.status, 200, a.body);
  assert.equal(a.headers.get('content-encoding'), 'gzip');
  assert.deepEqual(codes(a), ['BB-1']);
  assert.deepEqual(codes(await get(city, '121.81,31.505,121.815,31.52')), ['BB-1'], 'touching the edge');
  assert.deepEqual(codes(await get(city, '121.811,31.505,121.815,31.52')), [], 'beside it');
  // the scope still holds: one box over the three, each district its own
  const W = '121.79,31.49,121.87,31.52';
  assert.deepEqual(codes(await get(city, W)), ['BB-1', 'BB-2', 'BB-3']);
  assert.deepEqual(codes(await get(pd, W)), ['BB-1', 'BB-2']);
  assert.deepEqual(codes(await get(hp, W)), ['BB-3']);
  // the whole scope is still every grid
  const all = await get(city);
  assert.equal(all.json.features.length, (await city.get('/api/v1/grids?page_size=1')).json.total);

  // an ETag per variant: the box's is its own; 304 for it, 200 for another box with it
  const etag = a.headers.get('etag');
  assert.match(etag, /^"ol-[0-9a-f]{16}"$/);
  const w = await get(city, W);
  assert.notEqual(etag, all.headers.get('etag'));
  assert.notEqual(etag, w.headers.get('etag'));
  assert.notEqual(w.headers.get('etag'), (await get(pd, W)).headers.get('etag'), 'same box, another scope');
  assert.equal((await get(city, A, { 'if-none-match': etag })).status, 304);
  const other = await get(city, W, { 'if-none-match': etag });
  assert.equal(other.status, 200);
  assert.equal(other.json.features.length, 3);
  // from the cache, the same body; without gzip the same JSON
  assert.deepEqual((await get(city, A)).json, a.json);
  assert.deepEqual((await city.get(`/api/v1/grids/outlines?bbox=${A}`, { headers: { 'accept-encoding': 'identity' } })).json, a.json);
  // a grid in the box changed: the box's ETag changes and it answers the new name
  assert.equal((await pd.patch(`/api/v1/grids/${b1}`, { name: '外包框（改）' })).status, 200);
  const changed = await get(city, A, { 'if-none-match': etag });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal(changed.json.features[0].properties.name, '外包框（改）');

  // a bad box: 422 naming bbox, in Chinese
  for (const bad of ['121,31,122', '121,31,122,32,1', 'a,b,c,d', '121.9,31.5,121.8,31.6', '121,31.6,122,31.5', '200,0,201,1', '0,-91,1,1', 'nan,0,1,1', '121,,122,32']) {
    const r = await get(city, bad);
    assert.equal(r.status, 422, `${bad}: ${r.body}`);
    assert.match(r.json.error.fields.bbox, /[\u4e00-\u9fff]/, r.body);
  }
  for (const bbox of ['121,31,122,32', ' 121 , 31 , 122 , 32 ', '-180,-90,180,90', '121.8,31.5,121.8,31.5'])
    assert.equal((await get(city, bbox)).status, 200, bbox);
  // an empty one is no box: the whole scope
  assert.equal((await city.get('/api/v1/grids/outlines?bbox=')).json.features.length, all.json.features.length);
  for (const [who, id] of [[pd, b1], [pd, b2], [hp, b3]]) assert.equal((await who.del(`/api/v1/grids/${id}`)).status, 204);
  assert.deepEqual(codes(await get(city, A)), [], 'deleted: gone from the box');
});
