// Knowledge bases (知识库, issue 15 part 2), as their users meet them: a
// district builds a base with the default chunking and retrieval settings,
// previews a rule, adds documents as text and as files of every type (each
// parsed by content, generated here), watches each one's indexing state to
// the end, finds its chunks through the search service at once, edits chunks
// by hand with their history, re-indexes with a new rule; a broken file fails
// with its reason and the rest keeps working; another district sees none of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { settled } from './lib/kbdocs.mjs';
import { xlsx } from './lib/xlsx.mjs';
import { docx, pdf, multipart } from './lib/docfixtures.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, kb;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
});

after(async () => {
  await srv?.stop();
});

const upload = (who, kbId, name, data, fields = {}) =>
  who.request('POST', `/api/v1/kb/${kbId}/documents`, multipart(fields, { name, data }));

const chunksOf = async (kbId, docId) =>
  (await pd.get(`/api/v1/kb/${kbId}/chunks?doc_id=${docId}&page_size=200`)).json.items;
const find = (who, q, kbIds) => who.post('/api/v1/search', { q, kinds: ['kb_chunk'], kb_ids: kbIds, page_size: 50 });

test('a knowledge base starts with the default chunking and retrieval settings', async () => {
  const r = await pd.post('/api/v1/kb', { name: '党建政策库', description: '政策解读', org_id: pd.me.user.org_id });
  assert.equal(r.status, 201, r.body);
  kb = r.json;
  assert.deepEqual(kb.chunk_rule, { mode: 'auto', size: 1024, overlap: 50, separator: '\\n\\n', xlsx: 'row' });
  assert.equal(kb.retrieval.top_k, 5);
  assert.equal(kb.retrieval.semantic_weight, 0.7);
  assert.equal(kb.retrieval.keyword_weight, 0.3);
  assert.equal(kb.embedding, 'local', 'the offline local model by default');
  const bad = await pd.post('/api/v1/kb', { name: 'x', org_id: pd.me.user.org_id, chunk_rule: { mode: 'fixed', size: 10 } });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.chunk_rule);
  const bad2 = await pd.patch(`/api/v1/kb/${kb.id}`, { retrieval: { top_k: 0 } });
  assert.equal(bad2.status, 422);
  const ok = await pd.patch(`/api/v1/kb/${kb.id}`, { retrieval: { top_k: 8, fusion: 'rrf' } });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json.retrieval.top_k, 8);
  assert.equal(ok.json.retrieval.semantic_weight, 0.7, 'the other settings stay');
  assert.equal((await hp.get(`/api/v1/kb/${kb.id}`)).status, 404, "another district's base is not found");
  assert.ok(!(await hp.get('/api/v1/kb')).json.items.some((k) => k.id === kb.id));
});

test('the chunk preview: fixed size with overlap never cuts a character, separators with escapes, automatic by headings', async () => {
  const text = '党的建设是党的事业取得胜利的重要法宝。'.repeat(12) + '\n\n' + '基层党组织是党的全部工作和战斗力的基础！'.repeat(6);
  let r = await pd.post(`/api/v1/kb/${kb.id}/chunk-preview`, { text, chunk_rule: { mode: 'fixed', size: 60, overlap: 10 } });
  assert.equal(r.status, 200, r.body);
  assert.ok(r.json.count > 4);
  for (const c of r.json.chunks) {
    assert.ok(c.chars <= 60, `${c.chars} characters`);
    assert.ok(!c.content.includes('\ufffd'));
  }
  assert.ok(r.json.chunks.slice(0, -1).every((c) => /[。！\n]$/.test(c.content) || c.chars === 60), 'cut at sentence ends where possible');
  const a = r.json.chunks[0].content, b = r.json.chunks[1].content;
  assert.ok(b.startsWith(a.slice(-10)), 'the next chunk repeats the overlap (10 characters)');
  r = await pd.post(`/api/v1/kb/${kb.id}/chunk-preview`, { text: '第一条\n---\n第二条\n---\n第三条', chunk_rule: { mode: 'separator', separator: '\\n---\\n' } });
  assert.deepEqual(r.json.chunks.map((c) => c.content), ['第一条', '第二条', '第三条']);
  r = await pd.post(`/api/v1/kb/${kb.id}/chunk-preview`, { text: '# 总则\n\n第一段。\n\n第二段。\n\n# 附则\n\n第三段。' });
  assert.deepEqual(r.json.chunks.map((c) => [c.title, c.content]), [['总则', '第一段。\n\n第二段。'], ['附则', '第三段。']]);
  assert.equal((await pd.post(`/api/v1/kb/${kb.id}/chunk-preview`, { text: 'x', chunk_rule: { mode: 'zigzag' } })).status, 422);
});

