// Activities of the service sites (阵地活动) and the coverage of the
// contracted organisations, as their users meet them: a district records
// political, governance and service activities of its sites naming the
// organisations contracted to the site that took part (another
// organisation is refused), with photos; it sees who took part how often in
// a period and who never did, and exports both lists to .xlsx; another
// district sees none of it; the city sees all.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { upload } from './lib/upload.mjs';
import { xlsx } from './lib/xlsx.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, city, work;
let center, binhai, hpSite, ljzC, ljzB, lzC3, hpC;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  const admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  work = mkdtempSync(join(tmpdir(), 'zhendi-activities-'));
  const orgs = (await admin.get('/api/v1/orgs?page_size=200')).json.items;
  const byCode = (code) => orgs.find((o) => o.code === code).id;
  [ljzC, ljzB, lzC3, hpC] = ['SH-PD-01-C', 'SH-PD-01-B', 'SH-PD-03-C', 'SH-HP-01-C'].map(byCode);
  center = (await pd.get('/api/v1/sites?q=陆家嘴金融城')).json.items[0];
  binhai = (await pd.get('/api/v1/sites?q=陆家嘴滨江')).json.items[0];
  hpSite = (await hp.get('/api/v1/sites?q=南京东路')).json.items[0];
  for (const [who, site, org] of [[pd, center, ljzC], [pd, center, ljzB], [pd, binhai, lzC3], [hp, hpSite, hpC]]) {
    const r = await who.post(`/api/v1/sites/${site.id}/orgs`, { org_id: org });
    assert.equal(r.status, 200, r.body);
  }
});

