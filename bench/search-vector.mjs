// Vector and hybrid retrieval (issue 15, docs/search.md § Vectors) on real
// Chinese text: every Chinese manual page of Debian's manpages-zh
// (/usr/share/man/zh_CN, roff markup stripped) goes into one knowledge base
// (fixed 300-character chunks, overlap 30) through the API; then the local
// model is fitted (job search.vector_fit: TF-IDF + truncated SVD, 128
// dimensions) and timed; then Q queries (the pages' NAME lines: "列出目录内容",
// "复制文件和目录" …) run one at a time in keyword, vector and hybrid mode as
// a district worker: p50/p95/p99 and how often the page the NAME line came
// from is among the first 10 hits (a rough hit@10; the graded evaluation set
// of the issue is not built yet). Figures in docs/benchmarks.md.
//
//   ZHENDI_BIN=build/zhendi node bench/search-vector.mjs [Q] [reverse]
//   scripts/pg-test.sh env ZHENDI_BIN=build/zhendi node bench/search-vector.mjs    (PostgreSQL)
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { startServer, TEST_PG } from '../tests/api/lib/server.mjs';

const Q = Number(process.argv[2] || 200);
const DEMO = 'Zhendi@Demo2026';
const ROOT = '/usr/share/man/zh_CN';
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];

// roff → text: drop comments and requests, font escapes, keep the words
function roff(src) {
  let name = '';
  const out = [];
  const lines = src.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (l.startsWith('.\\"') || l.startsWith("'\\\"")) continue;
    if (/^\.SH\s+(名称|NAME)/.test(l) && lines[i + 1]) name = lines[i + 1].replace(/\\-/g, '-').split(/\s+-\s+/)[1] || '';
    if (l.startsWith('.')) {
      l = l.replace(/^\.\w+\s*/, '');
      if (!l) { out.push(''); continue; }
    }
    out.push(l.replace(/\\f[BIRP]|\\f\([A-Z]{2}|\\[,/&]|\\-/g, (m) => (m === '\\-' ? '-' : '')).replace(/\\\(../g, '').replace(/\\/g, ''));
  }
  return { text: out.join('\n').replace(/\n{3,}/g, '\n\n').trim(), name: name.replace(/\\f[BIRP]/g, '').trim() };
}

const pages = [];
for (const sec of readdirSync(ROOT)) {
  if (!sec.startsWith('man')) continue;
  for (const f of readdirSync(`${ROOT}/${sec}`)) {
    if (!f.endsWith('.gz')) continue;
    const { text, name } = roff(gunzipSync(readFileSync(`${ROOT}/${sec}/${f}`)).toString('utf8'));
    if (/[\u4e00-\u9fff]/.test(text) && text.length > 80) pages.push({ title: f.replace(/\.gz$/, ''), text, name });
  }
}

const srv = await startServer({ args: ['--demo', '--workers', '2'] });
try {
  const pd = await srv.login('pudong_dangwu', DEMO);
  const admin = await srv.admin();
  const kb = (await pd.post('/api/v1/kb', { name: '手册页', org_id: pd.me.user.org_id, chunk_rule: { mode: 'fixed', size: 300, overlap: 30 } })).json;
  const t0 = performance.now();
  for (const p of pages) {
    let r;
    for (let k = 0; k < 20; k++) { // SQLite busy under the indexing workers: 503, try again
      r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: p.title, text: p.text.slice(0, 190000) });
      if (r.status !== 503) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    if (r.status !== 201) throw new Error(`${p.title}: ${r.body}`);
    p.doc = r.json.id;
  }
  for (;;) {
    const done = await pd.get(`/api/v1/kb/${kb.id}/documents?status=done&page_size=1`);
    const failed = await pd.get(`/api/v1/kb/${kb.id}/documents?status=failed&page_size=1`);
    if (done.json.total + failed.json.total === pages.length) break;
    await new Promise((res) => setTimeout(res, 300));
  }
  const secs = (performance.now() - t0) / 1000;
  const chunks = (await pd.get(`/api/v1/kb/${kb.id}`)).json.chunk_count;
  console.log(`${TEST_PG ? 'PostgreSQL' : 'SQLite'}: ${pages.length} manual pages, ${chunks} chunks indexed in ${secs.toFixed(1)} s (${Math.round(chunks / secs)} chunks/s, upload to done, embedding included once a model exists)`);
  const f0 = performance.now();
  const job = (await admin.post('/api/v1/search/vector/fit', {})).json.job.id;
  let j;
  for (;;) {
    j = (await admin.get(`/api/v1/jobs/${job}`)).json;
    if (j.status === 'done' || j.status === 'failed') break;
    await new Promise((res) => setTimeout(res, 200));
  }
  if (j.status !== 'done') throw new Error(j.last_error);
  console.log(`fit: ${JSON.stringify(j.result)} (job ${((performance.now() - f0) / 1000).toFixed(1)} s end to end)`);
  const named = pages.filter((p) => p.name && /[\u4e00-\u9fff]/.test(p.name));
  const queries = named.slice(0, Q);
  const modes = [['keyword'], ['vector'], ['hybrid', 'weighted'], ['hybrid', 'rrf']];
  if (process.argv[3] === 'reverse') modes.reverse(); // the first mode after the bulk load meets a cold planner
  for (const [mode, fusion] of modes) {
    const lat = [];
    let found = 0;
    for (const p of queries) {
      const t = performance.now();
      const r = await pd.post('/api/v1/search', { q: p.name.slice(0, 60), mode, ...(fusion ? { fusion } : {}), kinds: ['kb_chunk'], kb_ids: [kb.id], top_k: 10, facets: false });
      lat.push(performance.now() - t);
      if (r.status !== 200) continue; // a NAME line with nothing searchable
      if (r.json.items.some((h) => h.attrs.doc_id === String(p.doc))) found++;
    }
    lat.sort((a, b) => a - b);
    console.log(`${(fusion ? `${mode}/${fusion}` : mode).padEnd(16)} ${queries.length} queries: p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms; page of the NAME line in the top 10: ${(found / queries.length * 100).toFixed(1)} %`);
  }
} finally {
  await srv.stop();
}
