// Review and submissions under load (issue 12): with N existing
// submissions (default 1,000,000 articles, each with its review item, and
// their statistics counters), C concurrent users (default 50) write, submit
// and decide articles while others read the reviewers' queue, search the
// review items and read the statistics. Prints p50/p95/p99 per operation.
// Figures in docs/benchmarks.md.
//
//   ZHENDI_BIN=build/zhendi node bench/review.mjs [N] [C] [seconds]
//   ZHENDI_TEST_PG=postgresql://… ZHENDI_BIN=build/zhendi node bench/review.mjs   (PostgreSQL)
import { startServer, TEST_PG } from '../tests/api/lib/server.mjs';

const N = Number(process.argv[2] || 1000000);
const C = Number(process.argv[3] || 50);
const SECONDS = Number(process.argv[4] || 30);
// each user pauses this long between two actions (a person reads, types, decides);
// THINK_MS=0 drives the server flat out (a closed loop: latency is then concurrency / throughput)
const THINK = Number(process.env.THINK_MS ?? 1000);
const pause = () => (THINK ? new Promise((res) => setTimeout(res, THINK * (0.5 + Math.random()))) : null);
const DEMO = 'Zhendi@Demo2026';

const srv = await startServer({ args: ['--demo'], keepData: !!process.env.BENCH_KEEP });
if (process.env.BENCH_KEEP) console.log(`data kept in ${srv.data}${srv.db ? ` and ${srv.db}` : ""}`);
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
try {
  // ---- the existing submissions ----
  const orgs = srv.sql("SELECT o.id, COALESCE((SELECT d.id FROM orgs d WHERE d.type = 'district' AND o.path LIKE d.path || '%'), 0) FROM orgs o WHERE o.depth >= 2 ORDER BY o.id")
    .split('\n').map((l) => l.split('|').map(Number));
  const orgCase = `CASE i % ${orgs.length} ${orgs.map(([o], k) => `WHEN ${k} THEN ${o}`).join(' ')} END`;
  const distCase = `CASE a.org_id ${orgs.map(([o, d]) => `WHEN ${o} THEN ${d}`).join(' ')} ELSE 0 END`;
  const user = Number(srv.sql("SELECT id FROM users WHERE username = 'pudong_dangwu'"));
  const now = Date.now();
  const t0 = Date.now();
  const cats = ['news', 'experience', 'theory', 'story', 'notice'];
  const catCase = `CASE i % 5 ${cats.map((c, k) => `WHEN ${k} THEN '${c}'`).join(' ')} END`;
  // 2 % still in review (half at each level), the rest approved, returned or rejected
  const stCase = "CASE WHEN i % 100 < 2 THEN 'in_review' WHEN i % 100 < 80 THEN 'approved' WHEN i % 100 < 90 THEN 'returned' ELSE 'rejected' END";
  srv.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
    INSERT INTO articles (org_id, title, category, author_type, author, body_html, body_text, status, review_level,
                          created_by, created_at, updated_at)
    SELECT ${orgCase}, '历史投稿第' || i || '号', ${catCase}, 'org', '某党组织', '<p>历史投稿正文。</p>', '历史投稿正文。',
           ${stCase}, CASE WHEN i % 100 < 2 THEN 1 + i % 2 ELSE 0 END, ${user}, ${now} - CAST(i AS BIGINT) * 30000, ${now} - CAST(i AS BIGINT) * 30000 FROM n`);
  const levels = JSON.stringify([{ org_type: 'district', perm: 'review.district', title: '区级审核' }, { org_type: 'city', perm: 'review.city', title: '市级审核' }]);
  srv.sql(`INSERT INTO review_items (kind, ref_id, org_id, district_id, category, title, status, level, nlevels, levels,
                                     level_perm, level_org_type, level_at, version, submitted_at, created_by, created_at, updated_at)
    SELECT 'article', a.id, a.org_id, ${distCase}, a.category, a.title, a.status, a.review_level, 2, '${levels}',
           CASE a.review_level WHEN 1 THEN 'review.district' WHEN 2 THEN 'review.city' END,
           CASE a.review_level WHEN 1 THEN 'district' WHEN 2 THEN 'city' END,
           CASE WHEN a.status = 'in_review' THEN a.created_at END, 1, a.created_at, a.created_by, a.created_at, a.updated_at
    FROM articles a`);
  srv.sql(`INSERT INTO review_status_counts (kind, org_id, district_id, status, n)
    SELECT kind, org_id, COALESCE(MAX(district_id), 0), status, COUNT(*) FROM review_items GROUP BY kind, org_id, status`);
  // the counters those submissions left: per month, kind, category, organisation and event
  const months = [...Array(12).keys()].map((k) => { const d = new Date(now - k * 30 * 86400000); return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`; });
  const per = Math.max(1, Math.round(N / (months.length * cats.length * orgs.length)));
  const values = [];
  for (const m of months) for (const c of cats) for (const [o, d] of orgs)
    for (const [ev, f] of [['submitted', 1], ['approved', 0.78], ['returned', 0.1], ['rejected', 0.1]])
      values.push(`('${m}','article','${c}',${o},${d},0,'${ev}',${Math.round(per * f)},0)`);
  for (const m of months) for (const [o, d] of orgs) for (const lv of [1, 2])
    values.push(`('${m}','article','news',${o},${d},${lv},'decided',${per},${per * 3600000})`);
  for (let i = 0; i < values.length; i += 1000)
    srv.sql(`INSERT INTO review_stats (month, kind, category, org_id, district_id, level, event, n, dur_ms) VALUES ${values.slice(i, i + 1000).join(',')} ON CONFLICT DO NOTHING`);
  // PostgreSQL: what autovacuum does to a table filled long ago (statistics, and the
  // visibility map that lets counting the queue read the index alone)
  srv.sql(TEST_PG ? 'VACUUM ANALYZE' : 'ANALYZE');
  console.log(`${N} submissions and ${values.length} counter rows written in ${((Date.now() - t0) / 1000).toFixed(1)} s (${TEST_PG ? 'PostgreSQL' : 'SQLite'})`);

  // ---- the load ----
  const worker = await srv.login('pudong_dangwu', DEMO);
  const reviewer = await srv.login('pudong_shenhe', DEMO);
  const city = await srv.login('shi_shenhe', DEMO);
  const org = worker.me.user?.org_id ?? worker.me.org_id;
  const lat = {};
  const errors = {};
  const timed = async (name, fn, ok = 200) => {
    const s = process.hrtime.bigint();
    const r = await fn();
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    (lat[name] ||= []).push(ms);
    if (r.status !== ok) errors[name] = `${r.status} ${r.body.slice(0, 200)}`;
    return r;
  };
  // one user alone first: each operation's own cost
  const alone = async (name, fn, ok = 200) => {
    const ms = [];
    let r;
    for (let i = 0; i < 5; i++) {
      const s = process.hrtime.bigint();
      r = await fn();
      ms.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.status !== ok) throw new Error(`${name}: ${r.status} ${r.body}`);
    }
    ms.sort((x, y) => x - y);
    console.log(`alone: ${name} median ${ms[2].toFixed(1)} ms`);
    return r;
  };
  await alone('GET /review/queue', () => reviewer.get('/api/v1/review/queue?page_size=20'));
  await alone('GET /review/queue (city)', () => city.get('/api/v1/review/queue?page_size=20'));
  await alone('GET /review/items?q=', () => reviewer.get(`/api/v1/review/items?status=in_review&q=${encodeURIComponent('第1234')}&page_size=20`));
  for (const g of ['kind', 'district', 'month'])
    await alone(`GET /review/stats?group=${g}`, () => city.get(`/api/v1/review/stats?group=${g}`));
  const one = await alone('POST /articles', () => worker.post('/api/v1/articles', {
    title: '单独投稿', category: 'news', author_type: 'org', author: '陆家嘴街道党工委', org_id: org, body_html: '<p>社区党群服务中心开展主题党日活动。</p>',
  }), 201);
  await alone('GET /articles/{id}', () => worker.get(`/api/v1/articles/${one.json.id}`));
  const end = Date.now() + SECONDS * 1000;
  let k = 0;
  // users arrive spread over the first think time, not all in the same millisecond
  const writer = async () => {
    await pause();
    while (Date.now() < end) {
      const a = await timed('POST /articles', () => worker.post('/api/v1/articles', {
        title: `压测投稿${++k}`, category: 'news', author_type: 'org', author: '陆家嘴街道党工委', org_id: org,
        body_html: '<p>社区党群服务中心开展主题党日活动，党员同志积极参加志愿服务。</p>',
      }), 201);
      await pause();
      if (a.status !== 201) continue;
      const s = await timed('POST /articles/{id}/submit', () => worker.post(`/api/v1/articles/${a.json.id}/submit`));
      await pause();
      if (s.status !== 200) continue;
      await timed('POST /review/items/{id}/decision', () => reviewer.post(`/api/v1/review/items/${a.json.review_id}/decision`, { action: 'approve', opinion: '同意' }));
      await pause();
    }
  };
  const reader = async (i) => {
    await pause();
    while (Date.now() < end) {
      if (i % 3 === 0) await timed('GET /review/queue', () => reviewer.get('/api/v1/review/queue?page_size=20'));
      else if (i % 3 === 1) await timed('GET /review/queue (city)', () => city.get('/api/v1/review/queue?page_size=20'));
      else await timed('GET /review/items?q=', () => reviewer.get(`/api/v1/review/items?status=in_review&q=${encodeURIComponent(`第${1000 + (k % 5000)}`)}&page_size=20`));
      await pause();
    }
  };
  const stats = async () => {
    while (Date.now() < end) {
      for (const g of ['kind', 'district', 'month', 'category', 'org'])
        await timed(`GET /review/stats?group=${g}`, () => city.get(`/api/v1/review/stats?group=${g}`));
      await pause();
    }
  };
  const tasks = [];
  const nw = Math.ceil(C / 2);
  for (let i = 0; i < nw; i++) tasks.push(writer());
  for (let i = 0; i < C - nw - 1; i++) tasks.push(reader(i));
  tasks.push(stats());
  await Promise.all(tasks);
  const total = Object.values(lat).reduce((x, a) => x + a.length, 0);
  console.log(`\n${C} concurrent users (think time ${THINK ? `${THINK / 2}–${THINK * 1.5} ms` : 'none'}) for ${SECONDS} s over ${N} existing submissions: ${(total / SECONDS).toFixed(0)} requests/s\n`);
  console.log('| operation | requests | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, a] of Object.entries(lat)) {
    a.sort((x, y) => x - y);
    console.log(`| ${name} | ${a.length} | ${pct(a, 50).toFixed(1)} | ${pct(a, 95).toFixed(1)} | ${pct(a, 99).toFixed(1)} |`);
  }
  if (Object.keys(errors).length) console.log('\nerrors (last of each):', errors);
} finally {
  await srv.stop();
}