after(async () => {
  await srv?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const activity = (extra = {}) => ({ site_id: center.id, type: 'political', title: '主题党日', held_at: '2026-11-10', organisers: '陆家嘴街道党工委', people_reached: 40, ...extra });

async function xlsxText(client, path) {
  const r = await fetch(`${srv.base}${path}`, { headers: { cookie: client.cookie } });
  assert.equal(r.status, 200, path);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  const f = join(work, `export-${Date.now()}.xlsx`);
  writeFileSync(f, Buffer.from(await r.arrayBuffer()));
  return execFileSync('unzip', ['-p', f], { encoding: 'utf8' });
}

test('an activity names only organisations contracted to its site; the record is checked, audited, changed and deleted', async () => {
  const a = await pd.post('/api/v1/site-activities', activity({ org_ids: [ljzC, ljzB], summary: '学习二十届四中全会精神' }));
  assert.equal(a.status, 201, a.body);
  assert.equal(a.json.site_name, '陆家嘴金融城党建服务中心');
  assert.equal(a.json.district_name, '浦东新区');
  assert.equal(a.json.street_name, '陆家嘴街道');
  assert.deepEqual(a.json.org_ids.sort(), [ljzC, ljzB].sort());
  assert.match(a.json.held_at, /^2026-11-10T00:00:00/);

  // an organisation contracted to another site, or to none, or unknown: 422
  const other = await pd.post('/api/v1/site-activities', activity({ org_ids: [ljzC, lzC3] }));
  assert.equal(other.status, 422, other.body);
  assert.equal(other.json.error.code, 'not_contracted');
  assert.match(other.json.error.message, /陆家嘴街道新兴领域综合党委|新兴领域综合党委/);
  assert.equal((await pd.post('/api/v1/site-activities', activity({ org_ids: [999999] }))).status, 422);
  // bad input: every field named
  const bad = await pd.post('/api/v1/site-activities', { site_id: center.id, type: 'party', held_at: 'yesterday', people_reached: -1, org_ids: [ljzC, ljzC] });
  assert.equal(bad.status, 422);
  for (const f of ['type', 'title', 'held_at', 'organisers', 'people_reached', 'org_ids']) assert.ok(bad.json.error.fields[f], f);
  // a site of another district is not there
  const foreign = await pd.post('/api/v1/site-activities', activity({ site_id: hpSite.id }));
  assert.equal(foreign.status, 422);
  assert.match(foreign.json.error.fields.site_id, /管理范围/);

  // a change: an organisation whose contract ended may stay, a new one must be contracted
  assert.equal((await pd.del(`/api/v1/sites/${center.id}/orgs/${ljzB}`)).status, 200);
  const kept = await pd.patch(`/api/v1/site-activities/${a.json.id}`, { people_reached: 55, org_ids: [ljzB] });
  assert.equal(kept.status, 200, kept.body);
  assert.deepEqual(kept.json.org_ids, [ljzB]);
  assert.equal(kept.json.people_reached, 55);
  assert.equal((await pd.patch(`/api/v1/site-activities/${a.json.id}`, { org_ids: [lzC3] })).status, 422);
  assert.equal((await pd.post(`/api/v1/sites/${center.id}/orgs`, { org_id: ljzB })).status, 200);

  const d = await pd.post('/api/v1/site-activities', activity({ title: '待删除' }));
  assert.equal((await pd.del(`/api/v1/site-activities/${d.json.id}`)).status, 204);
  assert.equal((await pd.get(`/api/v1/site-activities/${d.json.id}`)).status, 404);
  const auditor = await srv.login('auditor');
  for (const action of ['site_activity.create', 'site_activity.update', 'site_activity.delete']) {
    const rec = await auditor.get(`/api/v1/audit?action=${action}`);
    assert.ok(rec.json.total >= 1, action);
  }
  await pd.del(`/api/v1/site-activities/${a.json.id}`);
});

test('activities carry photos from the storage module, served after the site scope check', async () => {
  const jpg = join(work, 'photo.jpg');
  execFileSync('convert', ['-size', '320x240', 'gradient:red-orange', jpg]);
  const fid = await upload(pd, readFileSync(jpg), { filename: '活动照片.jpg', purpose: 'photo' });
  const txt = await upload(pd, Buffer.from('不是图片'), { filename: 'a.txt', purpose: 'document' });
  assert.equal((await pd.post('/api/v1/site-activities', activity({ photo_file_ids: [txt] }))).status, 415);
  const a = await pd.post('/api/v1/site-activities', activity({ title: '带照片', photo_file_ids: [fid] }));
  assert.equal(a.status, 201, a.body);
  const img = await pd.get(a.json.photo_urls[0]);
  assert.equal(img.status, 200);
  assert.match(img.headers.get('content-type'), /^image\//);
  assert.equal((await hp.get(a.json.photo_urls[0])).status, 404, 'another district');
  assert.equal((await pd.post('/api/v1/site-activities', activity({ photo_file_ids: [fid] }))).status, 409, 'held by the first activity');
  assert.equal((await pd.del(`/api/v1/site-activities/${a.json.id}`)).status, 204);
});

test('a district sees, filters and exports only its activities; the city sees all', async () => {
  const mine = [];
  for (const x of [
    activity({ title: '政治学习', org_ids: [ljzC] }),
    activity({ title: '楼宇议事会', type: 'governance', held_at: '2026-11-20', org_ids: [ljzC, ljzB] }),
    activity({ title: '滨江义诊', type: 'service', site_id: binhai.id, held_at: '2026-11-25', people_reached: 120 }),
  ]) {
    const r = await pd.post('/api/v1/site-activities', x);
    assert.equal(r.status, 201, r.body);
    mine.push(r.json);
  }
  const theirs = await hp.post('/api/v1/site-activities', activity({ site_id: hpSite.id, title: '南京东路志愿服务', type: 'service', org_ids: [hpC] }));
  assert.equal(theirs.status, 201, theirs.body);

  const pdList = (await pd.get('/api/v1/site-activities?page_size=200')).json;
  assert.ok(pdList.items.every((x) => x.district_name === '浦东新区'));
  assert.ok(!pdList.items.some((x) => x.id === theirs.json.id));
  assert.equal((await pd.get(`/api/v1/site-activities/${theirs.json.id}`)).status, 404);
  assert.equal((await pd.patch(`/api/v1/site-activities/${theirs.json.id}`, { people_reached: 1 })).status, 404);
  assert.equal((await pd.del(`/api/v1/site-activities/${theirs.json.id}`)).status, 404);
  assert.ok(!(await hp.get('/api/v1/site-activities?page_size=200')).json.items.some((x) => mine.some((m) => m.id === x.id)));
  const all = (await city.get('/api/v1/site-activities?page_size=200')).json.items;
  assert.ok(all.some((x) => x.id === theirs.json.id) && all.some((x) => x.id === mine[0].id));
  assert.equal((await city.post('/api/v1/site-activities', activity())).status, 403, 'a reviewer only reads');

  const byType = (await pd.get('/api/v1/site-activities?type=governance')).json.items;
  assert.deepEqual(byType.map((x) => x.title), ['楼宇议事会']);
  const bySite = (await pd.get(`/api/v1/site-activities?site_id=${binhai.id}`)).json.items;
  assert.deepEqual(bySite.map((x) => x.title), ['滨江义诊']);
  const byDate = (await pd.get('/api/v1/site-activities?from=2026-11-15&to=2026-11-21')).json.items;
  assert.deepEqual(byDate.map((x) => x.title), ['楼宇议事会']);
  assert.equal((await pd.get('/api/v1/site-activities?from=someday')).status, 422);

  const text = await xlsxText(pd, '/api/v1/site-activities?format=xlsx');
  for (const s of ['活动类型', '治理活动', '服务活动', '参与的包干组织', '楼宇议事会', '陆家嘴街道新兴领域综合党委']) assert.ok(text.includes(s), s);
  assert.ok(!text.includes('南京东路志愿服务'), 'not another district’s');
});

test('coverage counts who took part how often in the period and who never did, per site, street and district, and exports the participation list', async () => {
  const from = '2026-11-01', to = '2026-12-01';
  // one more, outside the period: it does not count
  assert.equal((await pd.post('/api/v1/site-activities', activity({ title: '十月活动', held_at: '2026-10-15', org_ids: [ljzB] }))).status, 201);
  const cov = (await pd.get(`/api/v1/site-activities/coverage?from=${from}&to=${to}`)).json;
  const row = (org) => cov.items.find((x) => x.org_id === org);
  assert.equal(cov.items.length, 3, JSON.stringify(cov.items));
  assert.deepEqual([row(ljzC).activities, row(ljzC).took_part], [2, true]);
  assert.deepEqual([row(ljzB).activities, row(ljzB).took_part], [1, true]);
  assert.deepEqual([row(lzC3).activities, row(lzC3).took_part, row(lzC3).last_held_at], [0, false, null], 'never took part');
  assert.match(row(ljzC).last_held_at, /^2026-11-20/);
  assert.deepEqual([cov.total, cov.covered, cov.never], [3, 2, 1]);
  assert.ok(Math.abs(cov.rate - 2 / 3) < 1e-9);
  assert.ok(!cov.items.some((x) => x.org_id === hpC), 'another district');

  // the whole time: the October activity counts too
  assert.equal((await pd.get('/api/v1/site-activities/coverage')).json.items.find((x) => x.org_id === ljzB).activities, 2);
  // one site; one street (org_id: the street's organisation)
  const one = (await pd.get(`/api/v1/site-activities/coverage?site_id=${binhai.id}&from=${from}&to=${to}`)).json;
  assert.deepEqual([one.total, one.never], [1, 1]);
  const admin = await srv.admin();
  const street = (await admin.get('/api/v1/orgs?page_size=200&q=陆家嘴')).json.items.find((o) => o.code === 'SH-PD-01');
  const st = (await pd.get(`/api/v1/site-activities/coverage?org_id=${street.id}&from=${from}&to=${to}`)).json;
  assert.ok(st.items.every((x) => x.street_name === '陆家嘴街道') && st.total === 3);
  const hpCov = (await hp.get('/api/v1/site-activities/coverage')).json;
  assert.deepEqual(hpCov.items.map((x) => x.org_id), [hpC]);
  assert.equal((await city.get('/api/v1/site-activities/coverage')).json.total, 4);

  const text = await xlsxText(pd, `/api/v1/site-activities/coverage?format=xlsx&from=${from}&to=${to}`);
  for (const s of ['包干组织', '参与活动次数', '陆家嘴滨江党群服务站', '陆家嘴街道楼宇联合党支部']) assert.ok(text.includes(s), s);
  const auditor = await srv.login('auditor');
  assert.ok((await auditor.get('/api/v1/audit?action=site_contract.export')).json.total >= 1, 'the export is recorded');
});

test('portraits count activities per month and type, people reached, coverage and the activity rate of sites, each in its own scope', async () => {
  const period = 'from=2026-10-01&to=2026-12-01';
  const d = (await pd.get(`/api/v1/site-portraits?${period}`)).json;
  assert.deepEqual(d.by_month.map((m) => [m.month, m.activities]), [['2026-10', 1], ['2026-11', 3]]);
  assert.equal(d.activities, 4);
  assert.equal(d.people_reached, 240);
  assert.deepEqual(Object.fromEntries(d.by_type.map((x) => [x.type, x.activities])), { governance: 1, political: 2, service: 1 });
  assert.deepEqual([d.sites, d.active_sites, d.activity_rate], [2, 2, 1]);
  assert.deepEqual([d.contracted_orgs, d.covered_orgs], [3, 2]);
  assert.ok(Math.abs(d.coverage_rate - 2 / 3) < 1e-9);

  const one = (await pd.get(`/api/v1/site-portraits?site_id=${binhai.id}&${period}`)).json;
  assert.deepEqual([one.sites, one.activities, one.people_reached, one.contracted_orgs, one.covered_orgs], [1, 1, 120, 1, 0]);
  // another district: its own sites only; a Pudong site is not there for it
  const h = (await hp.get(`/api/v1/site-portraits?${period}`)).json;
  assert.equal(h.activities, 1);
  assert.equal((await hp.get(`/api/v1/site-portraits?site_id=${binhai.id}&${period}`)).json.sites, 0);
  const c = (await city.get(`/api/v1/site-portraits?${period}`)).json;
  assert.equal(c.activities, 5);
  assert.equal(c.sites, 4);
  assert.equal((await pd.get('/api/v1/site-portraits?from=2020-01-01&to=2026-12-01')).status, 422, 'at most 24 months');
  assert.equal((await pd.get('/api/v1/site-portraits?from=2025-01-01&to=2027-01-01')).json.by_month.length, 24);
  const byDefault = (await pd.get('/api/v1/site-portraits')).json;
  assert.equal(byDefault.by_month.length, 12, 'the twelve months up to this one');

  const ind = (await pd.get(`/api/v1/site-portraits/sites?${period}`)).json.items;
  assert.deepEqual(ind.map((x) => x.site_id).sort(), [center.id, binhai.id].sort());
  const ci = ind.find((x) => x.site_id === center.id);
  assert.deepEqual([ci.activities, ci.orgs, ci.covered_orgs], [3, 2, 2]);
  assert.equal((await city.get(`/api/v1/site-portraits/sites?${period}`)).json.total, 4);
});

test("the map's markers: every site in the scope in one compact answer with the indicators' figures, following activities created, changed and deleted", async () => {
  const period = 'from=2026-10-01&to=2026-12-01';
  const map = async (who) => {
    const r = await who.get(`/api/v1/site-portraits/map?${period}`);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.columns, ['site_id', 'grid_id', 'lon', 'lat', 'name', 'district_name', 'activities', 'people_reached', 'orgs', 'covered_orgs', 'commissioners']);
    assert.equal(r.json.total, r.json.items.length);
    return new Map(r.json.items.map((a) => [a[0], Object.fromEntries(r.json.columns.map((c, i) => [c, a[i]]))]));
  };
  const m = await map(pd);
  const ind = (await pd.get(`/api/v1/site-portraits/sites?${period}`)).json.items;
  assert.equal(m.size, ind.length);
  for (const x of ind) {
    const y = m.get(x.site_id);
    for (const k of ['grid_id', 'activities', 'people_reached', 'orgs', 'covered_orgs', 'commissioners']) assert.equal(y[k], x[k], `${k} of site ${x.site_id}`);
  }
  const c = m.get(center.id);
  assert.equal(c.name, '陆家嘴金融城党建服务中心');
  assert.equal(c.district_name, '浦东新区');
  assert.ok(Math.abs(c.lon - center.lon) < 1e-5 && Math.abs(c.lat - center.lat) < 1e-5);
  // another district: its own only; the city: all four
  const h = await map(hp);
  assert.ok(h.has(hpSite.id) && !h.has(center.id) && !h.has(binhai.id));
  assert.ok([...h.values()].every((x) => x.district_name === '黄浦区'), 'its own district only');
  assert.equal((await map(city)).size, 4);

  // the figures follow an activity created, changed, moved out of the period and deleted
  const base = m.get(binhai.id);
  const a = await pd.post('/api/v1/site-activities', activity({ site_id: binhai.id, held_at: '2026-11-03', people_reached: 7, org_ids: [lzC3] }));
  assert.equal(a.status, 201, a.body);
  let b = (await map(pd)).get(binhai.id);
  assert.deepEqual([b.activities, b.people_reached, b.covered_orgs], [base.activities + 1, base.people_reached + 7, 1]);
  assert.equal((await pd.patch(`/api/v1/site-activities/${a.json.id}`, { people_reached: 9 })).status, 200);
  b = (await map(pd)).get(binhai.id);
  assert.equal(b.people_reached, base.people_reached + 9);
  const p = (await pd.get(`/api/v1/site-portraits?site_id=${binhai.id}&${period}`)).json;
  assert.deepEqual([p.activities, p.people_reached, p.covered_orgs], [b.activities, b.people_reached, b.covered_orgs], 'the portrait agrees');
  assert.equal((await pd.patch(`/api/v1/site-activities/${a.json.id}`, { held_at: '2026-09-03' })).status, 200);
  b = (await map(pd)).get(binhai.id);
  assert.deepEqual([b.activities, b.people_reached, b.covered_orgs], [base.activities, base.people_reached, base.covered_orgs]);
  assert.equal((await pd.patch(`/api/v1/site-activities/${a.json.id}`, { held_at: '2026-11-04' })).status, 200);
  assert.equal((await pd.del(`/api/v1/site-activities/${a.json.id}`)).status, 204);
  b = (await map(pd)).get(binhai.id);
  assert.deepEqual([b.activities, b.people_reached, b.covered_orgs], [base.activities, base.people_reached, base.covered_orgs], 'a deleted activity no longer counts');
  assert.equal((await pd.get('/api/v1/site-portraits/map?from=2020-01-01&to=2026-12-01')).status, 422);
});

test('portraits are answered from the cache under an ETag until a write, through the API or not, moves their data on; each scope has its own', async () => {
  const period = 'from=2026-10-01&to=2026-12-01';
  const get = async (who, path, headers = {}) => who.get(`/api/v1/site-portraits${path}${path.includes('?') ? '&' : '?'}${period}`, { headers });
  const first = await get(pd, '');
  assert.equal(first.status, 200, first.body);
  const tag = first.headers.get('etag');
  assert.match(tag, /^"pt-[0-9a-f]{16}"$/);
  const again = await get(pd, '');
  assert.equal(again.headers.get('etag'), tag);
  assert.deepEqual(again.json, first.json, 'the same figures from the cache');
  assert.equal((await get(pd, '', { 'if-none-match': tag })).status, 304);
  // another scope, another site or another answer: another ETag, its own figures
  const other = await get(hp, '');
  assert.notEqual(other.headers.get('etag'), tag);
  assert.notDeepEqual(other.json, first.json);
  assert.notEqual((await get(pd, `?site_id=${binhai.id}`)).headers.get('etag'), tag);
  assert.match((await get(pd, '/map')).headers.get('etag'), /^"pm-/);
  assert.match((await get(pd, '/sites')).headers.get('etag'), /^"ps-/);

  // a write outside the API (SQL): the next answer is built again
  const a = await pd.post('/api/v1/site-activities', activity({ site_id: binhai.id, held_at: '2026-11-05', people_reached: 3 }));
  assert.equal(a.status, 201, a.body);
  const withIt = await get(pd, '');
  assert.notEqual(withIt.headers.get('etag'), tag, 'an activity created through the API');
  assert.equal(withIt.json.people_reached, first.json.people_reached + 3);
  srv.sql(`UPDATE site_activities SET people_reached = 10 WHERE id = ${a.json.id}`);
  const changed = await get(pd, '', { 'if-none-match': withIt.headers.get('etag') });
  assert.equal(changed.status, 200, 'not 304 after the data changed');
  assert.equal(changed.json.people_reached, first.json.people_reached + 10);
  // a district renamed: the markers' district name follows
  const before = (await get(pd, '/map')).json;
  const col = before.columns.indexOf('district_name');
  assert.ok(before.items.every((x) => x[col] === '浦东新区'));
  srv.sql("UPDATE orgs SET short_name = '浦东（改）' WHERE code = 'SH-PD'");
  try {
    assert.ok((await get(pd, '/map')).json.items.every((x) => x[col] === '浦东（改）'));
  } finally {
    srv.sql("UPDATE orgs SET short_name = '浦东新区' WHERE code = 'SH-PD'");
  }
  assert.equal((await pd.del(`/api/v1/site-activities/${a.json.id}`)).status, 204);
  assert.deepEqual((await get(pd, '')).json, first.json, 'back to the figures before');
});

describe('import of activities from a workbook', () => {
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const HEAD = ['阵地', '活动类型', '活动名称', '活动日期', '组织者', '参与的包干组织', '服务人数', '活动小结'];
  const post = (client, body) => client.request('POST', '/api/v1/site-activities/import', { raw: body, headers: { 'content-type': XLSX } });
  const count = async (q = '') => (await pd.get(`/api/v1/site-activities?page_size=1${q}`)).json.total;

  test('the template downloaded and sent back is imported: its example row recorded, audited', async () => {
    const r = await fetch(`${srv.base}/api/v1/site-activities/import-template`, { headers: { cookie: pd.cookie } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /spreadsheetml/);
    const tpl = Buffer.from(await r.arrayBuffer());
    const before = await count();
    const res = await post(pd, tpl);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.created, 1);
    const a = (await pd.get(`/api/v1/site-activities/${res.json.activities[0].id}`)).json;
    assert.equal(a.site_id, center.id);
    assert.equal(a.type, 'political');
    assert.match(a.held_at, /^2026-12-05/);
    assert.deepEqual(a.org_ids.sort(), [ljzC, ljzB].sort());
    assert.equal(a.people_reached, 40);
    assert.equal(await count(), before + 1);
    const auditor = await srv.login('auditor');
    assert.ok((await auditor.get('/api/v1/audit?action=site_activity.import')).json.total >= 1);
    assert.ok((await auditor.get('/api/v1/audit?action=site_activity.create')).json.items.some((e) => e.target_id === String(a.id) || e.target === a.id || JSON.stringify(e).includes('表格导入')));
  });

  test('good rows: a site by name or code, dates as 2026/12/5, 2026年12月5日 or an Excel serial, types by label', async () => {
    const code = center.external_id;
    assert.ok(code, 'the site has a code');
    const body = xlsx([HEAD,
      [center.name, '治理活动', '议事会一', '2026/12/5', '街道党工委', 'SH-PD-01-C', '12', null],
      [code, '服务', '志愿服务二', '2026年12月6日', '街道党工委', null, null, '小结'],
      [binhai.name, 'service', '滨江三', '46362', '社区党委', 'SH-PD-03-C', null, null]]);
    const before = await count();
    const r = await post(pd, body);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.created, 3);
    const got = await Promise.all(r.json.activities.map(async (x) => (await pd.get(`/api/v1/site-activities/${x.id}`)).json));
    assert.deepEqual(got.map((a) => [a.site_id, a.type, a.held_at.slice(0, 10)]),
      [[center.id, 'governance', '2026-12-05'], [center.id, 'service', '2026-12-06'], [binhai.id, 'service', '2026-12-06']]);
    assert.deepEqual(got[0].org_ids, [ljzC]);
    assert.equal(await count(), before + 3);
  });

  test('bad rows: every reason with its row number in Chinese, and nothing recorded', async () => {
    const before = await count();
    const body = xlsx([HEAD,
      [center.name, '政治活动', '好的一行', '2026-12-01', '党工委', null, null, null],
      [center.name, '党建', '类型错', '2026-12-01', '党工委', null, null, null],
      [center.name, '政治活动', '日期错', '昨天', '党工委', null, null, null],
      [center.name, '政治活动', '日期不存在', '2026-02-30', '党工委', null, null, null],
      [center.name, '政治活动', '未包干', '2026-12-01', '党工委', 'SH-PD-03-C', null, null],
      [center.name, '政治活动', '人数错', '2026-12-01', '党工委', null, '很多', null],
      [center.name, '政治活动', null, '2026-12-01', '党工委', null, null, null],
      ['不存在的阵地', '政治活动', '阵地错', '2026-12-01', '党工委', null, null, null],
      [hpSite.name, '政治活动', '别区阵地', '2026-12-01', '党工委', null, null, null]]);
    const r = await post(pd, body);
    assert.equal(r.status, 422, r.body);
    assert.equal(r.json.error.code, 'import_rejected');
    const byRow = Object.fromEntries(r.json.error.errors.map((e) => [e.row, e.message]));
    assert.deepEqual(Object.keys(byRow).map(Number), [3, 4, 5, 6, 7, 8, 9, 10], JSON.stringify(byRow));
    assert.match(byRow[3], /活动类型/);
    assert.match(byRow[4], /活动日期/);
    assert.match(byRow[5], /活动日期/);
    assert.match(byRow[6], /没有包干到此阵地/);
    assert.match(byRow[7], /服务人数/);
    assert.match(byRow[8], /活动名称：必填/);
    assert.match(byRow[9], /不存在或不在您的管理范围内/);
    assert.match(byRow[10], /不存在或不在您的管理范围内/, 'another district’s site is refused');
    assert.equal(await count(), before, 'all or nothing');
    // the other district cannot record on a Pudong site either
    const h = await post(hp, xlsx([HEAD, [center.name, '政治活动', '越界', '2026-12-01', '党工委', null, null, null]]));
    assert.equal(h.status, 422);
    assert.match(h.json.error.errors[0].message, /管理范围/);
  });

  test('limits: not a workbook 415, a wrong header, too many rows, too large a file', async () => {
    assert.equal((await post(pd, Buffer.from('阵地,活动类型\n'))).status, 415);
    const head = await post(pd, xlsx([['名称', '日期'], ['a', 'b']]));
    assert.equal(head.status, 422);
    assert.match(head.json.error.errors[0].message, /表头不符/);
    const many = [HEAD];
    for (let i = 0; i < 1001; i++) many.push([center.name, '政治活动', `活动${i}`, '2026-12-01', '党工委', null, null, null]);
    const r = await post(pd, xlsx(many));
    assert.equal(r.status, 422);
    assert.match(r.json.error.errors.at(-1).message, /最多导入 1000 条/);
    // over 5 MB: refused on its announced length (before the body is sent, so
    // the early answer cannot race the upload)
    const status = (await pd.announce('POST', '/api/v1/site-activities/import', { headers: { 'content-type': XLSX }, length: 6 << 20 })).status;
    assert.equal(status, 413);
    // without site.write: refused
    const auditor = await srv.login('auditor');
    assert.equal((await post(auditor, xlsx([HEAD]))).status, 403);
  });
});
