// Vector and hybrid retrieval (issue 15, docs/search.md § Vectors): the
// administrator fits the local embedding model (TF-IDF + truncated SVD) as a
// job, audited; every indexed document gets a vector under it and new ones
// get theirs in the writer's transaction; mode=vector ranks by cosine
// similarity, mode=hybrid fuses it with the keyword score (weighted or RRF)
// and shows the component scores; a district's user never sees another
// district's chunks, and still gets top_k hits of its own when the other
// district's rank higher; deletes leave the vector index at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { settled } from './lib/kbdocs.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, admin, pd, hp, pdKb, hpKb;


async function addDoc(who, kb, title, text) {
  const r = await who.post(`/api/v1/kb/${kb.id}/documents`, { title, text });
  assert.equal(r.status, 201, r.body);
  const d = await settled(who, kb.id, r.json.id);
  assert.equal(d.status, 'done', d.error);
  return d;
}

async function fit() {
  const r = await admin.post('/api/v1/search/vector/fit', {});
  assert.equal(r.status, 202, r.body);
  const job = r.json.job.id;
  const until = Date.now() + 60000;
  for (;;) {
    const j = await admin.get(`/api/v1/jobs/${job}`);
    assert.equal(j.status, 200, j.body);
    if (j.json.status === 'done') return j.json;
    assert.notEqual(j.json.status, 'failed', j.json.last_error);
    if (Date.now() > until) throw new Error(`fit job still ${j.json.status}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

const ask = (who, q, mode, extra = {}) =>
  who.post('/api/v1/search', { q, mode, kinds: ['kb_chunk'], facets: true, ...extra });

const FEES = [
  ['党费收缴标准', '党员按月缴纳党费，缴纳比例按照工资收入确定，每月工资收入三千元以下的缴纳百分之零点五。'],
  ['党费使用管理', '党费主要用于党员教育培训，党费收缴、使用和管理情况每年向党员公布。'],
  ['工资收入与比例', '税后工资收入在三千元至五千元之间的，按月缴纳百分之一；收入越高，比例越高。'],
];
const VOLUNTEER = [
  ['社区志愿服务', '党员志愿者进社区，为独居老人提供上门帮扶、助餐和陪伴服务。'],
  ['助老帮扶行动', '志愿服务队定期走访独居老人，开展助餐、义诊和陪伴聊天活动。'],
  ['志愿者招募', '社区招募志愿者，参与助老服务、环境整治和邻里互助。'],
];

before(async () => {
  // a small model, so that the reduction generalises on a small corpus
  srv = await startServer({ args: ['--demo'], env: { ZHENDI_SEARCH_VECTOR_DIM: '16' } });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdKb = (await pd.post('/api/v1/kb', { name: '浦东向量测试库', org_id: pd.me.user.org_id })).json;
  hpKb = (await hp.post('/api/v1/kb', { name: '黄浦向量测试库', org_id: hp.me.user.org_id })).json;
  assert.equal(pdKb.embedding, 'local');
  for (const [t, x] of [...FEES, ...VOLUNTEER]) await addDoc(pd, pdKb, t, x);
  for (const [t, x] of VOLUNTEER) await addDoc(hp, hpKb, t, x);
});

after(async () => {
  await srv?.stop();
});

test('the administrator fits the local model as an audited job; every document gets a vector', async () => {
  assert.equal((await pd.post('/api/v1/search/vector/fit', {})).status, 403, 'a district worker may not');
  const job = await fit();
  assert.ok(job.result.model_id > 0, JSON.stringify(job.result));
  assert.ok(job.result.dim > 0 && job.result.dim <= 16);
  const s = await admin.get('/api/v1/search/vector');
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.model_id, job.result.model_id);
  assert.equal(s.json.provider, 'local');
  assert.equal(s.json.index.type, 'flat');
  assert.equal(s.json.index.model_id, s.json.model_id, 'this node caught up');
  assert.ok(s.json.vectors >= 9 && s.json.vectors <= s.json.documents, `${s.json.vectors} / ${s.json.documents}`);
});

test('vector retrieval ranks by meaning: a chunk sharing no query word is found', async () => {
  const r = await ask(pd, '党费比例', 'vector', { kb_ids: [pdKb.id], top_k: 3 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.mode, 'vector');
  assert.equal(r.json.vector_ready, true);
  const titles = r.json.items.map((h) => h.title);
  assert.ok(titles.every((t) => FEES.some(([f]) => f === t)), `the three fee chunks first: ${titles}`);
  for (const h of r.json.items) {
    assert.equal(h.scores.keyword, null);
    assert.ok(h.scores.vector > 0 && h.scores.vector <= 1);
    assert.equal(h.scores.fused, h.scores.vector);
  }
  const kw = await ask(pd, '党费比例', 'keyword', { kb_ids: [pdKb.id] });
  assert.ok(kw.json.total < r.json.total, 'keyword finds fewer: only chunks with both words');
});

test('hybrid fuses both and carries the component scores; weights, RRF and the threshold apply', async () => {
  let r = await ask(pd, '独居老人 助餐', 'hybrid', { kb_ids: [pdKb.id], top_k: 5 });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.fusion, { semantic_weight: 0.7, keyword_weight: 0.3, method: 'weighted', score_threshold: 0 });
  const top = r.json.items[0];
  assert.ok(VOLUNTEER.some(([t]) => t === top.title), top.title);
  assert.ok(top.scores.keyword > 0 && top.scores.vector > 0, JSON.stringify(top.scores));
  // the cosine weighs by its spread among the candidates: vector_norm = (v − min) / (max − min)
  assert.ok(top.scores.vector_norm >= 0 && top.scores.vector_norm <= 1);
  const expect = 0.7 * top.scores.vector_norm + 0.3 * top.scores.keyword;
  assert.ok(Math.abs(top.scores.fused - expect) < 1e-6, `${top.scores.fused} = 0.7·v_norm + 0.3·k`);
  assert.ok(r.json.items.some((h) => h.scores.vector_norm === 1), 'the closest candidate has vector_norm 1');
  assert.match(top.snippet, /<mark>/);
  for (let i = 1; i < r.json.items.length; i++) assert.ok(r.json.items[i - 1].score >= r.json.items[i].score);
  r = await ask(pd, '独居老人 助餐', 'hybrid', { kb_ids: [pdKb.id], fusion: 'rrf', weights: { semantic: 0.5, keyword: 0.5 } });
  assert.equal(r.json.fusion.method, 'rrf');
  assert.ok(r.json.items[0].scores.fused <= 1);
  r = await ask(pd, '独居老人 助餐', 'hybrid', { kb_ids: [pdKb.id], score_threshold: 0.99 });
  assert.ok(r.json.items.every((h) => h.scores.fused >= 0.99));
  const g = await pd.get(`/api/v1/search?q=${encodeURIComponent('志愿服务')}&mode=hybrid&kinds=kb_chunk&semantic_weight=0.2&keyword_weight=0.8`);
  assert.equal(g.status, 200, g.body);
  assert.equal(g.json.fusion.keyword_weight, 0.8);
});

test('data scope inside the vector search: never another district, and still top_k of your own', async () => {
  // Pudong's volunteer chunks are as close as Huangpu's own; Huangpu sees only its three
  const r = await ask(hp, '志愿服务 独居老人', 'vector', { top_k: 3 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items.length, 3, 'top_k allowed hits although other districts rank as high');
  assert.ok(r.json.items.every((h) => h.attrs.kb_id === String(hpKb.id)), JSON.stringify(r.json.items.map((h) => h.attrs)));
  assert.ok(r.json.facets.district.every((f) => f.value === r.json.items[0].district_id), 'facets too');
  const h = await ask(hp, '党费比例', 'hybrid', { kb_ids: [pdKb.id] });
  assert.equal(h.json.total, 0, "another district's base gives nothing");
});

test('new, edited and deleted chunks are in the vector index at once', async () => {
  const d = await addDoc(pd, pdKb, '主题党日', '支部开展主题党日活动，组织党员重温入党誓词，参观红色教育基地。');
  assert.equal(d.vector_note, null, 'embedded with the fitted model');
  let r = await ask(pd, '重温入党誓词', 'vector', { kb_ids: [pdKb.id], top_k: 1 });
  assert.equal(r.json.items[0]?.title, '主题党日');
  const chunk = r.json.items[0].ref_id;
  const del = await pd.del(`/api/v1/kb/${pdKb.id}/chunks/${chunk}`);
  assert.equal(del.status, 204, del.body);
  r = await ask(pd, '重温入党誓词', 'vector', { kb_ids: [pdKb.id] });
  assert.ok(!r.json.items.some((h) => h.ref_id === chunk), 'a deleted chunk leaves the vector index');
  // a base set to keyword only drops its vectors
  const p = await hp.patch(`/api/v1/kb/${hpKb.id}`, { embedding: 'none' });
  assert.equal(p.status, 200, p.body);
  r = await ask(hp, '志愿服务 独居老人', 'vector', { kb_ids: [hpKb.id] });
  assert.equal(r.json.total, 0, 'no vectors for a keyword-only base');
  r = await ask(hp, '志愿服务', 'hybrid', { kb_ids: [hpKb.id] });
  assert.ok(r.json.total > 0 && r.json.items.every((h) => h.scores.vector === null), 'hybrid still answers from keywords');
  assert.equal((await hp.patch(`/api/v1/kb/${hpKb.id}`, { embedding: 'bert' })).status, 422);
});

test('before any model is fitted, vector and hybrid answer from the keyword index and say so', async () => {
  const fresh = await startServer();
  try {
    const a = await fresh.admin();
    const kb = await a.post('/api/v1/kb', { name: '新库', org_id: a.me.user.org_id });
    assert.equal(kb.status, 201, kb.body);
    const d = await addDoc(a, kb.json, '唯一文档', '党支部每季度召开一次组织生活会。');
    assert.match(d.vector_note, /向量模型尚未训练/, 'the document says the keyword index serves');
    for (const mode of ['vector', 'hybrid']) {
      const r = await ask(a, '组织生活会', mode, { kb_ids: [kb.json.id] });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.vector_ready, false);
      assert.match(r.json.notice, /向量模型尚未训练/);
      assert.equal(r.json.total, 1, 'found by keywords meanwhile');
      assert.equal(r.json.items[0].scores.vector, null);
    }
    // one document is too few to fit: the job says so and succeeds (nothing to retry)
    const f = await a.post('/api/v1/search/vector/fit', {});
    assert.equal(f.status, 202, f.body);
    let j;
    for (let i = 0; i < 200; i++) {
      j = (await a.get(`/api/v1/jobs/${f.json.job.id}`)).json;
      if (j.status === 'done' || j.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(j.status, 'done', j.last_error);
    assert.equal(j.result.skipped, true);
    assert.match(j.result.reason, /文档太少/);
    assert.equal((await a.get('/api/v1/search/vector')).json.model_id, null);
  } finally {
    await fresh.stop();
  }
});

test('the hourly check leaves the model alone while documents are still being written', async () => {
  // more than 10 % new documents since the fit, the last written a moment ago: a bulk
  // upload is under way, and a refit now would embed its documents twice
  for (const [t, x] of FEES) await addDoc(pd, pdKb, `${t}（续）`, x);
  const before = (await admin.get('/api/v1/search/vector')).json;
  const s = (await admin.get('/api/v1/schedules')).json.items.find((x) => x.name === 'search.vector_fit');
  assert.ok(s, 'the hourly schedule exists');
  const r = await admin.post(`/api/v1/schedules/${s.id}/run`);
  assert.equal(r.status, 201, r.body);
  let j;
  for (let i = 0; i < 300; i++) {
    j = (await admin.get(`/api/v1/jobs/${r.json.id}`)).json;
    if (j.status === 'done' || j.status === 'dead' || j.status === 'failed') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(j.status, 'done', j.last_error);
  assert.equal(j.result.skipped, true, JSON.stringify(j.result));
  assert.match(j.result.reason, /仍在写入.*推迟/);
  assert.equal((await admin.get('/api/v1/search/vector')).json.model_id, before.model_id, 'the same model');
});
