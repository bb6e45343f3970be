// Near-miss matching (docs/search.md § Near misses), as a member meets it:
// a Chinese term with one wrong character (党建服物 for 党建服务), a Latin
// word with a letter too many (nginxx) or two letters wrong (fasicm for
// fascism) still finds the lecture, and the answer says what else was
// searched (`expanded`); a document holding the exact (misspelt) term ranks
// above those only an expansion found; a district worker's expansion never
// reaches, nor names, another district's words; `fuzzy: false` turns it
// off; a deleted document's words leave the vocabulary; `zhendi search
// rebuild` expands exactly as before; the vocabulary is each node's own, in
// memory and off the write path: a second node on the same database expands
// a word written through the first, and a restarted node has its
// vocabulary back. Both backends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEMO = 'Zhendi@Demo2026';
let srv, admin, pd, hp, pdOrg, hpOrg, pdA, hpK;

const iso = (ms) => new Date(ms).toISOString();
const DAY = 86400000;
async function lecture(who, org, fields) {
  const when = Date.now() + 5 * DAY;
  const r = await who.post('/api/v1/lecture/lectures', {
    speaker: '王老师', place: '会议室', capacity: 10, starts_at: iso(when), ends_at: iso(when + 3600000),
    org_id: org, ...fields,
  });
  assert.equal(r.status, 201, r.body);
  return r.json;
}
const search = (who, q, extra = '') => who.get(`/api/v1/search?q=${encodeURIComponent(q)}&kinds=lecture${extra}`);
const ids = (r) => r.json.items.map((h) => h.ref_id).sort((a, b) => a - b);
const tos = (r) => r.json.expanded.map((e) => e.to);

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdOrg = pd.me.user.org_id;
  hpOrg = hp.me.user.org_id;
  pdA = await lecture(pd, pdOrg, {
    title: '党建服务站点运维培训', description: '讲解 nginx 的配置，以及 fascism 在二十世纪欧洲的兴起。',
  });
  hpK = await lecture(hp, hpOrg, { title: '黄浦区容器平台交流', description: '介绍 kubernetes 集群的部署与巡检。' });
});

after(async () => {
  await srv?.stop();
});

test('one wrong Chinese character, one extra letter and two wrong letters still find the lecture', async () => {
  let r = await search(pd, '党建服物');
  assert.equal(r.status, 200, r.body);
  assert.ok(ids(r).includes(pdA.id), r.body);
  assert.deepEqual(r.json.expanded.find((e) => e.to === '党建服务'), { from: '党建服物', to: '党建服务', distance: 1 });
  assert.equal(r.json.fuzzy, true);
  const hit = r.json.items.find((h) => h.ref_id === pdA.id);
  assert.match(hit.title_html, /<mark>党建服务<\/mark>/, 'the expansion is highlighted');
  assert.equal(r.json.total, r.json.items.length);
  assert.equal(r.json.facets.kind[0].count, r.json.total, 'facets count the expanded hits');

  r = await search(pd, 'nginxx');
  assert.deepEqual(ids(r), [pdA.id]);
  assert.deepEqual(r.json.expanded, [{ from: 'nginxx', to: 'nginx', distance: 1 }]);
  r = await search(pd, 'fasicm');
  assert.deepEqual(ids(r), [pdA.id]);
  assert.deepEqual(r.json.expanded, [{ from: 'fasicm', to: 'fascism', distance: 2 }]);
  // traditional characters and full-width letters are folded before the distance is taken
  r = await search(pd, '黨建服物');
  assert.ok(ids(r).includes(pdA.id), r.body);
  r = await search(pd, 'ＮＧＩＮＸＸ');
  assert.deepEqual(ids(r), [pdA.id]);
  // POST and hybrid answer the same expansions
  const p = await pd.post('/api/v1/search', { q: 'nginxx', kinds: ['lecture'], mode: 'hybrid' });
  assert.equal(p.status, 200, p.body);
  assert.ok(p.json.items.some((h) => h.ref_id === pdA.id), p.body);
  assert.deepEqual(p.json.expanded, [{ from: 'nginxx', to: 'nginx', distance: 1 }]);
});

test('fuzzy: false turns near misses off, and an exact query is not expanded', async () => {
  let r = await search(pd, 'nginxx', '&fuzzy=false');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.total, 0);
  assert.deepEqual(r.json.expanded, []);
  assert.equal(r.json.fuzzy, false);
  r = await pd.post('/api/v1/search', { q: '党建服物', kinds: ['lecture'], fuzzy: false });
  assert.equal(r.json.total, 0, r.body);
  assert.deepEqual(r.json.expanded, []);
  r = await pd.post('/api/v1/search', { q: 'x', fuzzy: 'no' });
  assert.equal(r.status, 422, r.body);
  // a word the index holds: no expansion
  r = await search(pd, 'nginx');
  assert.deepEqual(ids(r), [pdA.id]);
  assert.deepEqual(r.json.expanded, []);
  // too long to be a near miss (5 Chinese characters) or too short (3 letters)
  r = await search(pd, '党建服物站');
  assert.equal(r.json.total, 0);
  assert.deepEqual(r.json.expanded, []);
});

