// A full pull of N grids (default 10,000) from the fake big-data center
// (tests/api/lib/fake-bigdata.mjs, the protocol of docs/bigdata-protocol.md:
// signed HMAC-SM3 requests, pages of 1,000 by cursor): the time of the first
// run (every grid created, one transaction per page) and of a second full
// pull (every grid received again, compared, nothing changed). Target: a
// full pull of 10,000 grids < 30 s (issue 14). Figures in docs/benchmarks.md.
//
//   ZHENDI_BIN=build/zhendi node bench/bigdata-pull.mjs [N] [page_size]
//   scripts/pg-test.sh env ZHENDI_BIN=build/zhendi node bench/bigdata-pull.mjs    (PostgreSQL)
import { startServer, TEST_PG } from '../tests/api/lib/server.mjs';
import { startFakeCenter } from '../tests/api/lib/fake-bigdata.mjs';

const N = Number(process.argv[2] || 10000);
const PAGE = Number(process.argv[3] || 1000);
const srv = await startServer({ args: ['--demo'] });
const fake = await startFakeCenter({ secret: 'bench-secret' });
try {
  const admin = await srv.admin();
  // a lattice of 100 × 100 squares of 0.005° with 21-position rings, like bench_grid.c
  const side = Math.ceil(Math.sqrt(N)), d = 0.005;
  for (let i = 0; i < N; i++) {
    const x0 = 121.0 + (i % side) * d, y0 = 30.8 + Math.floor(i / side) * d, ring = [];
    for (let k = 0; k < 5; k++) ring.push([x0 + (d * k) / 5, y0]);
    for (let k = 0; k < 5; k++) ring.push([x0 + d, y0 + (d * k) / 5]);
    for (let k = 0; k < 5; k++) ring.push([x0 + d - (d * k) / 5, y0 + d]);
    for (let k = 0; k < 5; k++) ring.push([x0, y0 + d - (d * k) / 5]);
    ring.push([x0, y0]);
    fake.putGrid({ code: `B${String(i).padStart(6, '0')}`, name: `基准网格${i}`, org_code: ['SH-PD-01', 'SH-PD-02', 'SH-HP-01', 'SH-HP-02'][i % 4], geometry: { type: 'Polygon', coordinates: [ring] }, attributes: { households: i } });
  }
  const put = await admin.put('/api/v1/bigdata/settings', { enabled: false, base_url: fake.url, app_key: fake.appKey, secret: fake.secret, sign_method: 'HMAC-SM3', timeout_s: 60, page_size: PAGE, interval_min: 60, alert_after_min: 30 });
  if (put.status !== 200) throw new Error(put.body);
  async function run(full) {
    const t0 = Date.now();
    const r = await admin.post('/api/v1/bigdata/runs', { full });
    if (r.status !== 201) throw new Error(r.body);
    for (;;) {
      const g = (await admin.get(`/api/v1/bigdata/runs/${r.json.id}`)).json;
      if (g.status === 'ok' || g.status === 'failed') return { ...g, seconds: (Date.now() - t0) / 1000 };
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  const backend = TEST_PG ? 'PostgreSQL' : 'SQLite';
  for (const [what, full] of [['first full pull', true], ['second full pull', true], ['incremental (nothing new)', false]]) {
    const r = await run(full);
    console.log(`${backend} ${what}: ${r.status} pulled ${r.pulled}, changed ${r.changed}, failed ${r.failed} in ${r.seconds.toFixed(2)} s (${fake.stats.pages} pages so far)${r.error ? ' — ' + r.error : ''}`);
  }
} finally {
  await fake.stop();
  await srv.stop();
}