test('a text document is indexed through every state and its chunks are found at once, in traditional characters too', async () => {
  const r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: '党员发展细则', text: '# 入党条件\n\n年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，可以申请加入中国共产党。\n\n# 发展程序\n\n入党积极分子经过一年以上的培养教育和考察，可列为发展对象。' });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.status, 'queued');
  assert.ok(r.json.job_id);
  const d = await settled(pd, kb.id, r.json.id);
  assert.equal(d.status, 'done', d.error);
  assert.equal(d.progress, 100);
  assert.equal(d.chunk_count, 2);
  // embedded with the fitted local model, or (no model fitted yet) keyword only, saying so
  assert.ok(d.vector_note === null || /仅关键词检索/.test(d.vector_note), d.vector_note);
  const s = await find(pd, '積極分子', [kb.id]);
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.total, 1);
  assert.equal(s.json.items[0].title, '发展程序');
  assert.match(s.json.items[0].snippet, /<mark>积极分子<\/mark>/);
  assert.equal(s.json.items[0].attrs.kb_id, String(kb.id));
  assert.equal((await find(hp, '积极分子', [kb.id])).json.total, 0, "another district's user finds nothing");
  assert.equal((await hp.get(`/api/v1/kb/${kb.id}/documents/${r.json.id}`)).status, 404);
  // a bad JSON document
  const bad = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: '', text: '' });
  assert.equal(bad.status, 422);
});

test('every file type parses by its content: .txt .md .html .docx .pdf .xlsx (a row per chunk)', async () => {
  const files = [
    ['说明.txt', Buffer.from('支部委员会每月召开一次组织生活会。'), '组织生活会'],
    ['指南.md', Buffer.from('# 三会一课\n\n支部党员大会每季度召开一次。'), '支部党员大会'],
    ['page.html', Buffer.from('<html><head><title>t</title><script>alert(1)</script></head><body><h1>主题党日</h1><p>每月固定一天开展主题党日活动。</p></body></html>'), '主题党日活动'],
    ['细则.docx', docx([{ heading: '党费收缴' }, '党员应按月交纳党费。', '党费使用须公开透明。']), '按月交纳党费'],
    ['handbook.pdf', pdf([['Party building handbook'], ['Chapter two: volunteer service']]), 'volunteer service'],
    ['台账.xlsx', xlsx([['姓名', '支部', '职务'], ['张三', '第一支部', '书记'], ['李四', '第二支部', '组织委员'], ['王五', '第三支部', '宣传委员']]), '组织委员'],
  ];
  for (const [name, data, probe] of files) {
    const r = await upload(pd, kb.id, name, data);
    assert.equal(r.status, 201, `${name}: ${r.body}`);
    const d = await settled(pd, kb.id, r.json.id);
    assert.equal(d.status, 'done', `${name}: ${d.error}`);
    assert.equal(d.doc_type, name.split('.').pop(), name);
    const s = await find(pd, probe, [kb.id]);
    assert.ok(s.json.items.some((h) => h.attrs.doc_id === String(d.id)), `${name}: ${probe} found`);
    if (name.endsWith('.xlsx')) {
      const cs = await chunksOf(kb.id, d.id);
      assert.equal(cs.length, 3, 'one chunk per row');
      assert.equal(cs[1].content, '姓名：李四；支部：第二支部；职务：组织委员');
    }
    if (name.endsWith('.html')) assert.ok(!(await chunksOf(kb.id, d.id)).some((c) => c.content.includes('alert')));
    if (name.endsWith('.docx')) assert.equal((await chunksOf(kb.id, d.id))[0].title, '党费收缴');
  }
});

