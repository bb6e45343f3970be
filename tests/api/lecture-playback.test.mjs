// Lecture playback (讲堂回放): an organiser attaches a recording (a video
// uploaded through the storage module) to a published lecture that took
// place; the members of the lecture's district play it on demand (HLS from
// storage) and the player's heartbeat — the course lessons' mechanism —
// accumulates their watch time, which the statistics and their .xlsx export
// show; another district neither sees nor plays the recording.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { makeUser } from './lib/contract.mjs';
import { makeVideo, upload, mediaReady } from './lib/upload.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEMO = 'Zhendi@Demo2026';
let srv, admin, pd, hp, pdReviewer, city, member, hpMember, pdOrg, work, video;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-playback-'));
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdReviewer = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  member = await makeUser(srv, admin, { username: 'playback_m1', orgId: (await srv.login('dangyuan01', DEMO)).me.user.org_id, roles: ['member'] });
  hpMember = await makeUser(srv, admin, { username: 'playback_hp1', orgId: hp.me.user.org_id, roles: ['member'] });
  pdOrg = pd.me.user.org_id;
  video = makeVideo(work, 10);
});

after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

const iso = (ms) => new Date(ms).toISOString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// a published lecture whose session then took place (moved into the past)
async function pastLecture() {
  const when = Date.now() + 3 * 86400000;
  const d = await pd.post('/api/v1/lecture/lectures', {
    title: `回放讲堂${Date.now()}`, speaker: '王老师', place: '浦东新区党群服务中心', capacity: 10,
    starts_at: iso(when), ends_at: iso(when + 7200000), org_id: pdOrg,
  });
  assert.equal(d.status, 201, d.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${d.json.id}/submit`)).status, 200);
  for (const who of [pdReviewer, city]) {
    const r = await who.post(`/api/v1/review/items/${d.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(r.status, 200, r.body);
  }
  const past = Date.now() - 86400000;
  srv.sql(`UPDATE lecture_sessions SET starts_at = ${past}, ends_at = ${past + 7200000} WHERE lecture_id = ${d.json.id}`);
  return d.json;
}

async function readyVideo(client = pd) {
  const fid = await upload(client, video, { filename: '讲堂录像.mp4', purpose: 'video' });
  await mediaReady(client, fid);
  return fid;
}

test('an organiser attaches a recording to a lecture that took place; bad input is refused', async () => {
  const when = Date.now() + 3 * 86400000;
  const future = (await pd.post('/api/v1/lecture/lectures', {
    title: '未开始的讲堂', speaker: '王老师', place: '某地', capacity: 5, starts_at: iso(when), ends_at: iso(when + 3600000), org_id: pdOrg,
  })).json;
  const fid = await readyVideo();
  let r = await pd.post(`/api/v1/lecture/lectures/${future.id}/recordings`, { title: '录像', file_id: fid });
  assert.equal(r.status, 409, 'a draft has no recordings');
  const l = await pastLecture();
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { file_id: fid })).status, 422, 'no title');
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { title: '录像', file_id: 'x' })).status, 422);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { title: '录像', file_id: fid, session_id: 999999 })).status, 422);
  const hpFile = await readyVideo(hp);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { title: '录像', file_id: hpFile })).status, 422, "another's upload");
  assert.equal((await hp.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { title: '录像', file_id: hpFile })).status, 404, 'another district');
  r = await pd.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { title: '第一场录像', file_id: fid, session_id: l.sessions[0].id });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.session_id, l.sessions[0].id);
  assert.ok(r.json.duration_ms >= 9500 && r.json.duration_ms <= 10500, r.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { title: '再用一次', file_id: fid })).status, 409, 'claimed');
  const list = await pd.get(`/api/v1/lecture/lectures/${l.id}/recordings`);
  assert.equal(list.json.items.length, 1);
  assert.equal((await hp.get(`/api/v1/lecture/lectures/${l.id}/recordings`)).status, 404);
  assert.equal((await hp.del(`/api/v1/lecture/recordings/${r.json.id}`)).status, 404);
  assert.equal((await pd.del(`/api/v1/lecture/recordings/${r.json.id}`)).status, 204);
  assert.equal((await pd.get(`/api/v1/lecture/lectures/${l.id}/recordings`)).json.items.length, 0);
  const auditor = await srv.login('auditor');
  const actions = (await auditor.get(`/api/v1/audit?target=lecture_recording:${r.json.id}&page_size=50`)).json.items.map((i) => i.action);
  assert.ok(actions.includes('lecture.recording_delete'), actions.join());
  assert.ok(actions.includes('lecture.recording_add'), actions.join());
});

