// The issue's size (issue 15, Performance): N chunks (default 1,000,000) of
// varied Chinese text indexed through the product's own path — the HTTP API
// (POST /api/v1/kb/{id}/documents, job kb.index) of a release server — then
// keyword and hybrid latency as a district worker (scope in the query).
//
// Text: the sentences of Debian's manpages-zh (roff stripped), fortunes-zh
// (chinese, tang300, song100) and the team's party-building texts of the
// search evaluation set (tests/data/search-eval/party.txt), recombined at
// random (seeded) into chunks of 3–6 sentences, so the vocabulary is tens of
// thousands of words and a query matches a small part of the corpus, like
// real text (the 25-phrase corpus of bench/search.mjs matches half of it).
// Each document holds C chunks (default 200) separated by blank lines and
// the base's rule is "separator" (\n\n, size 600): one chunk per paragraph.
//
// Phases, each timed and printed:
//  1. seed: 2 % of the documents (at least 5), then the local model is fitted
//     (job search.vector_fit) so that the rest is embedded while indexed;
//  2. bulk: the other 98 % uploaded with U uploads in flight (default 2);
//     chunks/s = chunks of the phase / (last upload → every document done),
//     the embedding with the local model included;
//  3. Q queries (default 300: words and 2–4 character parts of sentences
//     drawn from the corpus, and the evaluation set's queries) one at a time
//     in keyword mode and in hybrid mode: p50/p95/p99 and mean matches.
// It prints the machine's load average before and after each phase.
//
// FUZZY=0 (default 1): near misses off. With 1 a query with a typo is made
// before the bulk phase, so the node's in-memory vocabulary (fuzzy.c) is
// loaded and fed while the bulk is indexed; the queries of phase 3 ask
// with near misses on, and a third set (the same queries with one character
// replaced, a–z letters of Latin words changed) measures the expansion's
// cost on the keyword side. With 0 every query says fuzzy: false. At the end
// the server's resident memory (VmRSS) and the vocabulary's last load
// (terms, MB) from the system log.
//
//   ZHENDI_BIN=build/zhendi node bench/search-million.mjs [N] [Q] [C] [U]
//   scripts/pg-test.sh env ZHENDI_BIN=build/zhendi node bench/search-million.mjs 100000   (PostgreSQL)
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { startServer, TEST_PG } from '../tests/api/lib/server.mjs';

const N = Number(process.argv[2] || 1000000);
const Q = Number(process.argv[3] || 300);
const C = Number(process.argv[4] || 200);
const U = Number(process.argv[5] || 2);
const DEMO = 'Zhendi@Demo2026';
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
let seed = 20261206;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return Math.floor((seed / 2147483648) * n);
};

