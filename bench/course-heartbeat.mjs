// Learning-progress heartbeat throughput (issue 13: ≥ 2,000 requests/s;
// 500 members watching at once with a beat every 5 s is 100/s). Publishes a
// course with one video lesson, logs M members in (default 200), then runs
// wrk (2 threads, C connections, default 100, for D seconds, default 15)
// where every request is one member's beat with a position moving forward
// as playback would, each request choosing its member at random. Prints
// wrk's figures and checks that the progress rows are there. Figures in
// docs/benchmarks.md.
//
//   make build && ZHENDI_BIN=build/zhendi node bench/course-heartbeat.mjs [M] [C] [D]
//   scripts/pg-test.sh env ZHENDI_BIN=build/zhendi node bench/course-heartbeat.mjs    (PostgreSQL)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, TEST_PG } from '../tests/api/lib/server.mjs';
import { makeUser } from '../tests/api/lib/contract.mjs';

const M = Number(process.argv[2] || 200);
const C = Number(process.argv[3] || 100);
const D = Number(process.argv[4] || 15);
const DEMO = 'Zhendi@Demo2026';
const work = mkdtempSync(join(tmpdir(), 'zhendi-bench-course-'));
const srv = await startServer({ args: ['--demo', '--per-ip-connections', '0', '--workers', '2'] });
const b64 = (s) => Buffer.from(String(s)).toString('base64');
try {
  const admin = await srv.admin();
  const sec = await srv.login('secadmin');
  await sec.patch('/api/v1/security/policy', { login_address_per_minute: 100000 });
  const pd = await srv.login('pudong_dangwu', DEMO);
  // one video lesson
  const mp4 = join(work, 'v.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=600:size=160x90:rate=5', '-c:v', 'libx264',
    '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', mp4]);
  const bytes = readFileSync(mp4);
  const c0 = await pd.request('POST', '/api/v1/uploads', { headers: { 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length),
    'upload-metadata': `filename ${b64('v.mp4')},purpose ${b64('video')}` } });
  const url = c0.headers.get('location');
  await pd.request('PATCH', url, { raw: bytes, headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' } });
  let fid;
  for (let i = 0; i < 1200 && !fid; i++) {
    const u = (await pd.get(url)).json;
    if (u.status === 'done') {
      const f = (await pd.get(`/api/v1/storage/files/${u.file_id}`)).json;
      if (f.duration_ms) fid = u.file_id;
    }
    if (!fid) await new Promise((r) => setTimeout(r, 250));
  }
  const cr = await pd.post('/api/v1/course/courses', { series: 'micro_video', title: '压测党课', lecturer_name: '王老师', org_id: pd.me.user.org_id,
    lessons: [{ title: '第一讲', file_id: fid }] });
  if (cr.status !== 201) throw new Error(cr.body);
  const sub = await pd.post(`/api/v1/course/courses/${cr.json.id}/submit`);
  if (sub.status !== 200) throw new Error(sub.body);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const r = await (await srv.login(who, DEMO)).post(`/api/v1/review/items/${cr.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    if (r.status !== 200) throw new Error(r.body);
  }
  const lesson = cr.json.lessons[0].id;
  const org = Number(srv.sql("SELECT id FROM orgs WHERE code = 'SH-PD-01-B'"));
  const members = [];
  for (let i = 0; i < M; i += 25) {
    const batch = [];
    for (let k = i; k < Math.min(M, i + 25); k++) batch.push(makeUser(srv, admin, { username: `hb_m${k}`, orgId: org, roles: ['member'] }));
    members.push(...(await Promise.all(batch)));
  }
  // wrk: each request a random member's beat, the position moving on by the clock
  const lua = join(work, 'beat.lua');
  writeFileSync(lua, `
local members = {${members.map((m) => `{"${m.cookie}","${m.csrf}"}`).join(',')}}
math.randomseed(os.time())
local t0 = os.time()
request = function()
  local m = members[math.random(#members)]
  local pos = (os.time() - t0) * 1000
  return wrk.format("POST", "/api/v1/course/lessons/${lesson}/progress",
    {["Content-Type"] = "application/json", ["Cookie"] = m[1], ["X-CSRF-Token"] = m[2]},
    '{"position_ms":' .. pos .. ',"playing":true}')
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`);
  // the reference on the same machine at the same moment: an authenticated read (GET /auth/me)
  const ref = join(work, 'me.lua');
  writeFileSync(ref, readFileSync(lua, 'utf8').replace(/return wrk\.format\([^]*?\n  *'\{[^\n]*\n/, 'return wrk.format("GET", "/api/v1/auth/me", {["Cookie"] = m[1]})\n'));
  console.log(`${M} members, lesson ${lesson}, ${TEST_PG ? 'PostgreSQL' : 'SQLite'}; wrk -t2 -c${C} -d${D}s; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  for (const [what, script] of [['heartbeat POST /api/v1/course/lessons/{id}/progress', lua], ['reference GET /api/v1/auth/me', ref]]) {
    const out = execFileSync('wrk', ['-t2', `-c${C}`, `-d${D}s`, '--latency', '-s', script, srv.base], { encoding: 'utf8' });
    console.log(`--- ${what}\n${out}`);
  }
  console.log(`progress rows: ${srv.sql(`SELECT COUNT(*) FROM course_progress WHERE lesson_id = ${lesson}`)}`);
} finally {
  await srv.stop();
  rmSync(work, { recursive: true, force: true });
}
