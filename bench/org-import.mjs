// Organisation import at the size that used to hurt: 1,500 rows written child
// first (every parent after its children), as a job; time and the server's
// resident memory before and after. Figures in docs/benchmarks.md.
//
//   ZHENDI_BIN=build/zhendi node bench/org-import.mjs
import { readFileSync } from 'node:fs';
import { startServer } from '../tests/api/lib/server.mjs';
import { xlsx } from '../tests/api/lib/xlsx.mjs';
const srv = await startServer({ args: ['--demo'] });
const rss = () => Number(readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
const admin = await srv.login('admin');
const street = (await admin.get('/api/v1/orgs?type=street&page_size=1')).json.items[0];
const n = 1500, parent = (i) => Math.floor((i - 2) / 4) + 1;
const rows = [['组织编码', '组织名称', '组织类型', '上级编码']];
for (let i = n; i >= 1; i--) rows.push([`M-${i}`, `组织${i}`, 4 * i - 2 <= n ? '党委' : '党支部', i === 1 ? street.code : `M-${parent(i)}`]);
const file = xlsx(rows);
const before = rss();
const t0 = Date.now();
const r = await admin.request('POST', '/api/v1/orgs/import', { raw: file, headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
let job;
do { job = (await admin.get(`/api/v1/jobs/${r.json.job.id}`)).json; await new Promise((x) => setTimeout(x, 50)); } while (!['done', 'dead'].includes(job.status));
console.log(`file ${file.length} bytes, ${n} rows child first: ${Date.now() - t0} ms, created ${job.result.created}; RSS ${before} -> ${rss()} KiB`);
await srv.stop();
