// The audit log's list at depth: page 1 and page 10,000 (page_size 100) of a
// log of one million records, by number (?page=, OFFSET) and by key
// (?after=, the answer's next_after), as the audit administrator sees it.
// Figures in docs/benchmarks.md.
//
//   ZHENDI_BIN=build/zhendi node bench/audit-paging.mjs [records]
import { startServer } from '../tests/api/lib/server.mjs';

const N = Number(process.argv[2] || 1000000);
const srv = await startServer();
try {
  const auditor = await srv.login('auditor');
  const t0 = Date.now();
  // plain rows straight into the table (the chain is not what is measured)
  srv.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
           INSERT INTO audit_log (seq, at, user_id, username, org_id, action, outcome, prev_hash, hash)
           SELECT i + 1000, ${Date.now()} + i, 1, 'admin', 1, 'bench.record', 'success', '', '' FROM n`);
  console.log(`${N} records written in ${Date.now() - t0} ms`);
  const time = async (path, runs = 7) => {
    const ms = [];
    let body;
    for (let i = 0; i < runs; i++) {
      const s = process.hrtime.bigint();
      body = await auditor.get(path);
      ms.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (body.status !== 200) throw new Error(`${path}: ${body.status} ${body.body}`);
    }
    ms.sort((a, b) => a - b);
    return { median: ms[Math.floor(ms.length / 2)], body };
  };
  const p1 = await time('/api/v1/audit?page_size=100');
  const deep = 10000;
  const pn = await time(`/api/v1/audit?page_size=100&page=${deep}`);
  // by key: the record that ends page 9,999 is seq (head - 999,900 + 1)
  const head = Number(srv.sql('SELECT MAX(seq) FROM audit_log'));
  const after = head - (deep - 1) * 100 + 1;
  const kn = await time(`/api/v1/audit?page_size=100&after=${after}`);
  const same = JSON.stringify(kn.body.json.items.map((r) => r.id)) === JSON.stringify(pn.body.json.items.map((r) => r.id));
  console.log(`page 1: ${p1.median.toFixed(1)} ms; page ${deep} by number: ${pn.median.toFixed(1)} ms; by key: ${kn.median.toFixed(1)} ms (same rows: ${same})`);
} finally {
  await srv.stop();
}