test("a district worker's expansion never reaches or names another district's words", async () => {
  let r = await search(pd, 'kubernetis');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.total, 0);
  assert.deepEqual(r.json.expanded, [], 'the other district\'s word is not even named');
  r = await search(hp, 'kubernetis');
  assert.deepEqual(ids(r), [hpK.id]);
  assert.deepEqual(tos(r), ['kubernetes']);
  r = await search(admin, 'kubernetis');
  assert.deepEqual(ids(r), [hpK.id]);
  // and a Chinese near miss of the other district's title
  r = await search(pd, '容器平台交留');
  assert.equal(r.json.total, 0);
  r = await search(hp, '容器平台交留');
  assert.deepEqual(r.json.total, 0, 'six characters: not a short query');
  r = await search(hp, '平台交留');
  assert.deepEqual(ids(r), [hpK.id]);
  assert.equal(tos(r)[0], '平台交流', 'a replaced character before a dropped one');
  r = await search(pd, '平台交留');
  assert.equal(r.json.total, 0);
  assert.deepEqual(r.json.expanded, []);
});

test('a document holding the exact (misspelt) term ranks above those an expansion found', async () => {
  // the usual spelling is far more frequent than the misspelling (4 × its documents at least)
  for (let i = 0; i < 4; i++) await lecture(pd, pdOrg, { title: `党建服务第${i + 1}期`, description: '例行活动。' });
  const typo = await lecture(pd, pdOrg, { title: '党建服物试点说明', description: '标题里有一个错字。' });
  const r = await search(pd, '党建服物');
  assert.equal(r.status, 200, r.body);
  const got = r.json.items.map((h) => h.ref_id);
  assert.equal(got[0], typo.id, `the exact match first: ${r.body}`);
  assert.ok(got.includes(pdA.id), 'the usual spelling is searched too');
  assert.ok(r.json.expanded.some((e) => e.to === '党建服务'), r.body);
  const [first, second] = r.json.items;
  assert.ok(first.score > 0 && second.score > 0);
  // without near misses only the exact one
  const off = await search(pd, '党建服物', '&fuzzy=false');
  assert.deepEqual(ids(off), [typo.id]);
  // the same on the hybrid side: the exact match first among the keyword candidates
  const h = await pd.post('/api/v1/search', { q: '党建服物', kinds: ['lecture'], mode: 'hybrid', weights: { semantic: 0, keyword: 1 } });
  assert.equal(h.status, 200, h.body);
  assert.equal(h.json.items[0].ref_id, typo.id, h.body);
});

test("a deleted lecture's words leave the vocabulary", async () => {
  const l = await lecture(admin, hpOrg, { title: 'prometheus 监控入门' });
  let r = await search(admin, 'promethues');
  assert.deepEqual(ids(r), [l.id]);
  assert.deepEqual(tos(r), ['prometheus']);
  const d = await admin.del(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(d.status, 204, d.body);
  r = await search(admin, 'promethues');
  assert.equal(r.json.total, 0);
  assert.deepEqual(r.json.expanded, []);
  // an edit that drops a word drops it too
  const e = await lecture(admin, hpOrg, { title: 'grafana 面板' });
  assert.deepEqual(tos(await search(admin, 'grafanna')), ['grafana']);
  const p = await admin.patch(`/api/v1/lecture/lectures/${e.id}`, { title: '监控面板' });
  assert.equal(p.status, 200, p.body);
  assert.deepEqual((await search(admin, 'grafanna')).json.expanded, []);
});

test('zhendi search rebuild expands exactly as the incremental index did', async () => {
  const queries = ['党建服物', 'nginxx', 'fasicm', 'kubernetis', '平台交留', '二十犬'];
  const view = async () => {
    const out = [];
    for (const q of queries) {
      for (const who of [admin, pd, hp]) {
        const r = await search(who, q, '&page_size=100');
        assert.equal(r.status, 200, r.body);
        out.push({ q, total: r.json.total, hits: r.json.items.map((h) => [h.ref_id, h.title_html]), expanded: r.json.expanded });
      }
    }
    return out;
  };
  const beforeRebuild = await view();
  assert.ok(beforeRebuild.some((v) => v.expanded.length), 'some query is expanded');
  const cli = srv.cli(['search', 'rebuild']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(await view(), beforeRebuild);
});

test('a second node on the same database expands what the first wrote; a restarted node has its vocabulary back', async () => {
  const data = mkdtempSync(join(tmpdir(), 'zhendi-fuzzy-'));
  let a = await startServer({ dataDir: data });
  const dbArg = a.db || join(data, 'zhendi.db');
  const b = await startServer({ args: ['--db', dbArg] });
  try {
    const adminA = await a.admin(), adminB = await b.admin();
    // node B loads its vocabulary before the word exists
    assert.deepEqual((await search(adminB, 'etcdctll')).json.expanded, []);
    const org = adminA.me.user.org_id;
    const l = await lecture(adminA, org, { title: 'etcdctl 备份演练', description: '集群数据备份。' });
    // through node B: caught up from the documents' ids before the query
    let r = await search(adminB, 'etcdctll');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(ids(r), [l.id]);
    assert.deepEqual(tos(r), ['etcdctl']);
    // node A restarts on the same data: the vocabulary is loaded back from the index
    await a.stop({ keep: true });
    a = await startServer({ dataDir: data });
    const again = await a.admin();
    r = await search(again, 'etcdctll');
    assert.deepEqual(ids(r), [l.id]);
    assert.deepEqual(tos(r), ['etcdctl']);
    r = await search(again, '备份演连');
    assert.ok(ids(r).includes(l.id), r.body);
    assert.ok(tos(r).includes('备份演练'), r.body);
  } finally {
    await b.stop();
    await a.stop();
    rmSync(data, { recursive: true, force: true });
  }
});
