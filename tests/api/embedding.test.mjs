// The openai embedding provider (issue 15, docs/search.md § The openai
// provider) against a fake OpenAI-compatible /v1/embeddings service
// (tests/api/lib/fake-embeddings.mjs): settings with the key sealed and
// never answered, 测试连接, a knowledge base with embedding "openai" whose
// chunks are embedded through the service (batched, Bearer key), vector
// and hybrid retrieval through it, a 429 with Retry-After retried until it
// succeeds, and a service that never answers: the indexing job times out,
// retries, fails with the reason on the document, and keyword search still
// finds the document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { settled } from './lib/kbdocs.mjs';
import { startFakeEmbeddings } from './lib/fake-embeddings.mjs';

const DEMO = 'Zhendi@Demo2026';
const KEY = 'sk-test-4f3a9c1b7e';
let srv, admin, pd, fake, kb;

const SETTINGS = {
  model: 'fake-embed', dim: 256, batch_size: 4, timeout_ms: 3000, retries: 2, rate_limit: 50,
  index_provider: 'local',
};


async function addDoc(title, text) {
  const r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title, text });
  assert.equal(r.status, 201, r.body);
  return settled(pd, kb.id, r.json.id);
}

const PARAS = [
  '党员按月缴纳党费，缴纳比例按照工资收入确定。',
  '党费主要用于党员教育培训，收缴和使用情况每年公布。',
  '党员志愿者进社区，为独居老人提供上门帮扶和助餐服务。',
  '志愿服务队定期走访独居老人，开展义诊和陪伴活动。',
  '基层党组织按期换届，选举产生新一届支部委员会。',
  '支部委员会每月召开组织生活会，开展批评与自我批评。',
];

before(async () => {
  fake = await startFakeEmbeddings({ key: KEY, dim: 256 });
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
});

after(async () => {
  await srv?.stop();
  await fake?.close();
});