test('a broken file fails with its reason, a file of another type is refused, the base keeps working', async () => {
  const broken = await upload(pd, kb.id, '坏文件.docx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
  if (broken.status === 201) {
    const d = await settled(pd, kb.id, broken.json.id);
    assert.equal(d.status, 'failed');
    assert.match(d.error, /解析失败|docx/);
  } else {
    assert.equal(broken.status, 415, broken.body);
  }
  const emptyDocx = await upload(pd, kb.id, '空.docx', docx([]));
  assert.equal(emptyDocx.status, 201, emptyDocx.body);
  const e = await settled(pd, kb.id, emptyDocx.json.id);
  assert.equal(e.status, 'failed');
  assert.match(e.error, /没有可索引的文字/);
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const r = await upload(pd, kb.id, 'x.png', png);
  assert.equal(r.status, 415, r.body);
  const nofile = await pd.request('POST', `/api/v1/kb/${kb.id}/documents`, multipart({ title: 'x' }));
  assert.equal(nofile.status, 422);
  assert.ok((await find(pd, '积极分子', [kb.id])).json.total >= 1, 'the other documents are still found');
  // a failed document can be re-indexed; a running one cannot
  const again = await pd.post(`/api/v1/kb/${kb.id}/documents/${emptyDocx.json.id}/reindex`);
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.status, 'queued');
  assert.equal((await settled(pd, kb.id, emptyDocx.json.id)).status, 'failed');
});

test('chunks edited by hand: searchable at once, history kept, disabled and deleted ones leave the index', async () => {
  const add = await pd.post(`/api/v1/kb/${kb.id}/chunks`, { title: '手工条目', content: '流动党员管理办法：外出务工党员应及时转接组织关系。', weight: 2 });
  assert.equal(add.status, 201, add.body);
  const c = add.json;
  assert.equal(c.manual, true);
  assert.equal((await find(pd, '流动党员', [kb.id])).json.total, 1);
  const p = await pd.patch(`/api/v1/kb/${kb.id}/chunks/${c.id}`, { content: '退役军人党员管理办法：及时转接组织关系。' });
  assert.equal(p.status, 200, p.body);
  assert.equal(p.json.version, 2);
  assert.equal((await find(pd, '流动党员', [kb.id])).json.total, 0, 'the old text is gone from the index');
  assert.equal((await find(pd, '退役军人', [kb.id])).json.total, 1);
  const g = await pd.get(`/api/v1/kb/${kb.id}/chunks/${c.id}`);
  assert.equal(g.json.history.length, 1);
  assert.equal(g.json.history[0].version, 1);
  assert.match(g.json.history[0].content, /流动党员/);
  assert.equal((await pd.patch(`/api/v1/kb/${kb.id}/chunks/${c.id}`, { enabled: false })).status, 200);
  assert.equal((await find(pd, '退役军人', [kb.id])).json.total, 0, 'a disabled chunk is not found');
  assert.equal((await pd.patch(`/api/v1/kb/${kb.id}/chunks/${c.id}`, { enabled: true, weight: 5 })).status, 200);
  const w = await find(pd, '退役军人', [kb.id]);
  assert.equal(w.json.items[0].weight, 5);
  assert.equal((await hp.patch(`/api/v1/kb/${kb.id}/chunks/${c.id}`, { weight: 1 })).status, 404);
  assert.equal((await pd.patch(`/api/v1/kb/${kb.id}/chunks/${c.id}`, { weight: 11 })).status, 422);
  assert.equal((await pd.del(`/api/v1/kb/${kb.id}/chunks/${c.id}`)).status, 204);
  assert.equal((await find(pd, '退役军人', [kb.id])).json.total, 0);
});

test('re-indexing with a new rule replaces the chunks; deleting a document or the base empties the index', async () => {
  const r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: '长文', text: '学习贯彻习近平新时代中国特色社会主义思想。'.repeat(30) });
  const d = await settled(pd, kb.id, r.json.id);
  assert.equal(d.chunk_count, 1);
  assert.equal((await pd.patch(`/api/v1/kb/${kb.id}`, { chunk_rule: { mode: 'fixed', size: 100, overlap: 10 } })).status, 200);
  assert.equal((await pd.post(`/api/v1/kb/${kb.id}/documents/${d.id}/reindex`)).status, 200);
  const again = await settled(pd, kb.id, d.id);
  assert.equal(again.status, 'done');
  assert.ok(again.chunk_count >= 6, `${again.chunk_count} chunks`);
  assert.equal((await chunksOf(kb.id, d.id)).length, again.chunk_count);
  assert.equal((await pd.del(`/api/v1/kb/${kb.id}/documents/${d.id}`)).status, 204);
  assert.equal((await find(pd, '特色社会主义', [kb.id])).json.total, 0);
  assert.equal((await pd.del(`/api/v1/kb/${kb.id}`)).status, 204);
  assert.equal((await find(pd, '积极分子', [kb.id])).json.total, 0, "a deleted base's chunks are gone");
  assert.equal((await pd.get(`/api/v1/kb/${kb.id}`)).status, 404);
});

