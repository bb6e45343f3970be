// The search service (docs/search.md), as its users meet it through the
// first module that indexes into it, the lecture hall: Chinese words, parts
// of words, traditional characters and full-width input all find the
// lecture; a district's worker never sees another district's lectures, not
// even in the totals or facet counts; edits and deletes are searchable at
// once; `zhendi search rebuild` gives exactly what the incremental index
// gave (vector and hybrid retrieval: tests/api/vector.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, admin, pd, hp, member, pdOrg, hpOrg;

const iso = (ms) => new Date(ms).toISOString();
const DAY = 86400000;
async function lecture(who, org, fields) {
  const when = Date.now() + 5 * DAY;
  const r = await who.post('/api/v1/lecture/lectures', {
    speaker: '王老师', place: '党群服务中心', capacity: 10, starts_at: iso(when), ends_at: iso(when + 3600000),
    org_id: org, ...fields,
  });
  assert.equal(r.status, 201, r.body);
  return r.json;
}
const search = (who, q, extra = '') => who.get(`/api/v1/search?q=${encodeURIComponent(q)}&kinds=lecture${extra}`);
const ids = (r) => r.json.items.map((h) => h.ref_id).sort((a, b) => a - b);

let pdA, pdB, pdC, hpA;
before(async () => {
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  member = await srv.login('dangyuan01', DEMO);
  pdOrg = pd.me.user.org_id;
  hpOrg = hp.me.user.org_id;
  pdA = await lecture(pd, pdOrg, {
    title: '学习贯彻党的二十大精神专题讲座', speaker: '李教授',
    description: '围绕新时代党的建设总要求，解读基层党组织建设的重点任务。<script>alert(1)</script>',
  });
  pdB = await lecture(pd, pdOrg, { title: '社区治理经验交流', description: '介绍2026年社区党建AI助手的使用：党的建设与数字化。' });
  pdC = await lecture(pd, pdOrg, { title: '红色故事分享会', description: '老党员讲述入党经历。' });
  hpA = await lecture(hp, hpOrg, { title: '党的建设专题辅导', description: '黄浦区基层党组织书记培训。' });
});

after(async () => {
  await srv?.stop();
});

test('words, parts of words, traditional characters and full-width input find the lecture', async () => {
  let r = await search(pd, '二十大');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(ids(r), [pdA.id]);
  assert.match(r.json.items[0].title_html, /<mark>二十大<\/mark>/);
  assert.equal(r.json.items[0].link, `/lecture/lectures/${pdA.id}`);
  assert.equal(r.json.items[0].kind_title, '讲堂');
  // a part of a word that segmentation would never produce on its own
  r = await search(pd, '十大精');
  assert.deepEqual(ids(r), [pdA.id], 'bigrams match inside words');
  // traditional characters
  r = await search(pd, '黨的建設');
  assert.deepEqual(ids(r), [pdA.id, pdB.id].sort((a, b) => a - b));
  // full-width Latin letters and digits
  r = await search(pd, 'ＡＩ　２０２６');
  assert.deepEqual(ids(r), [pdB.id]);
  // one character: found as the start of a bigram or the end of a run
  r = await search(pd, '讲');
  assert.ok(ids(r).includes(pdA.id) && ids(r).includes(pdC.id), r.body);
  // nothing
  r = await search(pd, '量子计算机');
  assert.equal(r.json.total, 0);
  assert.deepEqual(r.json.items, []);
});

test('a title match ranks above a body-only match, and snippets are escaped and marked', async () => {
  const r = await search(admin, '党的建设');
  assert.equal(r.status, 200, r.body);
  const got = r.json.items.map((h) => h.ref_id);
  assert.ok(got.indexOf(hpA.id) < got.indexOf(pdA.id), `title first: ${got}`);
  const a = r.json.items.find((h) => h.ref_id === pdA.id);
  assert.match(a.snippet, /<mark>党的建设<\/mark>/);
  assert.ok(!a.snippet.includes('<script>'), 'HTML in the text is escaped');
  assert.ok(a.score > 0 && a.scores.keyword === a.score && a.scores.vector === null);
  // the whole snippet is valid text: never a cut character
  assert.ok(!a.snippet.includes('\ufffd'));
});

