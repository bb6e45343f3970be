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
const DEMO = 'Zhendi@Demo2026';

const srv = await startServer({ args: ['--demo', '--db-pool-size', '16'] });
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
           ${stCase}, CASE WHEN i % 100 < 2 THEN 1 + i % 2 ELSE 0 END, ${user}, ${now} - i * 30000, ${now} - i * 30000 FROM n`);
  const levels = JSON.stringify([{ org_type: 'district', perm: 'review.district', title: '区级审核' }, { org_type: 'city', perm: 'review.city', title: '市级审核' }]);
  srv.sql(`INSERT INTO review_items (kind, ref_id, org_id, district_id, category, title, status, level, nlevels, levels,
                                     level_perm, level_org_type, level_at, version, submitted_at, created_by, created_at, updated_at)
    SELECT 'article', a.id, a.org_id, ${distCase}, a.category, a.title, a.status, a.review_level, 2, '${levels}',
           CASE a.review_level WHEN 1 THEN 'review.district' WHEN 2 THEN 'review.city' END,
           CASE a.review_level WHEN 1 THEN 'district' WHEN 2 THEN 'city' END,
           CASE WHEN a.status = 'in_review' THEN a.created_at END, 1, a.created_at, a.created_by, a.created_at, a.updated_at
    FROM articles a`);
  // the counters those submissions left: per month, kind, category, organisation and event
  const months = [...Array(12).keys()].map((k) => { const d = new Date(now - k * 30 * 86400000); return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`; });
  const per = Math.max(1, Math.round(N / (months.length * cats.length * orgs.length)));
  const values = [];
  for (const m of months) for (const c of cats) for (const [o, d] of orgs)
    for (const [ev, f] of [['submitted', 1], ['approved', 0.78], ['returned', 0.1], ['rejected', 0.1]])
      values.push(`('${m}','article','${c}',${o},${d},0,'${ev}',${Math.round(per * f)},0)`);
  for (const m of months) for (const [o, d] of orgs) for (const lv of [1, 2])
    values.push(`('${m}','article','news',${o},${d},${lv},'decided',${per},${per * 3600000})`);
  for (let i = 0; i < values.length; i += 5000)
    srv.sql(`INSERT INTO review_stats (month, kind, category, org_id, district_id, level, event, n, dur_ms) VALUES ${values.slice(i, i + 5000).join(',')} ON CONFLICT DO NOTHING`);
  srv.sql(TEST_PG ? 'ANALYZE' : 'ANALYZE');
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
  const end = Date.now() + SECONDS * 1000;
  let k = 0;
  const writer = async () => {
    while (Date.now() < end) {
      const a = await timed('POST /articles', () => worker.post('/api/v1/articles', {
        title: `压测投稿${++k}`, category: 'news', author_type: 'org', author: '陆家嘴街道党工委', org_id: org,
        body_html: '<p>社区党群服务中心开展主题党日活动，党员同志积极参加志愿服务。</p>',
      }), 201);
      if (a.status !== 201) continue;
      const s = await timed('POST /articles/{id}/submit', () => worker.post(`/api/v1/articles/${a.json.id}/submit`));
      if (s.status !== 200) continue;
      await timed('POST /review/items/{id}/decision', () => reviewer.post(`/api/v1/review/items/${a.json.review_id}/decision`, { action: 'approve', opinion: '同意' }));
    }
  };
  const reader = async (i) => {
    while (Date.now() < end) {
      if (i % 3 === 0) await timed('GET /review/queue', () => reviewer.get('/api/v1/review/queue?page_size=20'));
      else if (i % 3 === 1) await timed('GET /review/queue (city)', () => city.get('/api/v1/review/queue?page_size=20'));
      else await timed('GET /review/items?q=', () => reviewer.get(`/api/v1/review/items?status=in_review&q=${encodeURIComponent(`第${1000 + (k % 5000)}`)}&page_size=20`));
    }
  };
  const stats = async () => {
    while (Date.now() < end) {
      for (const g of ['kind', 'district', 'month', 'category', 'org'])
        await timed(`GET /review/stats?group=${g}`, () => city.get(`/api/v1/review/stats?group=${g}`));
    }
  };
  const tasks = [];
  const nw = Math.ceil(C / 2);
  for (let i = 0; i < nw; i++) tasks.push(writer());
  for (let i = 0; i < C - nw - 1; i++) tasks.push(reader(i));
  tasks.push(stats());
  await Promise.all(tasks);
  console.log(`\n${C} concurrent users for ${SECONDS} s over ${N} existing submissions:\n`);
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