test('settings: validated, permission, the key sealed and never answered', async () => {
  const first = await admin.get('/api/v1/search/embedding');
  assert.equal(first.status, 200, first.body);
  assert.equal(first.json.has_key, false);
  assert.equal(first.json.index_provider, 'local');
  const bad = await admin.put('/api/v1/search/embedding', { ...SETTINGS, url: 'ftp://x', dim: 0, rate_limit: 0 });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.url && bad.json.error.fields.dim && bad.json.error.fields.rate_limit, bad.body);
  const noUrl = await admin.put('/api/v1/search/embedding', { ...SETTINGS, url: '', index_provider: 'openai' });
  assert.equal(noUrl.status, 422);
  assert.ok(noUrl.json.error.fields.url, noUrl.body);
  assert.equal((await pd.put('/api/v1/search/embedding', { ...SETTINGS, url: fake.url })).status, 403);
  assert.equal((await pd.post('/api/v1/search/embedding/test', {})).status, 403);

  // 测试连接 before saving: a wrong key is the service's own error message
  const wrong = await admin.post('/api/v1/search/embedding/test', { url: fake.url, key: 'sk-wrong', model: 'fake-embed', dim: 256 });
  assert.equal(wrong.status, 200, wrong.body);
  assert.equal(wrong.json.ok, false);
  assert.match(wrong.json.error, /401.*Incorrect API key.*invalid_api_key/);

  const s = await admin.put('/api/v1/search/embedding', { ...SETTINGS, url: fake.url, key: KEY });
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.has_key, true);
  assert.equal(s.json.key, undefined);
  assert.ok(!s.body.includes(KEY));
  assert.ok(!(await admin.get('/api/v1/search/embedding')).body.includes(KEY));
  const sealed = srv.sql('SELECT key_sealed FROM search_embed_settings WHERE id = 1');
  assert.ok(sealed && !sealed.includes(KEY));
  // audited, and the audit record holds the fact of a new key, never the key
  const audit = srv.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'search.embedding'");
  assert.ok(Number(audit) >= 1, audit);
  assert.equal(srv.sql(`SELECT COUNT(*) FROM audit_log WHERE COALESCE(detail, '') || COALESCE(before_json, '') || COALESCE(after_json, '') LIKE '%${KEY}%'`), '0');
  // an empty key keeps the sealed one
  const again = await admin.put('/api/v1/search/embedding', { ...SETTINGS, url: fake.url, key: '' });
  assert.equal(again.json.has_key, true);
  assert.equal(srv.sql('SELECT key_sealed FROM search_embed_settings WHERE id = 1'), sealed);

  const ok = await admin.post('/api/v1/search/embedding/test', {});
  assert.equal(ok.json.ok, true, ok.body);
  assert.equal(ok.json.dim, 256);
  const seen = fake.requests.at(-1);
  assert.equal(seen.auth, `Bearer ${KEY}`);
  assert.equal(seen.path, '/v1/embeddings');
  assert.equal(JSON.parse(seen.body).model, 'fake-embed');
  // every 测试连接 audited with its outcome (the wrong key a failure); never the key
  const tests = srv.sql("SELECT outcome FROM audit_log WHERE action = 'search.embedding_test' ORDER BY id").split('\n');
  assert.deepEqual(tests, ['failure', 'success']);
  assert.equal(srv.sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'search.embedding_test' AND COALESCE(detail, '') LIKE '%sk-wrong%'`), '0');
});

test('a knowledge base on openai: chunks embedded in batches, vector and hybrid retrieval through it', async () => {
  const r = await pd.post('/api/v1/kb', {
    name: '浦东 openai 测试库', org_id: pd.me.user.org_id, embedding: 'openai',
    chunk_rule: { mode: 'separator', separator: '\\n\\n' },
  });
  assert.equal(r.status, 201, r.body);
  kb = r.json;
  assert.equal(kb.embedding, 'openai');
  const before = fake.requests.length;
  const d = await addDoc('党建工作手册', PARAS.join('\n\n'));
  assert.equal(d.status, 'done', d.error);
  assert.equal(d.chunk_count, 6);
  assert.equal(d.vector_note, null);
  const calls = fake.requests.slice(before);
  assert.deepEqual(calls.map((c) => c.inputs), [4, 2]); // batch_size 4
  const st = await admin.get('/api/v1/search/embedding');
  assert.equal(st.json.documents.done, 6);
  assert.ok(st.json.model_id > 0);

  const v = await pd.post('/api/v1/search', { q: '独居老人助餐', mode: 'vector', kb_ids: [kb.id], embedding: 'openai', top_k: 3 });
  assert.equal(v.status, 200, v.body);
  assert.equal(v.json.vector_ready, true, v.json.notice);
  assert.equal(v.json.embedding, 'openai');
  assert.ok(v.json.items.length >= 1);
  assert.match(v.json.items[0].snippet.replace(/<\/?mark>/g, ''), /独居老人/);
  assert.ok(v.json.items[0].scores.vector > 0);
  const h = await pd.post('/api/v1/search', { q: '支部委员会', mode: 'hybrid', kb_ids: [kb.id], embedding: 'openai', top_k: 3 });
  assert.equal(h.json.vector_ready, true);
  assert.match(h.json.items[0].snippet, /支部委员会/);
  assert.ok(h.json.items[0].scores.keyword > 0 && h.json.items[0].scores.vector > 0, JSON.stringify(h.json.items[0].scores));
  const bad = await pd.post('/api/v1/search', { q: '党费', mode: 'vector', embedding: 'bert' });
  assert.equal(bad.status, 422);

  // a chunk edited by hand is embedded again by the job search.embed
  const chunks = await pd.get(`/api/v1/kb/${kb.id}/chunks?doc_id=${d.id}&page_size=50`);
  assert.equal(chunks.status, 200, chunks.body);
  const c0 = chunks.json.items[0];
  const n0 = fake.requests.length;
  const e = await pd.patch(`/api/v1/kb/${kb.id}/chunks/${c0.id}`, { content: '党员领导干部带头讲党课，宣讲党的创新理论。', version: c0.version });
  assert.equal(e.status, 200, e.body);
  const until = Date.now() + 20000;
  while ((await admin.get('/api/v1/search/embedding')).json.documents.pending > 0) {
    assert.ok(Date.now() < until, 'the edited chunk was not embedded again');
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.ok(fake.requests.length > n0);
  const after = await pd.post('/api/v1/search', { q: '讲党课', mode: 'vector', kb_ids: [kb.id], embedding: 'openai', top_k: 1 });
  assert.match(after.json.items[0].snippet.replace(/<\/?mark>/g, ''), /讲党课/, srv.sql('SELECT id, ref_id, embed_state, updated_at FROM search_docs') + srv.sql('SELECT doc_id, model_id FROM search_vectors'));
});

test('a 429 with Retry-After is retried after the wait and succeeds', async () => {
  fake.mode = 'limit';
  fake.limitCount = 1;
  fake.retryAfter = 1;
  const n0 = fake.requests.length;
  const d = await addDoc('限流测试', '限流之后重试成功的文档，讲述基层治理。');
  fake.mode = 'ok';
  assert.equal(d.status, 'done', d.error);
  const calls = fake.requests.slice(n0);
  assert.equal(calls[0].limited, true);
  assert.ok(calls.length >= 2);
  assert.ok(calls[1].at - calls[0].at >= 900, `retried after ${calls[1].at - calls[0].at} ms`);
});

test('a service that never answers does not stall indexing; keyword search still finds the document', async () => {
  const s = await admin.put('/api/v1/search/embedding', { ...SETTINGS, url: fake.url, timeout_ms: 400, retries: 1 });
  assert.equal(s.status, 200, s.body);
  fake.mode = 'hang';
  const t0 = Date.now();
  const r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: '无应答测试', text: '向量服务无应答时，关键词检索仍然可以找到红色教育基地。' });
  assert.equal(r.status, 201, r.body);
  let d;
  for (;;) { // the first attempt fails within timeout × 2 + backoff
    d = (await pd.get(`/api/v1/kb/${kb.id}/documents/${r.json.id}`)).json;
    if (d.status === 'failed') break;
    assert.ok(Date.now() - t0 < 20000, `still ${d.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(d.error, /向量化失败.*超时.*已重试 1 次.*关键词检索可用/);
  assert.match(d.vector_note, /超时/);
  const job = await admin.get(`/api/v1/jobs/${d.job_id}`);
  assert.equal(job.status, 200, job.body);
  assert.match(job.json.last_error || '', /超时/);
  const kw = await pd.post('/api/v1/search', { q: '红色教育基地', mode: 'keyword', kb_ids: [kb.id] });
  assert.equal(kw.status, 200, kw.body);
  assert.equal(kw.json.total, 1);
  // hybrid through the silent service answers from the keyword side, saying why
  const hy = await pd.post('/api/v1/search', { q: '红色教育基地', mode: 'hybrid', kb_ids: [kb.id], embedding: 'openai' });
  assert.equal(hy.status, 200, hy.body);
  assert.equal(hy.json.vector_ready, false);
  assert.match(hy.json.notice, /向量服务不可用.*超时/);
  assert.equal(hy.json.items[0].title, '无应答测试');
  const st = await admin.get('/api/v1/search/embedding');
  assert.match(st.json.last_error || '', /超时/);
  fake.mode = 'ok';
});
