// The search evaluation set (tests/data/search-eval, docs/search.md § Quality):
// loading it, running it through a fresh server, and its measures. Used by
// bench/search-eval.mjs and tests/api/search-eval.test.mjs.
import { readFileSync } from 'node:fs';
import { startServer, TEST_PG } from './server.mjs';

const DATA = new URL('../../data/search-eval/', import.meta.url).pathname;
const DEMO = 'Zhendi@Demo2026';

function tsv(file) {
  return readFileSync(DATA + file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
}

// docs.jsonl from scripts/gen-search-eval.py; subset: every judged document,
// every party text and every 10th other document (the regression test)
export function loadSet(docsFile, { subset = false } = {}) {
  const queries = tsv('queries.tsv').map(([id, split, text]) => ({ id, split, text }));
  const qrels = new Map();
  for (const [qid, doc, grade] of tsv('qrels.tsv')) {
    if (!qrels.has(qid)) qrels.set(qid, new Map());
    qrels.get(qid).set(doc, Number(grade));
  }
  let docs = readFileSync(docsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const judged = new Set([...qrels.values()].flatMap((m) => [...m.keys()]));
  const known = new Set(docs.map((d) => d.id));
  const missing = [...judged].filter((id) => !known.has(id));
  if (missing.length) throw new Error(`qrels name documents the generator did not make: ${missing.slice(0, 5).join(', ')}`);
  if (subset) docs = docs.filter((d, i) => judged.has(d.id) || d.source === 'party' || i % 10 === 0);
  return { docs, queries, qrels };
}

// nDCG@10 (gain 2^g − 1 over the ideal ordering of all judged documents),
// recall@10 (grade ≥ 1), reciprocal rank of the first grade ≥ 1 in the top 10
export function measures(ranked, judged) {
  const top = ranked.slice(0, 10);
  let dcg = 0;
  top.forEach((id, i) => { dcg += (2 ** (judged.get(id) || 0) - 1) / Math.log2(i + 2); });
  const ideal = [...judged.values()].filter((g) => g > 0).sort((a, b) => b - a).slice(0, 10);
  const idcg = ideal.reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const rel = [...judged.values()].filter((g) => g > 0).length;
  const found = top.filter((id) => (judged.get(id) || 0) > 0).length;
  const first = top.findIndex((id) => (judged.get(id) || 0) > 0);
  return { ndcg: idcg ? dcg / idcg : 0, recall: rel ? found / rel : 0, rr: first < 0 ? 0 : 1 / (first + 1) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// a fresh server, the set loaded into one knowledge base, the local model
// fitted, every query in every mode: the rankings (evaluation ids, top 20)
// and the measures per split and mode
export async function evaluate(set, { modes = ['keyword', 'vector', 'hybrid'], fusion, semantic, keyword, env = {}, log = () => {}, server } = {}) {
  const srv = server || await startServer({ args: ['--demo', '--workers', '2'], env });
  try {
    const pd = await srv.login('pudong_dangwu', DEMO);
    const admin = await srv.admin();
    const kb = (await pd.post('/api/v1/kb', { name: '检索评测', org_id: pd.me.user.org_id, chunk_rule: { mode: 'fixed', size: 8000, overlap: 0 } })).json;
    if (!kb.id) throw new Error(`knowledge base: ${JSON.stringify(kb)}`);
    const t0 = performance.now();
    // one document per source, then each evaluation document as a chunk of
    // it with its own title and text (the chunk route indexes it in the
    // request's transaction: much faster than a document and its job each)
    const holder = {};
    for (const src of new Set(set.docs.map((d) => d.source))) {
      const r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: src, text: src });
      if (r.status !== 201) throw new Error(`${src}: ${r.status} ${r.body}`);
      holder[src] = r.json.id;
    }
    for (;;) {
      const done = await pd.get(`/api/v1/kb/${kb.id}/documents?status=done&page_size=1`);
      if (done.json.total === Object.keys(holder).length) break;
      await sleep(200);
    }
    const byChunk = new Map();
    let next = 0;
    async function worker() {
      while (next < set.docs.length) {
        const d = set.docs[next++];
        let r;
        for (let k = 0; k < 50; k++) { // SQLite busy: 503, try again
          r = await pd.post(`/api/v1/kb/${kb.id}/chunks`, { doc_id: holder[d.source], title: d.title, content: d.text });
          if (r.status !== 503) break;
          await sleep(100);
        }
        if (r.status !== 201) throw new Error(`${d.id}: ${r.status} ${r.body}`);
        byChunk.set(String(r.json.id), d.id);
      }
    }
    // one at a time: the documents get their ids in the set's order, so the
    // local model's fit (its rows, its random projection) and with it every
    // figure is the same from run to run (two loaders side by side gave
    // dev hybrid nDCG 0.673 in one run and 0.695 in another)
    await worker();
    const loadSecs = (performance.now() - t0) / 1000;
    const chunks = (await pd.get(`/api/v1/kb/${kb.id}`)).json.chunk_count;
    log(`loaded ${set.docs.length} documents (${chunks} chunks) in ${loadSecs.toFixed(1)} s`);
    const f0 = performance.now();
    const job = (await admin.post('/api/v1/search/vector/fit', {})).json.job.id;
    let j;
    for (;;) {
      j = (await admin.get(`/api/v1/jobs/${job}`)).json;
      if (j.status === 'done' || j.status === 'failed') break;
      await sleep(200);
    }
    if (j.status !== 'done') throw new Error(`fit: ${j.last_error}`);
    const fitSecs = (performance.now() - f0) / 1000;
    const q0 = performance.now();
    const runs = {}, perQuery = {}, lat = {};
    for (const q of set.queries) {
      runs[q.id] = {};
      perQuery[q.id] = {};
      for (const mode of modes) {
        // a mode is keyword, vector, hybrid, or hybrid/FUSION/SEMANTIC/KEYWORD (tuning)
        const [m, f = fusion, sw = semantic, kw = keyword] = mode.split('/');
        const body = { q: q.text, mode: m, kinds: ['kb_chunk'], kb_ids: [kb.id], top_k: 20, page_size: 20, facets: false };
        if (m === 'hybrid') {
          if (f) body.fusion = f;
          if (sw !== undefined || kw !== undefined) body.weights = { semantic: Number(sw ?? 0.7), keyword: Number(kw ?? 0.3) };
        }
        const t = performance.now();
        const r = await pd.post('/api/v1/search', body);
        (lat[mode] ||= []).push(performance.now() - t);
        if (r.status !== 200 && r.status !== 422) throw new Error(`${q.id} ${mode}: ${r.status} ${r.body}`);
        const ranked = [];
        for (const h of r.status === 200 ? r.json.items : []) {
          const id = byChunk.get(String(h.ref_id));
          if (id && !ranked.includes(id)) ranked.push(id);
        }
        runs[q.id][mode] = ranked;
        perQuery[q.id][mode] = measures(ranked, set.qrels.get(q.id) || new Map());
      }
    }
    const querySecs = (performance.now() - q0) / 1000;
    const metrics = {};
    for (const split of ['dev', 'test']) {
      metrics[split] = {};
      const qs = set.queries.filter((q) => q.split === split);
      for (const mode of modes) {
        const ms = qs.map((q) => perQuery[q.id][mode]);
        const avg = (k) => ms.reduce((s, m) => s + m[k], 0) / (ms.length || 1);
        const l = [...lat[mode]].sort((a, b) => a - b);
        metrics[split][mode] = { ndcg: avg('ndcg'), recall: avg('recall'), mrr: avg('rr'), p50: l[Math.floor(l.length / 2)] };
      }
    }
    return { backend: TEST_PG ? 'PostgreSQL' : 'SQLite', chunks, loadSecs, fitSecs, fit: j.result, querySecs, runs, perQuery, metrics };
  } finally {
    if (!server) await srv.stop();
  }
}