test("a district's worker never sees another district's lectures, not even in totals and facets", async () => {
  const pdr = await search(pd, '党的建设');
  assert.deepEqual(ids(pdr), [pdA.id, pdB.id].sort((a, b) => a - b));
  assert.equal(pdr.json.total, 2);
  assert.deepEqual(pdr.json.facets.district.map((f) => f.value), [pdr.json.items[0].district_id]);
  assert.equal(pdr.json.facets.kind[0].count, 2);
  const hpr = await search(hp, '党的建设');
  assert.deepEqual(ids(hpr), [hpA.id]);
  assert.equal(hpr.json.total, 1);
  assert.equal(hpr.json.facets.district.length, 1);
  assert.equal(hpr.json.facets.district[0].count, 1);
  // the city sees both districts, counted apart
  const all = await search(admin, '党的建设');
  assert.equal(all.json.total, 3);
  assert.equal(all.json.facets.district.length, 2);
  // filtering by another district gives nothing, not the other district's rows
  const other = await search(pd, '党的建设', `&district_id=${hpr.json.items[0].district_id}`);
  assert.equal(other.json.total, 0);
  assert.equal(other.json.facets.district, undefined);
  // a member holds no lecture.manage: the lectures are not his to search
  const m = await search(member, '党的建设');
  assert.equal(m.status, 200, m.body);
  assert.equal(m.json.total, 0);
});

test('filters, facets by attribute, sort by time, paging and POST with top_k', async () => {
  let r = await search(pd, '党', '&attrs=speaker:李教授');
  assert.deepEqual(ids(r), [pdA.id]);
  r = await search(pd, '党');
  const speakers = Object.fromEntries(r.json.facets.speaker.map((f) => [f.value, f.count]));
  assert.equal(speakers['李教授'], 1);
  assert.ok(speakers['王老师'] >= 1);
  assert.equal(Object.values(speakers).reduce((a, b) => a + b, 0), r.json.total, 'one speaker per lecture');
  r = await search(pd, '', '&order=time&page_size=2');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items.length, 2);
  const t = r.json.items.map((h) => h.time);
  assert.ok(t[0] >= t[1]);
  const p2 = await search(pd, '', '&order=time&page_size=2&page=2');
  assert.ok(!p2.json.items.some((h) => r.json.items.some((x) => x.id === h.id)), 'pages do not overlap');
  const future = await search(pd, '党', `&from=${encodeURIComponent(iso(Date.now() + DAY))}`);
  assert.equal(future.json.total, 0, 'time range');
  const post = await pd.post('/api/v1/search', { q: '党的建设', mode: 'keyword', kinds: ['lecture'], top_k: 1,
    filters: { attrs: { speaker: '王老师' } } });
  assert.equal(post.status, 200, post.body);
  assert.equal(post.json.items.length, 1);
  assert.equal(post.json.items[0].ref_id, pdB.id);
  assert.equal(post.json.total, 1);
  const bare = await pd.post('/api/v1/search', { q: '党的建设', kinds: ['lecture'], facets: false });
  assert.deepEqual(bare.json.facets, {}, 'facets can be left out');
  assert.equal(bare.json.total, 2);
});