test("members of the district play it and their heartbeats add up to watch time; another district's members do not see it", async () => {
  const l = await pastLecture();
  const r = await pd.post(`/api/v1/lecture/lectures/${l.id}/recordings`, { title: '讲堂录像', file_id: await readyVideo() });
  assert.equal(r.status, 201, r.body);
  const rid = r.json.id;
  // the member of the district finds it and plays its HLS ladder
  const mine = await member.get(`/api/v1/lecture/catalog/${l.id}/recordings`);
  assert.equal(mine.status, 200, mine.body);
  assert.equal(mine.json.items.length, 1);
  assert.equal(mine.json.items[0].watched_ms, 0);
  const master = await member.get(`/api/v1/lecture/recordings/${rid}/hls/master.m3u8`);
  assert.equal(master.status, 200, master.body);
  assert.match(master.body, /#EXT-X-STREAM-INF/);
  // another district: the lecture is listed city-wide, its recording is not
  assert.equal((await hpMember.get(`/api/v1/lecture/catalog/${l.id}`)).status, 200);
  assert.deepEqual((await hpMember.get(`/api/v1/lecture/catalog/${l.id}/recordings`)).json.items, []);
  assert.equal((await hpMember.get(`/api/v1/lecture/recordings/${rid}/hls/master.m3u8`)).status, 404);
  assert.equal((await hpMember.get(`/api/v1/lecture/recordings/${rid}/media`)).status, 404);
  assert.equal((await hpMember.post(`/api/v1/lecture/recordings/${rid}/progress`, { position_ms: 0 })).status, 404);
  // heartbeats accumulate the time actually watched; a jump counts nothing
  const beat = (position_ms, playing = true) => member.post(`/api/v1/lecture/recordings/${rid}/progress`, { position_ms, playing });
  let b = await beat(0, false);
  assert.equal(b.status, 200, b.body);
  assert.equal(b.json.recording_id, rid);
  await sleep(1000);
  b = await beat(2000);
  assert.equal(b.json.counted_ms, 2000, b.body);
  b = await beat(r.json.duration_ms);
  assert.equal(b.json.counted_ms, 0, 'a jump to the end');
  assert.equal(b.json.completed, false);
  await beat(2000, false);
  await sleep(1000);
  b = await beat(3500);
  assert.equal(b.json.watched_ms, 3500, b.body);
  assert.equal((await member.post(`/api/v1/lecture/recordings/${rid}/progress`, { position_ms: -5 })).status, 422);
  const again = (await member.get(`/api/v1/lecture/catalog/${l.id}/recordings`)).json.items[0];
  assert.equal(again.position_ms, 3500, 'resumes there');
  assert.equal(again.watched_ms, 3500);
  // the organiser sees it on the recording and in the statistics
  const rec = (await pd.get(`/api/v1/lecture/lectures/${l.id}/recordings`)).json.items[0];
  assert.equal(rec.viewers, 1);
  assert.equal(rec.watched_ms, 3500);
  for (const group of ['lecture', 'org', 'month']) {
    const s = await pd.get(`/api/v1/lecture/stats?group=${group}`);
    assert.equal(s.status, 200, s.body);
    assert.ok(s.json.totals.watched_ms >= 3500, s.body);
    assert.ok(s.json.totals.viewers >= 1);
  }
  const byLecture = (await pd.get('/api/v1/lecture/stats?group=lecture')).json.items.find((i) => i.key === String(l.id));
  assert.equal(byLecture.watched_ms, 3500);
  assert.equal(byLecture.viewers, 1);
  assert.ok(!(await hp.get('/api/v1/lecture/stats?group=lecture')).json.items.some((i) => i.key === String(l.id)));
  const x = await pd.get('/api/v1/lecture/stats/export?group=lecture');
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
});