test("a base's counts and a document's chunks come from indexes, not from a scan of the rows, and stay right", async () => {
  const b = (await pd.post('/api/v1/kb', { name: '计数', org_id: pd.me.user.org_id })).json;
  const text = ['第一段：三会一课。', '第二段：主题党日。', '第三段：组织生活会。'].join('\n\n');
  const rule = { chunk_rule: { mode: 'separator', separator: '\\n\\n', size: 100, overlap: 0 } };
  assert.equal((await pd.patch(`/api/v1/kb/${b.id}`, rule)).status, 200);
  const d1 = await settled(pd, b.id, (await pd.post(`/api/v1/kb/${b.id}/documents`, { title: '甲', text })).json.id);
  const d2 = await settled(pd, b.id, (await pd.post(`/api/v1/kb/${b.id}/documents`, { title: '乙', text })).json.id);
  assert.equal(d1.chunk_count, 3);
  let k = (await pd.get(`/api/v1/kb/${b.id}`)).json;
  assert.deepEqual([k.document_count, k.chunk_count], [2, 6]);
  assert.equal((await pd.get(`/api/v1/kb/${b.id}/documents?status=done`)).json.total, 2);
  assert.equal((await pd.get(`/api/v1/kb/${b.id}/documents?status=queued`)).json.total, 0);
  // a re-index replaces the document's own chunks only
  assert.equal((await pd.post(`/api/v1/kb/${b.id}/documents/${d1.id}/reindex`)).status, 200);
  assert.equal((await settled(pd, b.id, d1.id)).chunk_count, 3);
  assert.equal((await chunksOf(b.id, d2.id)).length, 3);
  assert.equal((await pd.del(`/api/v1/kb/${b.id}/documents/${d2.id}`)).status, 204);
  k = (await pd.get(`/api/v1/kb/${b.id}`)).json;
  assert.deepEqual([k.document_count, k.chunk_count], [1, 3]);
  assert.equal((await pd.get(`/api/v1/kb/${b.id}/documents?status=done`)).json.total, 1);
  if (!srv.db) {
    // SQLite's plans (PostgreSQL picks a sequential scan on tables this small):
    // the statements of docs_api.c and KB_COLS, never a scan of kb_chunks or
    // kb_documents, whose rows hold the documents' text
    const plan = (q) => srv.sql(`EXPLAIN QUERY PLAN ${q}`);
    for (const [q, ix] of [
      ['SELECT id FROM kb_chunks WHERE doc_id = 1 AND manual = 0 AND deleted_at IS NULL', 'kb_chunks_doc'],
      ['DELETE FROM kb_chunks WHERE doc_id = 1 AND manual = 0', 'kb_chunks_doc'],
      ['SELECT COUNT(*) FROM kb_chunks WHERE doc_id = 1 AND deleted_at IS NULL', 'COVERING INDEX kb_chunks_doc'],
      ['SELECT COUNT(*) FROM kb_chunks x WHERE x.kb_id = 1 AND x.deleted_at IS NULL', 'COVERING INDEX kb_chunks_live'],
      ['SELECT COUNT(*) FROM kb_documents x WHERE x.kb_id = 1 AND x.deleted_at IS NULL', 'COVERING INDEX kb_documents_live'],
      ["SELECT COUNT(*) FROM kb_documents d JOIN kbs k ON k.id = d.kb_id WHERE d.deleted_at IS NULL AND k.deleted_at IS NULL AND d.kb_id = 1 AND d.status = 'done'", 'COVERING INDEX kb_documents_live'],
    ]) {
      const p = plan(q);
      assert.match(p, new RegExp(ix), `${q}\n${p}`);
      assert.doesNotMatch(p, /SCAN (kb_chunks|kb_documents|x|d)\b/, `${q}\n${p}`);
    }
  }
});
