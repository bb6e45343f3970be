// Editing a published course as a new version (修订, issue 13): the course's
// revision is kept beside it while members see the published course, goes
// through the same review chain and, approved, changes the course (a lesson
// appended, the published lessons kept); a return leaves it untouched;
// another district's organiser gets 404. The in-person schedule is revised
// with the lecture hall's rules (the booking module's): a session's time,
// place and capacity (never below the seats held: 422 naming the count), new
// sessions; each booked member of a moved session told (course.session_changed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { makeUser } from './lib/contract.mjs';
import { upload, mediaReady } from './lib/upload.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, pdReviewer, city, member, pdOrg, work, video;
const members = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-course-rev-'));
  srv = await startServer({ args: ['--demo'] });
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdReviewer = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  member = await srv.login('dangyuan01', DEMO);
  pdOrg = pd.me.user.org_id;
  const admin = await srv.admin();
  members.push(member, await makeUser(srv, admin, { username: 'course_rev_m1', orgId: member.me.user.org_id, roles: ['member'] }));
  const mp4 = join(work, 'lesson.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=160x90:rate=25', '-f', 'lavfi',
    '-i', 'sine=duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', mp4]);
  video = readFileSync(mp4);
});

after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

const lessonFile = async () => {
  const f = await upload(pd, video, { filename: '课时.mp4', purpose: 'video' });
  await mediaReady(pd, f);
  return f;
};
const decide = (who, c, action = 'approve') =>
  who.post(`/api/v1/review/items/${c.review_id}/decision`, { action, opinion: action === 'approve' ? '同意' : '请修改' });