test('the ranked page read in one pass: pages join up, order and totals as the SQL gave them', async () => {
  // relevance: page 1 + 2 + 3 of one hit each = the first page of three,
  // scores never rising; by time with q: times never rising
  const all = await search(pd, '党', '&page_size=3');
  assert.equal(all.status, 200, all.body);
  assert.ok(all.json.total >= 3, all.body);
  const one = [];
  for (const page of [1, 2, 3]) {
    const r = await search(pd, '党', `&page_size=1&page=${page}`);
    assert.equal(r.json.total, all.json.total);
    one.push(...r.json.items.map((h) => [h.id, h.score]));
  }
  assert.deepEqual(one, all.json.items.map((h) => [h.id, h.score]));
  for (let i = 1; i < all.json.items.length; i++) assert.ok(all.json.items[i - 1].score >= all.json.items[i].score);
  const byTime = await search(pd, '党', '&order=time&page_size=3');
  assert.equal(byTime.json.total, all.json.total);
  const t = byTime.json.items.map((h) => h.time);
  for (let i = 1; i < t.length; i++) assert.ok(t[i - 1] >= t[i], 'newest first');
  const every = await search(pd, '党', '&page_size=200');
  assert.equal(every.json.items.length, every.json.total);
  const newest = [...every.json.items].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : b.id - a.id));
  assert.deepEqual(byTime.json.items.map((h) => h.id), newest.slice(0, 3).map((h) => h.id), 'time, then id');
  // a page past the one-pass bound (26 × 200 > 5,000 kept) goes through SQL:
  // same total, same scope, and nothing on it
  const deep = await search(pd, '党', '&page_size=200&page=26');
  assert.equal(deep.status, 200, deep.body);
  assert.equal(deep.json.total, all.json.total);
  assert.deepEqual(deep.json.items, []);
  const hpDeep = await search(hp, '党', '&page_size=200&page=26');
  const hpAll = await search(hp, '党');
  assert.equal(hpDeep.json.total, hpAll.json.total, 'the same scope on both paths');
  assert.ok(!hpAll.json.items.some((h) => h.org_id === pdOrg));
});

test('bad input answers 4xx with a reason', async () => {
  let r = await pd.get('/api/v1/search?mode=vector');
  assert.equal(r.status, 422, 'vector retrieval needs a query');
  r = await pd.post('/api/v1/search', { q: '党', mode: 'hybrid', weights: { semantic: 2 } });
  assert.equal(r.status, 422);
  r = await pd.get('/api/v1/search?q=党&mode=hybrid&fusion=max');
  assert.equal(r.status, 422);
  r = await pd.post('/api/v1/search', { q: '党', filters: { colour: 'red' } });
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.filters);
  r = await pd.get('/api/v1/search?q=' + encodeURIComponent('？！'));
  assert.equal(r.status, 422);
  r = await pd.get('/api/v1/search?q=a&kinds=nothing');
  assert.equal(r.status, 422);
  r = await pd.get('/api/v1/search?q=a&page_size=201');
  assert.equal(r.status, 422);
  r = await pd.get('/api/v1/search?q=a&attrs=nocolon');
  assert.equal(r.status, 422);
});

test('edits and deletes are searchable at once', async () => {
  const l = await lecture(pd, pdOrg, { title: '乡村振兴调研报告会' });
  assert.deepEqual(ids(await search(pd, '乡村振兴')), [l.id]);
  const p = await pd.patch(`/api/v1/lecture/lectures/${l.id}`, { title: '城市更新调研报告会' });
  assert.equal(p.status, 200, p.body);
  assert.equal((await search(pd, '乡村振兴')).json.total, 0, 'the old title is gone');
  assert.deepEqual(ids(await search(pd, '城市更新')), [l.id]);
  const d = await pd.del(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(d.status, 204, d.body);
  const r = await search(pd, '城市更新');
  assert.equal(r.json.total, 0, 'a deleted lecture disappears');
  assert.equal(r.json.facets.kind, undefined);
});

test('zhendi search rebuild gives exactly what the incremental index gave', async () => {
  const queries = ['党的建设', '二十大', '讲', '党', '', '黨', 'ai'];
  const view = async () => {
    const out = [];
    for (const q of queries) {
      for (const who of [admin, pd, hp]) {
        const r = await search(who, q, '&page_size=200');
        assert.equal(r.status, 200, r.body);
        out.push({ q, total: r.json.total, hits: r.json.items.map((h) => [h.kind, h.ref_id, h.title_html, h.snippet]),
          facets: r.json.facets });
      }
    }
    return out;
  };
  const beforeRebuild = await view();
  const cli = srv.cli(['search', 'rebuild']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /重建检索索引：\d+ 篇文档/);
  assert.match(cli.stderr, /重建索引 \d+ \/ \d+/, 'progress on stderr');
  const afterRebuild = await view();
  assert.deepEqual(afterRebuild, beforeRebuild);
  const bad = srv.cli(['search', 'rebuild', 'nothing']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown kind/);
});
