// Message push benchmark (docs/benchmarks.md, "Notifications"): N open
// consoles' event streams (GET /api/v1/notifications/stream) on a server of
// few HTTP threads —
//  1. the server's threads and memory before and with the streams open
//     (/proc: a stream must not cost a thread);
//  2. ordinary requests while they are open (GET /healthz, sequential);
//  3. one message to the user of every stream: time from its commit (the
//     command's exit) until the last stream has the new count — the poll
//     path, as for a message from another node — and one announcement
//     through the API: the after-commit path;
//  4. SIGTERM with every stream open: time to exit.
//
//   make build && node bench/notify-streams.mjs
//   env: ZHENDI_BIN (default build/zhendi), STREAMS (default 1000), THREADS (default 4)
import { readFileSync } from 'node:fs';
import { startServer } from '../tests/api/lib/server.mjs';

const STREAMS = Number(process.env.STREAMS || 1000);
const THREADS = Number(process.env.THREADS || 4);

function proc(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { threads: Number(/Threads:\s+(\d+)/.exec(s)[1]), rss: Number(/VmRSS:\s+(\d+)/.exec(s)[1]) };
}

async function open(base, cookie) {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/api/v1/notifications/stream`, { headers: { cookie }, signal: ctrl.signal });
  if (res.status !== 200) throw new Error(`stream: ${res.status}`);
  const s = { counts: [], waiters: [], close: () => ctrl.abort(), done: null };
  s.done = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m = /event: unread\ndata: (.*)/.exec(block);
          if (!m) continue;
          const n = JSON.parse(m[1]).count;
          s.counts.push({ n, at: performance.now() });
          for (const w of s.waiters.splice(0)) w();
        }
      }
    } catch { /* aborted */ }
  })();
  // the time of the first count n that came after `after`
  s.until = async (n, after = 0) => {
    const hit = () => s.counts.find((c) => c.n === n && c.at > after);
    while (!hit()) await new Promise((r) => s.waiters.push(r));
    return hit().at;
  };
  return s;
}

const srv = await startServer({
  args: ['--threads', String(THREADS), '--per-ip-connections', '0', '--max-connections', String(STREAMS + 200),
    '--notify-max-streams', String(STREAMS + 10)],
});
try {
  const admin = await srv.admin();
  const before = proc(srv.proc.pid);
  const streams = [];
  const t0 = performance.now();
  for (let i = 0; i < STREAMS; i += 50) streams.push(...await Promise.all(Array.from({ length: Math.min(50, STREAMS - i) }, () => open(srv.base, admin.cookie))));
  await Promise.all(streams.map((s) => s.until(0)));
  const opened = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  const during = proc(srv.proc.pid);
  console.log(`${STREAMS} streams open in ${opened.toFixed(0)} ms on ${THREADS} HTTP threads`);
  console.log(`threads: ${before.threads} before, ${during.threads} with the streams; RSS ${(before.rss / 1024).toFixed(1)} → ${(during.rss / 1024).toFixed(1)} MiB (${((during.rss - before.rss) / STREAMS).toFixed(1)} KiB per stream)`);

  const lat = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const r = await fetch(`${srv.base}/healthz`);
    await r.text();
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  console.log(`GET /healthz with the streams open: median ${lat[100].toFixed(2)} ms, p99 ${lat[198].toFixed(2)} ms`);

  // the poll path: a message written by another process
  const r = srv.cli(['notify', 'send', '--user', 'admin', '--title', '压力测试']);
  if (r.status !== 0) throw new Error(r.stderr);
  const committed = performance.now();
  const all1 = await Promise.all(streams.map((s) => s.until(1, committed - 5000)));
  console.log(`a message from another process: first stream after ${(Math.min(...all1) - committed).toFixed(0)} ms, last after ${(Math.max(...all1) - committed).toFixed(0)} ms (poll, ≤ 1 s by design)`);

  // the after-commit path: mark all read through this server
  const t3 = performance.now();
  const rr = await admin.post('/api/v1/notifications/read-all');
  if (rr.status !== 200) throw new Error(rr.body);
  const all0 = await Promise.all(streams.map((s) => s.until(0, t3)));
  console.log(`read-all on this server: last of ${STREAMS} streams after ${(Math.max(...all0) - t3).toFixed(0)} ms (request included)`);

  const t4 = performance.now();
  const { code } = await srv.stop();
  await Promise.all(streams.map((s) => s.done));
  const ts = (ev) => Date.parse(JSON.parse(srv.stderr().split('\n').find((l) => l.includes(`"${ev}"`))).ts);
  console.log(`SIGTERM with ${STREAMS} streams open: exit ${code} after ${(performance.now() - t4).toFixed(0)} ms; the server logged stopping → stopped in ${ts('server.stopped') - ts('server.stopping')} ms`);
} catch (e) {
  console.error(e);
  await srv.stop().catch(() => {});
  process.exit(1);
}