let n = 0;
const iso = (ms) => new Date(ms).toISOString();
const DAY = 86400000, HOUR = 3600000;
async function published(extra = {}) {
  const f = await lessonFile();
  const r = await pd.post('/api/v1/course/courses', {
    series: 'archive', title: `修订党课${++n}`, lecturer_name: '王教授', introduction: '原来的简介', tags: ['党史'],
    org_id: pdOrg, lessons: [{ title: '第一讲', file_id: f }], ...extra,
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/course/courses/${r.json.id}/submit`)).status, 200);
  for (const who of [pdReviewer, city]) assert.equal((await decide(who, r.json)).status, 200);
  const got = await pd.get(`/api/v1/course/courses/${r.json.id}`);
  assert.equal(got.json.status, 'approved');
  assert.equal(got.json.can_revise, true);
  return got.json;
}

test('a published course is revised: members see the old one until the last approval, then the new one with the added lesson', async () => {
  const c = await published();
  const f2 = await lessonFile();
  const s = await pd.put(`/api/v1/course/courses/${c.id}/revision`, {
    lecturer_name: '李教授', tags: ['党史', '新时代'], lessons_add: [{ title: '第二讲', file_id: f2 }],
  });
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.revision.status, 'editing');
  assert.deepEqual(Object.keys(s.json.revision.changes).sort(), ['lecturer_name', 'lessons_add', 'tags']);
  const sub = await pd.post(`/api/v1/course/courses/${c.id}/revision/submit`);
  assert.equal(sub.status, 200, sub.body);
  assert.equal(sub.json.status, 'approved');
  assert.equal(sub.json.revision.status, 'in_review');
  let seen = (await member.get(`/api/v1/course/catalog/${c.id}`)).json;
  assert.equal(seen.lecturer_name, '王教授');
  assert.equal(seen.lessons.length, 1);
  const item = (await pdReviewer.get(`/api/v1/review/items/${c.review_id}`)).json;
  const v = (await pdReviewer.get(`/api/v1/review/items/${c.review_id}/versions/${item.version}`)).json;
  assert.deepEqual(v.snapshot.revision.find((d) => d.field === 'lecturer_name'), { field: 'lecturer_name', title: '主讲人', before: '王教授', after: '李教授' });
  assert.ok(v.snapshot.revision.some((d) => d.title === '新增课时' && d.after === '第二讲'));
  assert.equal((await decide(pdReviewer, c)).status, 200);
  assert.equal((await member.get(`/api/v1/course/catalog/${c.id}`)).json.lecturer_name, '王教授');
  assert.equal((await decide(city, c)).status, 200);
  seen = (await member.get(`/api/v1/course/catalog/${c.id}`)).json;
  assert.equal(seen.lecturer_name, '李教授');
  assert.deepEqual(seen.tags, ['党史', '新时代']);
  assert.deepEqual(seen.lessons.map((l) => l.title), ['第一讲', '第二讲']);
  assert.equal(seen.lessons[0].id, c.lessons[0].id, 'the published lesson (and its progress) stays');
  assert.ok(seen.lessons[1].duration_ms > 0);
  const after = (await pd.get(`/api/v1/course/courses/${c.id}`)).json;
  assert.equal(after.revision, null);
  assert.deepEqual(after.review.history.map((h) => h.action), ['submit', 'approve', 'approve', 'submit', 'approve', 'approve']);
});

test('a returned course revision leaves the published course untouched; another district cannot revise (404)', async () => {
  const c = await published();
  assert.equal((await hp.put(`/api/v1/course/courses/${c.id}/revision`, { lecturer_name: '黄浦' })).status, 404);
  assert.equal((await pd.put(`/api/v1/course/courses/${c.id}/revision`, { introduction: '新的简介' })).status, 200);
  assert.equal((await pd.post(`/api/v1/course/courses/${c.id}/revision/submit`)).status, 200);
  assert.equal((await decide(pdReviewer, c, 'return')).status, 200);
  const got = (await pd.get(`/api/v1/course/courses/${c.id}`)).json;
  assert.equal(got.status, 'approved');
  assert.equal(got.introduction, '原来的简介');
  assert.equal(got.revision.status, 'returned');
  assert.equal((await member.get(`/api/v1/course/catalog/${c.id}`)).json.introduction, '原来的简介');
  assert.equal((await pd.del(`/api/v1/course/courses/${c.id}/revision`)).status, 204);
  assert.equal((await pd.get(`/api/v1/course/courses/${c.id}`)).json.revision, null);
});

const inPerson = () => {
  const t = Date.now() + 3 * DAY;
  return { sessions: [{ starts_at: iso(t), ends_at: iso(t + 2 * HOUR), place: '中共一大纪念馆', capacity: 5 },
    { starts_at: iso(t + DAY), ends_at: iso(t + DAY + HOUR), place: '浦东党群服务中心', capacity: 10 }] };
};
const revise = (c, body) => pd.put(`/api/v1/course/courses/${c.id}/revision`, body);
const changedNotes = async (m) =>
  (await m.get('/api/v1/notifications')).json.items.filter((x) => x.kind === 'course.session_changed');

test('the schedule is revised: capacity below the seats held is 422 naming the count; moved and added sessions apply on approval and the booked members are told', async () => {
  const c = await published(inPerson());
  const [s0, s1] = c.sessions;
  for (const m of members) assert.equal((await m.post(`/api/v1/course/sessions/${s0.id}/book`)).status, 201);
  const shrink = await revise(c, { sessions: [{ id: s0.id, starts_at: s0.starts_at, ends_at: s0.ends_at, place: s0.place, capacity: 1 }] });
  assert.equal(shrink.status, 422, shrink.body);
  assert.equal(shrink.json.error.fields['sessions[0].capacity'], '名额不能少于已预约的 2 人');
  const past = await revise(c, { sessions: [{ id: s0.id, starts_at: iso(Date.now() - HOUR), ends_at: iso(Date.now()), place: s0.place, capacity: 5 }] });
  assert.equal(past.status, 422, past.body);
  assert.ok(past.json.error.fields['sessions[0].starts_at']);
  const noPlace = await revise(c, { sessions: [{ starts_at: s0.starts_at, ends_at: s0.ends_at, capacity: 5 }] });
  assert.equal(noPlace.status, 422, noPlace.body);
  assert.ok(noPlace.json.error.fields['sessions[0].place']);
  assert.equal((await revise(c, { sessions: [{ id: 999999, starts_at: s0.starts_at, ends_at: s0.ends_at, place: 'x', capacity: 5 }] })).status, 422);
  const unchanged = await revise(c, { sessions: [{ id: s1.id, starts_at: s1.starts_at, ends_at: s1.ends_at, place: s1.place, capacity: s1.capacity }] });
  assert.equal(unchanged.status, 422, 'a schedule that changes nothing');
  // s0 moves a day later to another place with more seats, s1 only grows, and a third session is added
  const later = Date.parse(s0.starts_at) + 7 * DAY;
  const ok = await revise(c, {
    introduction: '新的简介',
    sessions: [
      { id: s0.id, starts_at: iso(later), ends_at: iso(later + 2 * HOUR), place: '龙华烈士陵园', capacity: 8 },
      { id: s1.id, starts_at: s1.starts_at, ends_at: s1.ends_at, place: s1.place, capacity: 30 },
      { starts_at: iso(later + DAY), ends_at: iso(later + DAY + HOUR), place: '新场次地点', capacity: 20 },
    ],
  });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json.revision.changes.sessions.length, 3);
  assert.equal((await pd.post(`/api/v1/course/courses/${c.id}/revision/submit`)).status, 200);
  // the reviewer sees before → after in Chinese
  const item = (await pdReviewer.get(`/api/v1/review/items/${c.review_id}`)).json;
  const v = (await pdReviewer.get(`/api/v1/review/items/${c.review_id}/versions/${item.version}`)).json;
  const lines = v.snapshot.revision.filter((d) => d.field === 'sessions');
  assert.equal(lines.length, 3);
  assert.equal(lines[0].title, '场次');
  assert.match(lines[0].before, /中共一大纪念馆/);
  assert.match(lines[0].after, /名额 8，龙华烈士陵园/);
  assert.equal(lines[2].title, '新增场次');
  assert.equal(lines[2].before, null);
  // members see the published schedule and are not told until the last approval
  let seen = (await member.get(`/api/v1/course/catalog/${c.id}`)).json;
  assert.equal(seen.sessions[0].place, '中共一大纪念馆');
  assert.equal((await changedNotes(member)).length, 0);
  assert.equal((await decide(pdReviewer, c)).status, 200);
  assert.equal((await changedNotes(member)).length, 0);
  const d = await decide(city, c);
  assert.equal(d.status, 200, d.body);
  seen = (await member.get(`/api/v1/course/catalog/${c.id}`)).json;
  assert.equal(seen.introduction, '新的简介');
  assert.equal(seen.sessions.length, 3);
  const moved = seen.sessions.find((s) => s.id === s0.id);
  assert.equal(Date.parse(moved.starts_at), later);
  assert.equal(moved.place, '龙华烈士陵园');
  assert.equal(moved.capacity, 8);
  assert.equal(moved.booked, 2, 'the bookings stay with their session');
  assert.equal(seen.sessions.find((s) => s.id === s1.id).capacity, 30);
  assert.ok(seen.sessions.some((s) => s.place === '新场次地点' && s.capacity === 20 && s.booked === 0));
  for (const m of members) {
    const notes = await changedNotes(m);
    assert.equal(notes.length, 1, 'each booked member of the moved session is told once');
    assert.match(notes[0].title, /党课面授场次变更/);
    assert.match(notes[0].body, /改为/);
    assert.match(notes[0].body, /地点由 中共一大纪念馆 改为 龙华烈士陵园/);
  }
});

test('a course capacity cut that bookings overtook while in review is refused at approval (409), nothing applied', async () => {
  const c = await published(inPerson());
  const s0 = c.sessions[0];
  assert.equal((await revise(c, { lecturer_name: '新老师', sessions: [{ id: s0.id, starts_at: s0.starts_at, ends_at: s0.ends_at, place: s0.place, capacity: 1 }] })).status, 200);
  assert.equal((await pd.post(`/api/v1/course/courses/${c.id}/revision/submit`)).status, 200);
  for (const m of members) assert.equal((await m.post(`/api/v1/course/sessions/${s0.id}/book`)).status, 201);
  assert.equal((await decide(pdReviewer, c)).status, 200);
  const d = await decide(city, c);
  assert.equal(d.status, 409, d.body);
  assert.match(d.json.error.message, /2 人/);
  const got = (await pd.get(`/api/v1/course/courses/${c.id}`)).json;
  assert.equal(got.lecturer_name, '王教授');
  assert.equal(got.sessions[0].capacity, 5);
  assert.equal(got.revision.status, 'in_review');
  assert.equal((await decide(city, c, 'return')).status, 200);
});
