// Lecture booking under contention (issue 13): M members (default 500) book
// one session of capacity CAP (default 300) at the same moment, every
// request sent at once on its own connection. Prints the answers by status,
// p50/p95/p99/max latency, and checks zero oversell: the session's seats held
// equal the confirmed bookings and never exceed the capacity. Then the same
// with the waiting list on (everyone beyond the capacity wait-listed).
// With every figure: the server CPU per request (user + system from
// /proc/<pid>/stat of the zhendi process, and on PostgreSQL of its backends)
// and the load average, since the machine is shared; also the CPU of an
// authenticated GET /api/v1/auth/me, the cheapest request past the
// middleware. Figures in docs/benchmarks.md.
//
//   ZHENDI_BIN=build/zhendi node bench/lecture.mjs [M] [CAP]
//   scripts/pg-test.sh env ZHENDI_BIN=build/zhendi node bench/lecture.mjs    (PostgreSQL)
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { startServer, TEST_PG } from '../tests/api/lib/server.mjs';
import { makeUser } from '../tests/api/lib/contract.mjs';

const M = Number(process.argv[2] || 500);
const CAP = Number(process.argv[3] || 300);
const DEMO = 'Zhendi@Demo2026';

// every connection from 127.0.0.1: lift the per-address limit (a real site's members come from many)
const srv = await startServer({ args: ['--demo', '--per-ip-connections', '0'] });
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
// the server this one started (its executable is ZHENDI_BIN, whatever its name), and on
// PostgreSQL its backends: CPU ms used so far
const server = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).find((d) => {
  try {
    const st = readFileSync(`/proc/${d}/stat`, 'utf8');
    return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === process.pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')[1] === 'serve';
  } catch {
    return false;
  }
});
const pids = () => [server, ...(TEST_PG ? srv.sql('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()').split('\n').filter(Boolean) : [])];
const cpu = (list) => list.reduce((sum, pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return sum + (Number(v[11]) + Number(v[12])) * 10; // clock ticks of 10 ms
  } catch {
    return sum;
  }
}, 0);
// runs fn, returns [its result, server CPU ms spent meanwhile]; with PERF=prefix in the
// environment, also records the server's profile meanwhile into prefix.<what>.data
// (perf record -g --call-graph dwarf; read it with perf report -i …)
async function withCpu(fn, what) {
  let perf = null;
  if (process.env.PERF) {
    perf = spawn('perf', ['record', '-q', '-F', '499', '--call-graph', 'dwarf,16384', '-p', server, '-o', `${process.env.PERF}.${what}.data`], { stdio: 'inherit' });
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  const list = pids();
  const c0 = cpu(list);
  const r = await fn();
  const used = cpu(list) - c0;
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((ok) => perf.on('exit', ok));
  }
  return [r, used];
}
try {
  if (!server) throw new Error('the server process was not found in /proc');
  console.log(`load average at start: ${load()}`);
  const admin = await srv.admin();
  // M members log in from one address: the security administrator lifts the per-address login limit
  const sec = await srv.login('secadmin');
  const pol = await sec.patch('/api/v1/security/policy', { login_address_per_minute: 100000 });
  if (pol.status !== 200) throw new Error(pol.body);
  const pd = await srv.login('pudong_dangwu', DEMO);
  const org = Number(srv.sql("SELECT id FROM orgs WHERE code = 'SH-PD-01-B'"));
  const t0 = Date.now();
  const members = [];
  for (let i = 0; i < M; i += 50) {
    const batch = [];
    for (let k = i; k < Math.min(M, i + 50); k++) batch.push(makeUser(srv, admin, { username: `bench_m${k}`, orgId: org, roles: ['member'] }));
    members.push(...(await Promise.all(batch)));
  }
  console.log(`${M} members logged in in ${((Date.now() - t0) / 1000).toFixed(1)} s (${TEST_PG ? 'PostgreSQL' : 'SQLite'})`);

  async function publish(extra) {
    const starts = Date.now() + 7 * 86400000;
    const r = await pd.post('/api/v1/lecture/lectures', {
      title: `压测讲堂${extra.waitlist ? '（候补）' : ''}`, speaker: '王老师', place: '浦东新区党群服务中心', capacity: CAP,
      org_id: pd.me.user.org_id, starts_at: new Date(starts).toISOString(), ends_at: new Date(starts + 7200000).toISOString(), ...extra,
    });
    if (r.status !== 201) throw new Error(r.body);
    await pd.post(`/api/v1/lecture/lectures/${r.json.id}/submit`);
    for (const who of ['pudong_shenhe', 'shi_shenhe']) {
      const c = await srv.login(who, DEMO);
      const d = await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
      if (d.status !== 200) throw new Error(d.body);
    }
    return r.json.sessions[0].id;
  }

  // Each member's own kept-alive connection, open before the moment (a member on the
  // lecture's page has one), one request at a time on it: the request written as prepared
  // bytes, the answer read to its Content-Length. This client costs a few microseconds a
  // request, where fetch() costs a fraction of a millisecond on the same two cores; WIRE=fetch
  // sends the bookings with fetch() instead, each on a connection of its pool (new ones for
  // most of them).
  function wire(m) {
    let buf = Buffer.alloc(0);
    let want = null;
    const sock = connect(srv.port, '127.0.0.1');
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const k = buf.indexOf('\r\n\r\n');
      if (k < 0 || !want) return;
      const head = buf.subarray(0, k).toString('latin1');
      const len = Number(head.match(/\r\ncontent-length: *(\d+)/i)?.[1] || 0);
      if (buf.length < k + 4 + len) return;
      const body = buf.subarray(k + 4, k + 4 + len).toString('utf8');
      buf = buf.subarray(k + 4 + len);
      const w = want;
      want = null;
      let json;
      try { json = JSON.parse(body); } catch { json = undefined; }
      w({ status: Number(head.split(' ')[1]), json, body });
    });
    const ready = new Promise((ok, ko) => { sock.once('connect', ok); sock.once('error', ko); });
    const send = (method, path) => {
      const bytes = Buffer.from(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${srv.port}\r\ncookie: ${m.cookie}\r\n` +
        `x-csrf-token: ${m.csrf}\r\ncontent-length: 0\r\n\r\n`);
      return () => new Promise((ok) => { want = ok; sock.write(bytes); });
    };
    return { ready, send, close: () => sock.destroy() };
  }
  const FETCH = process.env.WIRE === 'fetch';
  const conns = FETCH ? [] : members.map(wire);
  await Promise.all(conns.map((w) => w.ready));
  for (const w of conns) { // warm: one request on every connection first
    const r = await w.send('GET', '/api/v1/auth/me')();
    if (r.status !== 200) throw new Error(r.body);
  }

  for (const waitlist of [false, true]) {
    const sid = await publish({ waitlist });
    const path = `/api/v1/lecture/sessions/${sid}/book`;
    const sends = FETCH ? members.map((m) => () => m.post(path)) : conns.map((w) => w.send('POST', path));
    const commits = async () => {
      const t = (await srv.get('/metrics')).body;
      return ['zhendi_group_commits_total', 'zhendi_group_commit_requests_total'].map((k) => Number(t.match(new RegExp(`^${k} (\\d+)`, 'm'))?.[1] || 0));
    };
    const [b0, r0] = await commits();
    let start;
    const c0 = process.cpuUsage();
    const [res, used] = await withCpu(() => (start = Date.now()) && Promise.all(sends.map(async (send) => {
      const t = performance.now();
      const r = await send();
      return { ms: performance.now() - t, status: r.status, state: r.json?.status || r.json?.error?.code };
    })), waitlist ? 'book-waitlist' : 'book');
    const wall = Date.now() - start;
    const cu = process.cpuUsage(c0);
    const client = (cu.user + cu.system) / 1000;
    const [b1, r1] = await commits();
    const ms = res.map((r) => r.ms).sort((a, b) => a - b);
    const by = {};
    for (const r of res) by[`${r.status} ${r.state}`] = (by[`${r.status} ${r.state}`] || 0) + 1;
    const [booked, waiting] = srv.sql(`SELECT booked, waiting FROM lecture_sessions WHERE id = ${sid}`).split('|').map(Number);
    const confirmed = Number(srv.sql(`SELECT COUNT(*) FROM lecture_bookings WHERE session_id = ${sid} AND status = 'confirmed'`));
    const oversold = booked > CAP || booked !== confirmed || confirmed !== Math.min(M, CAP);
    console.log(`\nwaiting list ${waitlist ? 'on' : 'off'}: ${M} attempts on one session of ${CAP} seats, all sent at once (${FETCH ? 'fetch' : 'each on its member\'s open connection'})`);
    console.log(`  answers: ${JSON.stringify(by)}`);
    console.log(`  latency ms: p50 ${pct(ms, 50).toFixed(1)}  p95 ${pct(ms, 95).toFixed(1)}  p99 ${pct(ms, 99).toFixed(1)}  max ${ms[ms.length - 1].toFixed(1)}  (all answered in ${wall} ms)`);
    console.log(`  throughput: ${(M / (wall / 1000)).toFixed(0)} bookings/s; server CPU ${(used / M).toFixed(2)} ms a booking request (${used} ms for ${M}); the client's CPU ${client.toFixed(0)} ms; load ${load()}`);
    console.log(`  group commit: ${r1 - r0} requests in ${b1 - b0} transactions`);
    console.log(`  session: booked ${booked}, waiting ${waiting}; confirmed rows ${confirmed} → ${oversold ? 'OVERSOLD' : 'zero oversell'}`);
    if (oversold) process.exitCode = 1;
  }
  // the service time without contention: one member after another on a large session
  const sid = await publish({ capacity: M + 10 });
  const one = [];
  const [, used] = await withCpu(async () => {
    for (const m of members.slice(0, 200)) {
      const t = performance.now();
      const r = await m.post(`/api/v1/lecture/sessions/${sid}/book`);
      one.push(performance.now() - t);
      if (r.status !== 201) throw new Error(r.body);
    }
  }, 'book-one');
  one.sort((a, b) => a - b);
  console.log(`\nno contention: 200 bookings one after another: p50 ${pct(one, 50).toFixed(1)} ms, p95 ${pct(one, 95).toFixed(1)} ms; server CPU ${(used / 200).toFixed(2)} ms a booking; load ${load()}`);
  // an authenticated read: session, user and roles, the route's checks and a small answer
  const ME = Number(process.env.ME || 2000);
  const me = [];
  const [, usedMe] = await withCpu(async () => {
    for (let i = 0; i < ME; i += 50) {
      await Promise.all(members.slice(0, 50).map(async (m) => {
        const t = performance.now();
        const r = await m.get('/api/v1/auth/me');
        me.push(performance.now() - t);
        if (r.status !== 200) throw new Error(r.body);
      }));
    }
  }, 'me');
  me.sort((a, b) => a - b);
  console.log(`GET /api/v1/auth/me ×${me.length}, 50 at a time: p50 ${pct(me, 50).toFixed(1)} ms, p95 ${pct(me, 95).toFixed(1)} ms; server CPU ${(usedMe / me.length).toFixed(3)} ms a request; load ${load()}`);
  for (const w of conns) w.close();

} finally {
  await srv.stop();
}
