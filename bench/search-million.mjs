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
//  4. the vector index's recall@10 against the exact scan of the same
//     vectors (RECALL queries, default 100; 0: skipped): each query asked as
//     the search administrator twice, from the HNSW graph and with
//     exact: true (the flat scan);
//  5. Xapian (SQLite; XAPIAN=0 skips it): the tokens the FTS5 index holds
//     are exported (sqlite3), the queries tokenised by the search service
//     (build/bench_search_tokens), and build/bench_xapian indexes the same
//     documents and times the same queries in process (XAPIAN_PASSES, 3);
//  6. FIT=1: a forced refit on the whole index, timed, with the server's
//     memory before, at its peak and after.
// It prints the machine's load average before and after each phase.
//
// SEARCH_BENCH_DATA=dir keeps the server's data in dir (made if missing):
// the first run indexes and writes dir/bench-kb.json; later runs on the same
// dir skip phases 1–2 and only query (before/after a change to the query
// path, on the same index). SEARCH_BENCH_SLOW=n prints the n slowest queries
// of each mode with their time and matches. SEARCH_BENCH_DUMP=file writes
// each query's total and hits (id, score) as JSON lines, to compare two
// builds' answers on the same index.
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
import { readdirSync, readFileSync, existsSync, mkdirSync, writeFileSync, mkdtempSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
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
// the LCG mod 2^31 in exact 32-bit arithmetic: seed * 1103515245 in a
// double lost its low bits past 2^53, and the generator fell into a short
// cycle (the 1,000,000 chunks of the runs before 2026-12-06 12:30 repeated
// a pattern of ~1,900: hundreds of copies of each chunk)
const rnd = (n) => {
  seed = ((Math.imul(seed, 1103515245) + 12345) >>> 0) & 0x7fffffff;
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
const cpuOf = (pid) => {
  if (!pid) return NaN;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(v[11]) + Number(v[12])) / 100;
};
const nodeCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const DATA = process.env.SEARCH_BENCH_DATA || '';
const SLOW = Number(process.env.SEARCH_BENCH_SLOW || 0);
const DUMP = process.env.SEARCH_BENCH_DUMP || '';
const dump = [];
if (DATA) mkdirSync(DATA, { recursive: true });
const kept = DATA && existsSync(`${DATA}/bench-kb.json`) ? JSON.parse(readFileSync(`${DATA}/bench-kb.json`, 'utf8')) : null;
// PostgreSQL: the database of a kept index is named in bench-kb.json (a
// later run, in another scripts/pg-test.sh call or process, uses it again)
const STEP = Number(process.env.BENCH_STEP || 50000);
const FUZZY = process.env.FUZZY !== '0';
const RECALL = Number(process.env.RECALL ?? 100);
const XAPIAN = process.env.XAPIAN !== '0';
const FIT = process.env.FIT === '1';
const srv = await startServer({ args: ['--demo', '--workers', '2', ...(kept?.db ? ['--db', kept.db] : [])], ...(DATA ? { dataDir: DATA } : { keepData: !!process.env.BENCH_KEEP }) });
if (process.env.BENCH_KEEP) console.log(`data directory: ${srv.data}`);
const pid = srv.proc.pid; // the server itself (startServer spawns it directly)
try {
  const pd = await srv.login('pudong_dangwu', DEMO);
  const admin = await srv.admin();
  let kb, all;
  const chunkCount = async () => (await pd.get(`/api/v1/kb/${kb.id}`)).json.chunk_count;
  if (kept) {
    kb = { id: kept.kb };
    all = await chunkCount();
    console.log(`reusing the index in ${DATA}: ${all} chunks`);
  } else {
    kb = (await pd.post('/api/v1/kb', { name: '百万分段压测', org_id: pd.me.user.org_id, embedding: 'local', chunk_rule: { mode: 'separator', separator: '\\n\\n', size: 600, overlap: 0 } })).json;
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
      if (j.status === 'done' || j.status === 'failed' || j.status === 'dead') break;
      await sleep(200);
    }
    if (j.status !== 'done') throw new Error(j.last_error);
    console.log(`fit on the seed: ${JSON.stringify(j.result)} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    if (FUZZY) { // the node's vocabulary is loaded now and fed during the bulk
      const r = await pd.post('/api/v1/search', { q: '党建服物', kinds: ['kb_chunk'], kb_ids: [kb.id], facets: false });
      console.log(`near misses on: vocabulary started (${r.status}, expanded ${JSON.stringify(r.json?.expanded)})`);
    }

    // 2. bulk
    const l0 = load();
    const c0 = cpuOf(pid), n0 = nodeCpu();
    t = performance.now();
    // the running rate: chunk count polled every second, printed per STEP
    let mark = { n: seedChunks, t, cpu: c0 }, polling = true;
    const poller = (async () => {
      while (polling) {
        await sleep(1000);
        if (!polling) break;
        const n = await chunkCount(), now = performance.now(), cpuNow = cpuOf(pid);
        if (n - seedChunks >= Math.ceil((mark.n - seedChunks + 1) / STEP) * STEP) {
          const dn = n - mark.n, dt = (now - mark.t) / 1000, dc = cpuNow - mark.cpu;
          console.log(`  at ${n} chunks: ${Math.round(dn / dt)} chunks/s, ${Math.round(dn / dc)} chunks per CPU second (${(dc / dt).toFixed(2)} cores) over the last ${dn} chunks; ${((now - t) / 1000).toFixed(0)} s; load ${load()}`);
          mark = { n, t: now, cpu: cpuNow };
        }
      }
    })();
    const QMS = Number(process.env.BENCH_QUERY_MS || 0), during = [];
    const querier = (async () => {
      for (let i = 0; QMS && polling; i++) {
        await sleep(QMS);
        const t1 = performance.now();
        const r = await pd.post('/api/v1/search', { q: queries[i % queries.length], mode: 'hybrid', kinds: ['kb_chunk'], kb_ids: [kb.id], page_size: 10, top_k: 10, facets: false });
        if (r.status === 200) during.push(performance.now() - t1);
      }
    })();
    await upload(seedDocs, D);
    const up = (performance.now() - t) / 1000;
    await settle(D);
    polling = false;
    await poller;
    await querier;
    if (QMS) {
      during.sort((a, b) => a - b);
      console.log(`  ${during.length} hybrid queries during the bulk (one every ${QMS} ms): p50 ${pct(during, 50)?.toFixed(1)} ms, p95 ${pct(during, 95)?.toFixed(1)} ms, max ${during.at(-1)?.toFixed(1)} ms`);
    }
    const secs = (performance.now() - t) / 1000;
    all = await chunkCount();
    const bulk = all - seedChunks;
    const cpu = cpuOf(pid) - c0, ncpu = nodeCpu() - n0;
    console.log(`indexing (local model, embedded while indexed): ${D - seedDocs} documents, ${bulk} chunks in ${secs.toFixed(1)} s = ${Math.round(bulk / secs)} chunks/s upload to done (uploads took ${up.toFixed(1)} s); load before ${l0}, after ${load()}`);
    console.log(`  server CPU ${cpu.toFixed(1)} s (user + system, all threads) = ${Math.round(bulk / cpu)} chunks per CPU second, ${(cpu / secs).toFixed(2)} cores busy on average; the bench's own node CPU ${ncpu.toFixed(1)} s`);
    // a new session: the admin's may have expired during a long bulk
    const vs = (await (await srv.admin()).get('/api/v1/search/vector')).json;
    console.log(`vector index: ${JSON.stringify(vs.index || vs).slice(0, 300)}`);
    if (DATA) writeFileSync(`${DATA}/bench-kb.json`, JSON.stringify({ kb: kb.id, chunks: all, ...(srv.db ? { db: srv.db } : {}) }));
  }

  // the replica builds its HNSW graph in the background (past its threshold,
  // and after a start): the queries wait for it (at most SEARCH_BENCH_WAIT
  // seconds, default 300; 0: not at all)
  {
    const t0 = performance.now();
    const who = await srv.admin();
    let vi;
    while ((vi = (await who.get('/api/v1/search/vector')).json.index || {}).building !== false && performance.now() - t0 < 1000 * Number(process.env.SEARCH_BENCH_WAIT ?? 300)) await sleep(500);
    console.log(`vector index after ${((performance.now() - t0) / 1000).toFixed(1)} s of waiting: ${JSON.stringify(vi).slice(0, 200)}`);
  }

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
    const slow = [];
    const l1 = load();
    const qc0 = cpuOf(pid);
    for (const q of qs) {
      const t1 = performance.now();
      const r = await pd.post('/api/v1/search', { q, mode, ...extra, kinds: ['kb_chunk'], kb_ids: [kb.id], page_size: 10, top_k: 10, facets: false });
      const ms = performance.now() - t1;
      lat.push(ms);
      if (r.status !== 200) errs++;
      else hits += r.json.total || 0;
      if (DUMP) dump.push(JSON.stringify({ mode, q, status: r.status, total: r.json?.total, hits: (r.json?.items || []).map((h) => [h.id, h.score]) }));
      if (SLOW) slow.push({ q, ms, total: r.json?.total, took: r.json?.took_ms });
      if (mode === 'typo-kw' && r.json?.expanded?.length) expandedQueries++;
    }
    lat.sort((a, b) => a - b);
    console.log(`${mode.padEnd(8)} ${qs.length} queries${mode === 'typo-kw' ? ` (${expandedQueries} expanded)` : ''} over ${all} chunks as a district worker: p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, mean matches ${Math.round(hits / qs.length)}, errors ${errs}; load before ${l1}, after ${load()}`);
    console.log(`  server CPU ${(((cpuOf(pid) - qc0) * 1000) / qs.length).toFixed(1)} ms per query on average (user + system, /proc: what the load does not distort)`);
    slow.sort((a, b) => b.ms - a.ms);
    for (const s of slow.slice(0, SLOW)) console.log(`  ${s.ms.toFixed(1)} ms (server ${s.took} ms) ${s.total} matches: ${JSON.stringify(s.q)}`);
  }
  if (DUMP) writeFileSync(DUMP, `${dump.join('\n')}\n`);

  // 4. the vector index's recall@10 against the exact scan on the same
  // vectors: the search administrator's check (exact: true, the flat scan of
  // every vector) beside the graph's answer, RECALL queries of the set
  if (RECALL > 0) {
    const adm = await srv.admin();
    const gl = [], el = [];
    let sum = 0, sumScore = 0, n = 0, byGraph = 0;
    for (const q of queries.slice(0, RECALL)) {
      const body = { q, mode: 'vector', kinds: ['kb_chunk'], kb_ids: [kb.id], top_k: 10, facets: false, fuzzy: false };
      let t1 = performance.now();
      const g = await adm.post('/api/v1/search', body);
      gl.push(performance.now() - t1);
      t1 = performance.now();
      const e = await adm.post('/api/v1/search', { ...body, exact: true });
      el.push(performance.now() - t1);
      if (g.status !== 200 || e.status !== 200) throw new Error(`vector query ${g.status} / ${e.status}: ${g.body} ${e.body}`);
      const ex = new Set(e.json.items.map((h) => h.id));
      if (!ex.size) continue;
      sum += g.json.items.filter((h) => ex.has(h.id)).length / ex.size;
      // ties: a hit as close as the exact 10th counts (equal vectors have equal scores)
      const tenth = Math.min(...e.json.items.map((h) => h.scores.vector));
      sumScore += Math.min(ex.size, g.json.items.filter((h) => h.scores.vector >= tenth - 1e-6).length) / ex.size;
      byGraph += g.json.exact === false;
      n++;
    }
    gl.sort((a, b) => a - b);
    el.sort((a, b) => a - b);
    const vi = (await adm.get('/api/v1/search/vector')).json.index || {};
    console.log(`vector recall@10 of the ${vi.hnsw ? `HNSW graph (${vi.hnsw.nodes} nodes, ef_search ${vi.hnsw.ef_search})` : `${vi.type} index`} against the exact scan: ${(sum / Math.max(n, 1)).toFixed(4)} by id, ${(sumScore / Math.max(n, 1)).toFixed(4)} by score (ties), over ${n} queries with hits, ${byGraph} of them answered by the graph itself (the others by its exact fallback); graph p50 ${pct(gl, 50).toFixed(1)} ms, p95 ${pct(gl, 95).toFixed(1)} ms; exact scan p50 ${pct(el, 50).toFixed(1)} ms, p95 ${pct(el, 95).toFixed(1)} ms (through the API, as the administrator)`);
  }

  // 5. Xapian on the same documents with the same tokens (SQLite: the tokens
  // the FTS5 index holds, exported), the same queries tokenised by the search
  // service (build/bench_search_tokens), in process (build/bench_xapian)
  const xap = new URL('../build/bench_xapian', import.meta.url).pathname;
  const stok = new URL('../build/bench_search_tokens', import.meta.url).pathname;
  if (XAPIAN && !TEST_PG && existsSync(xap) && existsSync(stok)) {
    const dir = mkdtempSync(join(tmpdir(), 'zhendi-xapian-'));
    try {
      let t1 = performance.now();
      const fd = openSync(join(dir, 'docs.tok'), 'w');
      const ex = spawnSync('sqlite3', ['-separator', '\t', join(srv.data, 'zhendi.db'), 'SELECT rowid, title, body FROM search_fts'], { stdio: ['ignore', fd, 'inherit'] });
      closeSync(fd);
      if (ex.status !== 0) throw new Error('sqlite3 export failed');
      console.log(`Xapian: ${Math.round(statSync(join(dir, 'docs.tok')).size / 1048576)} MB of tokens exported in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      writeFileSync(join(dir, 'none.jsonl'), '');
      writeFileSync(join(dir, 'queries.tsv'), queries.map((q, i) => `q${i}\tbench\t${q}\n`).join(''));
      const run = (cmd, args) => {
        const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        process.stdout.write((r.stdout || '').split('\n').filter(Boolean).map((l) => `  ${l}\n`).join(''));
        if (r.status !== 0) throw new Error(`${cmd} failed`);
      };
      run(stok, [join(dir, 'none.jsonl'), join(dir, 'queries.tsv'), join(dir, 'none.tok'), join(dir, 'queries.tok')]);
      run(xap, [join(dir, 'docs.tok'), join(dir, 'queries.tok'), join(dir, 'db'), process.env.XAPIAN_PASSES || '3']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // 6. (FIT=1) a forced refit of the local model on the whole index: its
  // time, what it reports (documents, sampled, vectors) and the server's
  // memory before, at its peak and after
  if (FIT) {
    const mem = (k) => Math.round(Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${k}:\\s+(\\d+)`))?.[1]) / 1024);
    // a fresh session (the kept-alive connection may have been closed while Xapian ran)
    let adm;
    for (let i = 0; !adm; i++) adm = await srv.admin().catch(async (e) => { if (i >= 5) throw e; await sleep(500); });
    const rss0 = mem('VmRSS'), hwm0 = mem('VmHWM');
    const c0 = cpuOf(pid), t1 = performance.now();
    const r = await adm.post('/api/v1/search/vector/fit', {});
    if (r.status !== 202) throw new Error(`fit: ${r.status} ${r.body}`);
    let j, note = '';
    for (;;) {
      j = (await adm.get(`/api/v1/jobs/${r.json.job.id}`)).json;
      if (['done', 'failed', 'dead'].includes(j.status)) break;
      if ((j.progress?.note || '') !== note) console.log(`  fit: ${(note = j.progress?.note || '')} (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
      await sleep(1000);
    }
    console.log(`refit of the whole index: ${j.status} in ${((performance.now() - t1) / 1000).toFixed(1)} s, server CPU ${(cpuOf(pid) - c0).toFixed(1)} s; ${JSON.stringify(j.result || j.last_error)}`);
    console.log(`  server memory: resident ${rss0} MB before (peak so far ${hwm0} MB), peak after ${mem('VmHWM')} MB, resident ${mem('VmRSS')} MB`);
  }
  const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
  const vl = srv.readLog('system').split('\n').filter((l) => l.includes('search.vocab_loaded')).pop();
  console.log(`server resident ${Math.round(Number(rss) / 1024)} MB (near misses ${FUZZY ? 'on' : 'off'}); last vocabulary load: ${vl || 'none'}`);
} finally {
  await srv.stop();
}
