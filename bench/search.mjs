// Keyword search latency and knowledge-base indexing throughput (issue 15,
// part 1–2) on a generated corpus: D documents (default 300) of generated
// party-building prose go into one knowledge base with a fixed 200-character
// chunking rule through the API; the time until every document is `done`
// gives chunks/s through the whole job (parse, chunk, tokenise, FTS/GIN
// write, one transaction per document). Then Q keyword queries (default 400;
// words, parts of words, traditional characters, two-word queries) through
// POST /api/v1/search as a district worker (scope in the query), one at a
// time: p50/p95/p99. Figures in docs/benchmarks.md.
//
//   ZHENDI_BIN=build/zhendi node bench/search.mjs [D] [Q]
//   scripts/pg-test.sh env ZHENDI_BIN=build/zhendi node bench/search.mjs    (PostgreSQL)
import { startServer, TEST_PG } from '../tests/api/lib/server.mjs';

const D = Number(process.argv[2] || 300);
const Q = Number(process.argv[3] || 400);
const DEMO = 'Zhendi@Demo2026';
const WORDS = ['党的建设', '基层党组织', '组织生活', '三会一课', '主题党日', '党员发展', '入党积极分子', '志愿服务',
  '社区治理', '党群服务中心', '理论学习', '红色文化', '乡村振兴', '城市更新', '党风廉政', '群众路线', '初心使命',
  '党费收缴', '民主评议', '流动党员', '组织关系', '网格化管理', '数字化转型', '文明实践', '学习强国'];
const FILL = ['认真落实', '持续推进', '不断完善', '深入开展', '扎实做好', '切实加强', '全面提升', '积极探索'];
let seed = 42;
const rnd = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
const sentence = () => `${FILL[rnd(FILL.length)]}${WORDS[rnd(WORDS.length)]}工作，${FILL[rnd(FILL.length)]}${WORDS[rnd(WORDS.length)]}和${WORDS[rnd(WORDS.length)]}。`;
const doc = () => Array.from({ length: 12 }, () => Array.from({ length: 6 }, sentence).join('')).join('\n\n');
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];

const srv = await startServer({ args: ['--demo', '--workers', '2'] });
try {
  const pd = await srv.login('pudong_dangwu', DEMO);
  const kb = (await pd.post('/api/v1/kb', { name: '压测知识库', org_id: pd.me.user.org_id, chunk_rule: { mode: 'fixed', size: 200, overlap: 20 } })).json;
  const t0 = performance.now();
  const ids = [];
  for (let i = 0; i < D; i++) {
    const r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: `生成文档${i}`, text: doc() });
    if (r.status !== 201) throw new Error(r.body);
    ids.push(r.json.id);
  }
  for (;;) {
    const r = await pd.get(`/api/v1/kb/${kb.id}/documents`, {});
    const st = await pd.get(`/api/v1/kb/${kb.id}/documents?status=done&page_size=1`);
    const failed = await pd.get(`/api/v1/kb/${kb.id}/documents?status=failed&page_size=1`);
    if (failed.json.total) throw new Error('a document failed');
    if (st.json.total === D) break;
    if (!r.json) throw new Error('no answer');
    await new Promise((res) => setTimeout(res, 200));
  }
  const secs = (performance.now() - t0) / 1000;
  const chunks = (await pd.get(`/api/v1/kb/${kb.id}`)).json.chunk_count;
  console.log(`${TEST_PG ? 'PostgreSQL' : 'SQLite'}: ${D} documents, ${chunks} chunks indexed in ${secs.toFixed(1)} s = ${Math.round(chunks / secs)} chunks/s (upload to done)`);
  const queries = [];
  for (let i = 0; i < Q; i++) {
    const w = WORDS[rnd(WORDS.length)];
    const k = i % 4;
    queries.push(k === 0 ? w : k === 1 ? w.slice(1, 3) : k === 2 ? w.replace('党', '黨').replace('组', '組').replace('会', '會') : `${w} ${WORDS[rnd(WORDS.length)]}`);
  }
  for (const facets of [true, false]) {
    const lat = [];
    let hits = 0;
    for (const q of queries) {
      const t = performance.now();
      const r = await pd.post('/api/v1/search', { q, kinds: ['kb_chunk'], kb_ids: [kb.id], page_size: 10, facets });
      lat.push(performance.now() - t);
      if (r.status !== 200) throw new Error(r.body);
      hits += r.json.total;
    }
    lat.sort((a, b) => a - b);
    console.log(`${Q} keyword queries over ${chunks} chunks (10 hits, snippets, ${facets ? 'with' : 'without'} facets): p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, mean matches ${Math.round(hits / Q)}`);
  }
} finally {
  await srv.stop();
}
