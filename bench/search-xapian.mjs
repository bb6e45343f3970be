// Keyword search against Xapian, and the local model's real vectors for the
// HNSW recall (issue 15 Performance; docs/benchmarks.md § Search: keyword
// search against Xapian).
//
// 1. The evaluation set's documents (build/search-eval/docs.jsonl, made by
//    scripts/gen-search-eval.py; 7,886) are loaded into one knowledge base of
//    a fresh server (build/zhendi, SQLite) as bench/search-eval.mjs does, the
//    local model fitted; the product's keyword search is then timed THROUGH
//    ITS API (POST /api/v1/search, mode keyword, top 10, as a district
//    worker: HTTP, session, scope, bm25 in SQLite FTS5, highlighting, JSON),
//    every query `passes` times after a warm-up pass: p50 / p95 / p99.
// 2. build/bench_search_tokens writes the same documents and queries as the
//    search service's own tokens (search_tokenize / search_terms_expr: CJK
//    bigrams, friso words, Latin words), and build/bench_xapian (a C++ peer,
//    never part of the product) indexes them in Xapian and times the same
//    queries in process: the comparison is of the engines, not the
//    segmenters.
// 3. The fitted model's vectors of the documents (search_vectors) are written
//    as float32 rows and build/bench_hnsw measures the HNSW index's recall@10
//    against the exact flat scan on them (200 documents' vectors held out as
//    the queries), with the parallel build.
//
//   node bench/search-xapian.mjs [--passes 20] [--threads 2]
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../tests/api/lib/server.mjs';
import { evaluate, loadSet } from '../tests/api/lib/search-eval.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};
const passes = Number(arg('passes', 20)), threads = Number(arg('threads', 2));
const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'build/search-eval');
const docsFile = join(out, 'docs.jsonl');
if (!existsSync(docsFile)) {
  const r = spawnSync('python3', [join(root, 'scripts/gen-search-eval.py'), '--out', docsFile], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const pct = (l, f) => l[Math.min(l.length - 1, Math.floor(f * l.length))];
console.log(`load average at start: ${load()}`);

const set = loadSet(docsFile);
const dataDir = mkdtempSync(join(tmpdir(), 'zhendi-xapian-'));
const srv = await startServer({ args: ['--demo', '--workers', '2'], dataDir });
let vecRows = 0, dim = 0;
try {
  const r = await evaluate(set, { modes: ['keyword'], server: srv });
  console.log(`product: ${r.chunks} documents loaded through the API in ${r.loadSecs.toFixed(1)} s (indexed in each request's transaction), model fitted in ${r.fitSecs.toFixed(1)} s`);
  const pd = await srv.login('pudong_dangwu', 'Zhendi@Demo2026');
  const kbs = (await pd.get('/api/v1/kb?page_size=100')).json.items;
  const kb = kbs.find((k) => k.name === '检索评测');
  const lat = [];
  let answered = 0, refused = 0, hits = 0;
  for (let p = -1; p < passes; p++) {
    for (const q of set.queries) {
      const t = performance.now();
      const res = await pd.post('/api/v1/search', { q: q.text, mode: 'keyword', kinds: ['kb_chunk'], kb_ids: [kb.id], top_k: 10, page_size: 10, facets: false });
      const ms = performance.now() - t;
      if (res.status !== 200 && res.status !== 422) throw new Error(`${q.id}: ${res.status} ${res.body}`);
      if (p < 0) continue;
      if (res.status === 422) { refused++; continue; }
      lat.push(ms);
      answered++;
      hits += res.json.items.length;
    }
  }
  lat.sort((a, b) => a - b);
  console.log(`product keyword search through the API (SQLite FTS5, bm25): ${set.queries.length} queries × ${passes} passes, ` +
    `p50 ${pct(lat, 0.5).toFixed(2)} ms, p95 ${pct(lat, 0.95).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms; ` +
    `${(hits / answered).toFixed(1)} hits per query, ${refused / passes} queries refused (422: no term); load ${load()}`);
  // the fitted model's vectors, in document order
  const db = join(dataDir, 'zhendi.db');
  const m = spawnSync('sqlite3', [db, 'SELECT dim FROM search_vec_models ORDER BY id DESC LIMIT 1'], { encoding: 'utf8' });
  dim = Number(m.stdout.trim());
  const v = spawnSync('sqlite3', [db, `SELECT hex(vec) FROM search_vectors WHERE model_id = (SELECT max(id) FROM search_vec_models) ORDER BY doc_id`],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  const rows = v.stdout.split('\n').filter(Boolean);
  const buf = Buffer.concat(rows.map((h) => Buffer.from(h, 'hex')));
  vecRows = rows.length;
  writeFileSync(join(out, 'vectors.f32'), buf);
  console.log(`local model: ${vecRows} vectors of ${dim} floats → build/search-eval/vectors.f32`);
} finally {
  await srv.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const run = (cmd, args) => {
  const r = spawnSync(join(root, 'build', cmd), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout || '');
  if (r.status !== 0) throw new Error(`${cmd} failed`);
};
run('bench_search_tokens', [docsFile, join(root, 'tests/data/search-eval/queries.tsv'), join(out, 'docs.tok'), join(out, 'queries.tok')]);
const xdb = mkdtempSync(join(tmpdir(), 'zhendi-xapian-db-'));
try {
  run('bench_xapian', [join(out, 'docs.tok'), join(out, 'queries.tok'), join(xdb, 'db'), String(passes)]);
} finally {
  rmSync(xdb, { recursive: true, force: true });
}
if (vecRows > 400 && dim) {
  // recall@10 on the real vectors: 200 held out as queries, the rest indexed
  run('bench_hnsw', [String(vecRows - 200), '200', '16', '100', String(dim), '-', String(threads), join(out, 'vectors.f32')]);
}
console.log(`load average at the end: ${load()}`);