// ---- the sentence pool ----
const HAN = /[\u4e00-\u9fff]/g;
const pool = new Set();
function addText(text) {
  for (const s of text.split(/(?<=[。！？；])|\n/)) {
    const t = s.replace(/\s+/g, ' ').trim();
    const han = (t.match(HAN) || []).length;
    if (han >= 6 && t.length <= 160 && han * 2 >= t.length) pool.add(/[。！？；]$/.test(t) ? t : `${t}。`);
  }
}
const MAN = '/usr/share/man/zh_CN';
if (existsSync(MAN))
  for (const sec of readdirSync(MAN)) {
    if (!sec.startsWith('man')) continue;
    for (const f of readdirSync(`${MAN}/${sec}`)) {
      if (!f.endsWith('.gz')) continue;
      const src = gunzipSync(readFileSync(`${MAN}/${sec}/${f}`)).toString('utf8');
      addText(src.split('\n').filter((l) => !l.startsWith('.') && !l.startsWith("'")).join('\n').replace(/\\f[BIRP]|\\f\([A-Z]{2}|\\\(..|\\[-,/&e]/g, ''));
    }
  }
for (const f of ['chinese', 'tang300', 'song100']) {
  const p = `/usr/share/games/fortunes/${f}`;
  if (existsSync(p)) addText(readFileSync(p, 'utf8').replace(/^%$/gm, '\n'));
}
const party = readFileSync(new URL('../tests/data/search-eval/party.txt', import.meta.url), 'utf8');
addText(party.split('\n').filter((l) => !l.startsWith('#')).join('\n'));
const S = [...pool];
if (S.length < 1000) throw new Error(`only ${S.length} sentences found (install manpages-zh and fortunes-zh)`);
const chunk = () => Array.from({ length: 3 + rnd(4) }, () => S[rnd(S.length)]).join('');
const docText = () => Array.from({ length: C }, chunk).join('\n\n');

// ---- queries: the evaluation set's, words and parts of sentences ----
const queries = [];
const evalQ = readFileSync(new URL('../tests/data/search-eval/queries.tsv', import.meta.url), 'utf8')
  .split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')[2]).filter(Boolean);
for (let i = 0; queries.length < Q; i++) {
  if (i % 3 === 0 && evalQ.length) {
    queries.push(evalQ[rnd(evalQ.length)]);
    continue;
  }
  const han = S[rnd(S.length)].match(/[\u4e00-\u9fff]+/g) || [];
  const run = han.filter((r) => r.length >= 2)[0];
  if (!run) continue;
  const len = Math.min(run.length, 2 + rnd(3)), at = rnd(run.length - len + 1);
  queries.push(i % 3 === 1 ? run.slice(at, at + len) : `${run.slice(at, at + len)} ${(S[rnd(S.length)].match(/[\u4e00-\u9fff]{2}/) || [''])[0]}`.trim());
}

console.log(`machine: ${cpus().length} cores, load ${load()}; ${TEST_PG ? 'PostgreSQL' : 'SQLite'}; ${S.length} distinct sentences in the pool; N ${N}, ${C} chunks per document, ${U} uploads in flight, ${Q} queries`);

// the server's CPU seconds (user + system, /proc): chunks per CPU second
// is the figure a loaded machine does not distort (the wall clock is)
function serverPid() {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (st.includes('(zhendi)') && Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) return d;
    } catch { /* gone meanwhile */ }
  }
  return null;
}
const cpuOf = (pid) => {
  if (!pid) return NaN;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(v[11]) + Number(v[12])) / 100;
};
const nodeCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const srv = await startServer({ args: ['--demo', '--workers', '2'] });
const pid = serverPid();
try {
  const pd = await srv.login('pudong_dangwu', DEMO);
  const admin = await srv.admin();
  const kb = (await pd.post('/api/v1/kb', { name: '百万分段压测', org_id: pd.me.user.org_id, embedding: 'local', chunk_rule: { mode: 'separator', separator: '\\n\\n', size: 600, overlap: 0 } })).json;
  if (!kb.id) throw new Error(JSON.stringify(kb));
  const D = Math.max(1, Math.ceil(N / C));
  const seedDocs = Math.min(D, Math.max(5, Math.ceil(D * 0.02)));

  async function upload(from, to) {
    let next = from;
    const one = async () => {
      while (next < to) {
        const i = next++;
        const text = docText();
        let r;
        for (let k = 0; k < 50; k++) { // busy under the indexing workers: 503, try again
          r = await pd.post(`/api/v1/kb/${kb.id}/documents`, { title: `压测文档${i}`, text });
          if (r.status !== 503) break;
          await sleep(100);
        }
        if (r.status !== 201) throw new Error(r.body);
      }
    };
    await Promise.all(Array.from({ length: U }, one));
  }
  async function settle(total) {
    for (;;) {
      const st = await pd.get(`/api/v1/kb/${kb.id}/documents?status=done&page_size=1`);
      const failed = await pd.get(`/api/v1/kb/${kb.id}/documents?status=failed&page_size=1`);
      if (failed.json.total) throw new Error('a document failed');
      if (st.json.total >= total) return;
      await sleep(250);
    }
  }
  const chunkCount = async () => (await pd.get(`/api/v1/kb/${kb.id}`)).json.chunk_count;

  // 1. seed + fit
  let t = performance.now();
  await upload(0, seedDocs);
  await settle(seedDocs);
  const seedChunks = await chunkCount();
  console.log(`seed: ${seedDocs} documents, ${seedChunks} chunks in ${((performance.now() - t) / 1000).toFixed(1)} s (no model yet: keyword index only); load ${load()}`);
  t = performance.now();
  const job = (await admin.post('/api/v1/search/vector/fit', {})).json.job.id;
  let j;
  for (;;) {
    j = (await admin.get(`/api/v1/jobs/${job}`)).json;
    if (j.status === 'done' || j.status === 'failed') break;
    await sleep(200);
  }
  if (j.status !== 'done') throw new Error(j.last_error);
  console.log(`fit on the seed: ${JSON.stringify(j.result)} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const FUZZY = process.env.FUZZY !== '0';
  if (FUZZY) { // the node's vocabulary is loaded now and fed during the bulk
    const r = await pd.post('/api/v1/search', { q: '党建服物', kinds: ['kb_chunk'], kb_ids: [kb.id], facets: false });
    console.log(`near misses on: vocabulary started (${r.status}, expanded ${JSON.stringify(r.json?.expanded)})`);
  }

  // 2. bulk
  const l0 = load();
  const c0 = cpuOf(pid), n0 = nodeCpu();
  t = performance.now();
  await upload(seedDocs, D);
  const up = (performance.now() - t) / 1000;
  await settle(D);
  const secs = (performance.now() - t) / 1000;
  const all = await chunkCount();
  const bulk = all - seedChunks;
  const cpu = cpuOf(pid) - c0, ncpu = nodeCpu() - n0;
  console.log(`indexing (local model, embedded while indexed): ${D - seedDocs} documents, ${bulk} chunks in ${secs.toFixed(1)} s = ${Math.round(bulk / secs)} chunks/s upload to done (uploads took ${up.toFixed(1)} s); load before ${l0}, after ${load()}`);
  console.log(`  server CPU ${cpu.toFixed(1)} s (user + system, all threads) = ${Math.round(bulk / cpu)} chunks per CPU second, ${(cpu / secs).toFixed(2)} cores busy on average; the bench's own node CPU ${ncpu.toFixed(1)} s`);
  const vs = (await admin.get('/api/v1/search/vector')).json;
  console.log(`vector index: ${JSON.stringify(vs.index || vs).slice(0, 300)}`);

  // 3. queries
  const typo = (q) => { // one character replaced by another of the corpus's (a Latin letter: a–z)
    const cs = [...q];
    const i = rnd(cs.length);
    cs[i] = /[a-z]/i.test(cs[i]) ? String.fromCharCode(97 + rnd(26)) : [...queries[rnd(queries.length)]][0] || cs[i];
    return cs.join('');
  };
  const typos = queries.map(typo);
  let expandedQueries = 0;
  for (const [mode, extra, qs] of [['keyword', { fuzzy: FUZZY }, queries], ['hybrid', { fuzzy: FUZZY }, queries], ['typo-kw', { mode: 'keyword', fuzzy: FUZZY }, typos]]) {
    const lat = [];
    let hits = 0, errs = 0;
    const l1 = load();
    for (const q of qs) {
      const t1 = performance.now();
      const r = await pd.post('/api/v1/search', { q, mode, ...extra, kinds: ['kb_chunk'], kb_ids: [kb.id], page_size: 10, top_k: 10, facets: false });
      lat.push(performance.now() - t1);
      if (r.status !== 200) errs++;
      else hits += r.json.total || 0;
      if (mode === 'typo-kw' && r.json?.expanded?.length) expandedQueries++;
    }
    lat.sort((a, b) => a - b);
    console.log(`${mode.padEnd(8)} ${qs.length} queries${mode === 'typo-kw' ? ` (${expandedQueries} expanded)` : ''} over ${all} chunks as a district worker: p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, mean matches ${Math.round(hits / queries.length)}, errors ${errs}; load before ${l1}, after ${load()}`);
  }
  const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
  const vl = srv.readLog('system').split('\n').filter((l) => l.includes('search.vocab_loaded')).pop();
  console.log(`server resident ${Math.round(Number(rss) / 1024)} MB (near misses ${FUZZY ? 'on' : 'off'}); last vocabulary load: ${vl || 'none'}`);
} finally {
  await srv.stop();
}
