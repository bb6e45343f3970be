// Booking of a course's in-person sessions (面授预约, issue 13), through the
// booking code the lecture hall shares: 50 members booking 30 seats at the
// same moment get exactly 30 seats; no double booking; approval with an
// opinion where the course asks for it; cancelling frees the seat and moves
// the waiting list up; check-in by the session's QR token; 我的预约 with a
// clear message; another district's organiser neither sees nor decides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { makeUser } from './lib/contract.mjs';
import { upload as tusUpload, mediaReady } from './lib/upload.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEMO = 'Zhendi@Demo2026';
let srv, admin, pd, hp, pdReviewer, city, member, pdOrg, work, video;
const members = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-course-booking-'));
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdReviewer = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  member = await srv.login('dangyuan01', DEMO);
  pdOrg = pd.me.user.org_id;
  const mp4 = join(work, 'lesson.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=160x90:rate=10', '-c:v', 'libx264',
    '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', mp4]);
  video = readFileSync(mp4);
  const made = [];
  for (let i = 0; i < 50; i++) {
    made.push(makeUser(srv, admin, { username: `cbook_m${i}`, orgId: member.me.user.org_id, roles: ['member'] }));
    if (made.length === 10) members.push(...(await Promise.all(made.splice(0))));
  }
});

after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

// stored and probed (its duration known: a lesson needs it)
async function upload(client, bytes, meta) {
  const id = await tusUpload(client, bytes, meta);
  await mediaReady(client, id);
  return id;
}

const iso = (ms) => new Date(ms).toISOString();
const DAY = 86400000;
const session = (when, capacity, place = '浦东新区党群服务中心') => ({ starts_at: iso(when), ends_at: iso(when + 7200000), place, capacity });
let n = 0;
// a published course with the given sessions (and booking options)
async function published(sessions, extra = {}) {
  const f = await upload(pd, video, { filename: '课时.mp4', purpose: 'video' });
  const r = await pd.post('/api/v1/course/courses', {
    series: 'scenario', title: `情景党课面授${++n}`, lecturer_name: '周老师', org_id: pdOrg,
    lessons: [{ title: '第一讲', file_id: f }], sessions, ...extra,
  });
  assert.equal(r.status, 201, r.body);
  const sub = await pd.post(`/api/v1/course/courses/${r.json.id}/submit`);
  assert.equal(sub.status, 200, sub.body);
  for (const who of [pdReviewer, city]) {
    const d = await who.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(d.status, 200, d.body);
  }
  const got = await member.get(`/api/v1/course/catalog/${r.json.id}`);
  assert.equal(got.status, 200, got.body);
  return got.json;
}
const book = (who, sid) => who.post(`/api/v1/course/sessions/${sid}/book`);
const sessions = async (who, id) => (await who.get(`/api/v1/course/catalog/${id}`)).json.sessions;

test('50 members booking 30 seats at the same moment: exactly 30 confirmed and 20 refused (and wait-listed where the course keeps a list)', async () => {
  const when = Date.now() + 3 * DAY;
  const plain = await published([session(when, 30)]);
  const listed = await published([session(when, 30)], { waitlist: true });
  for (const [c, waitlist] of [[plain, false], [listed, true]]) {
    const sid = c.sessions[0].id;
    const res = await Promise.all(members.map((m) => book(m, sid)));
    const ok = res.filter((r) => r.status === 201);
    const by = (s) => ok.filter((r) => r.json.status === s).length;
    assert.equal(by('confirmed'), 30, res.map((r) => r.status).join(','));
    if (waitlist) {
      assert.equal(by('waitlisted'), 20);
      assert.deepEqual(ok.filter((r) => r.json.status === 'waitlisted').map((r) => r.json.waitlist_position).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1));
      assert.ok(ok.find((r) => r.json.status === 'waitlisted').json.message.includes('候补'));
      assert.equal(srv.sql(`SELECT booked || ',' || waiting FROM course_sessions WHERE id = ${sid}`), '30,20');
    } else {
      const refused = res.filter((r) => r.status !== 201);
      assert.equal(refused.length, 20);
      assert.ok(refused.every((r) => r.status === 409 && r.json.error.code === 'full'), refused.map((r) => r.body).join());
      assert.equal(srv.sql(`SELECT booked FROM course_sessions WHERE id = ${sid}`), '30');
    }
    assert.equal(srv.sql(`SELECT COUNT(*) FROM course_bookings WHERE session_id = ${sid} AND status = 'confirmed'`), '30');
    assert.ok(ok.find((r) => r.json.status === 'confirmed').json.message.startsWith('预约成功'));
    const s = (await sessions(member, c.id))[0];
    assert.equal(s.remaining, 0);
  }
  assert.throws(() => srv.sql(`UPDATE course_sessions SET booked = 31 WHERE id = ${plain.sessions[0].id}`), /check|constraint/i,
    'the database refuses an oversold session whatever writes it');
});

test('a member books a course session once, sees it in 我的预约 with its message, and cancelling moves the waiting list up', async () => {
  const c = await published([session(Date.now() + 4 * DAY, 1)], { waitlist: true });
  const sid = c.sessions[0].id;
  const r = await book(member, sid);
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.status, 'confirmed');
  assert.match(r.json.message, /^预约成功：《情景党课面授\d+》/);
  const twice = await Promise.all([book(member, sid), book(member, sid)]);
  assert.ok(twice.every((x) => x.status === 409 && x.json.error.code === 'already_booked'));
  assert.equal((await sessions(member, c.id))[0].my_booking.status, 'confirmed');
  const w = await book(members[0], sid);
  assert.equal(w.json.status, 'waitlisted');
  assert.equal(w.json.waitlist_position, 1);
  const mine = (await member.get('/api/v1/course/my-bookings?upcoming=true')).json.items.find((x) => x.id === r.json.id);
  assert.equal(mine.course_title, c.title);
  assert.equal(mine.place, '浦东新区党群服务中心');
  assert.equal(mine.can_cancel, true);
  assert.equal((await members[1].post(`/api/v1/course/my-bookings/${mine.id}/cancel`)).status, 404, "nobody else's booking");
  const cancel = await member.post(`/api/v1/course/my-bookings/${mine.id}/cancel`);
  assert.equal(cancel.status, 200, cancel.body);
  assert.equal(cancel.json.status, 'cancelled');
  assert.equal((await member.post(`/api/v1/course/my-bookings/${mine.id}/cancel`)).status, 409);
  const moved = (await members[0].get('/api/v1/course/my-bookings')).json.items.find((x) => x.id === w.json.id);
  assert.equal(moved.status, 'confirmed', 'the first waiter moved up in the same transaction');
  assert.ok((await members[0].get('/api/v1/notifications')).json.items.some((x) => x.title.includes('候补成功')));
  assert.equal(srv.sql(`SELECT booked || ',' || waiting FROM course_sessions WHERE id = ${sid}`), '1,0');
  // the audit trail has the booking and the cancellation
  const auditor = await srv.login('auditor');
  const log = await auditor.get(`/api/v1/audit?target=course_booking:${mine.id}&page_size=10`);
  assert.equal(log.status, 200, log.body);
  assert.deepEqual(log.json.items.map((i) => i.action).sort(), ['course.book', 'course.unbook']);
});

test('bookings of a course that asks for approval wait for the organiser; another district neither sees nor decides them', async () => {
  const c = await published([session(Date.now() + 5 * DAY, 2)], { needs_approval: true });
  const sid = c.sessions[0].id;
  const a = await book(members[2], sid);
  const b = await book(members[3], sid);
  assert.equal(a.json.status, 'pending');
  assert.match(a.json.message, /等待主办方审核/);
  assert.equal((await hp.get(`/api/v1/course/bookings?course_id=${c.id}`)).json.total, 0);
  assert.equal((await hp.post(`/api/v1/course/bookings/${a.json.id}/decision`, { action: 'approve', opinion: '同意' })).status, 404);
  assert.equal((await hp.get(`/api/v1/course/sessions/${sid}/checkin-code`)).status, 404);
  assert.equal((await members[2].get(`/api/v1/course/bookings?course_id=${c.id}`)).status, 403, 'members do not manage');
  const list = await pd.get(`/api/v1/course/bookings?session_id=${sid}&status=pending`);
  assert.deepEqual(list.json.items.map((x) => x.id).sort(), [a.json.id, b.json.id].sort());
  assert.equal((await pd.post(`/api/v1/course/bookings/${a.json.id}/decision`, { action: 'approve' })).status, 422, 'the opinion is required');
  const ok = await pd.post(`/api/v1/course/bookings/${a.json.id}/decision`, { action: 'approve', opinion: '欢迎参加' });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json.status, 'confirmed');
  assert.equal(ok.json.opinion, '欢迎参加');
  const no = await pd.post(`/api/v1/course/bookings/${b.json.id}/decision`, { action: 'reject', opinion: '名额留给本支部' });
  assert.equal(no.json.status, 'rejected');
  assert.equal((await pd.post(`/api/v1/course/bookings/${b.json.id}/decision`, { action: 'approve', opinion: '再议' })).status, 409);
  assert.equal((await sessions(member, c.id))[0].remaining, 1, 'the rejection freed the seat');
  const told = (await members[3].get('/api/v1/notifications')).json.items;
  assert.ok(told.some((x) => x.title.includes('党课预约未通过')), JSON.stringify(told.map((x) => x.title)));
  const xlsx = await pd.request('GET', `/api/v1/course/bookings?course_id=${c.id}&format=xlsx`);
  assert.equal(xlsx.status, 200);
});

test("check-in by the session's QR token: confirmed, in the session's window, not with a lecture's token", async () => {
  const soon = Date.now() + 10 * 60000;
  const c = await published([session(soon, 5), session(soon + 3 * DAY, 5)]);
  const [s1, s2] = c.sessions.map((s) => s.id);
  const code = await pd.get(`/api/v1/course/sessions/${s1}/checkin-code`);
  assert.equal(code.status, 200, code.body);
  assert.match(code.json.path, /^\/m\/checkin\?kind=course&token=\d+\.[0-9a-f]{32}$/);
  const token = code.json.token;
  assert.equal((await members[4].post('/api/v1/course/checkin', { token })).json.error.code, 'not_booked');
  assert.equal((await book(members[4], s1)).status, 201);
  // the same number signed for the lecture hall is not a course token
  assert.equal((await members[4].post('/api/v1/lecture/checkin', { token })).status, 404);
  const forged = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
  assert.equal((await members[4].post('/api/v1/course/checkin', { token: forged })).status, 404);
  const ok = await members[4].post('/api/v1/course/checkin', { token });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json.status, 'attended');
  assert.equal(ok.json.already, false);
  assert.equal((await members[4].post('/api/v1/course/checkin', { token })).json.already, true);
  assert.equal((await book(members[4], s2)).status, 201);
  const early = await members[4].post('/api/v1/course/checkin', { token: (await pd.get(`/api/v1/course/sessions/${s2}/checkin-code`)).json.token });
  assert.equal(early.json.error.code, 'not_open');
});

test('the organiser calls off a session of a published course: its bookings are cancelled and those booked are told', async () => {
  const c = await published([session(Date.now() + 6 * DAY, 1), session(Date.now() + 7 * DAY, 5)], { waitlist: true });
  const [s1, s2] = c.sessions;
  assert.equal((await book(members[10], s1.id)).json.status, 'confirmed');
  assert.equal((await book(members[11], s1.id)).json.status, 'waitlisted');
  assert.equal((await book(members[12], s2.id)).json.status, 'confirmed');
  // validation, permission and scope first
  assert.equal((await pd.post(`/api/v1/course/sessions/${s1.id}/call-off`, {})).status, 422, 'a reason is needed');
  assert.equal((await members[10].post(`/api/v1/course/sessions/${s1.id}/call-off`, { reason: '不行' })).status, 403);
  assert.equal((await hp.post(`/api/v1/course/sessions/${s1.id}/call-off`, { reason: '不行' })).status, 404, 'another district');
  const r = await pd.post(`/api/v1/course/sessions/${s1.id}/call-off`, { reason: '场馆临时检修' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.notified, 2);
  assert.equal((await pd.post(`/api/v1/course/sessions/${s1.id}/call-off`, { reason: '再来一次' })).status, 404, 'gone from the schedule');
  // the session leaves the schedule; the other one keeps its booking
  const left = await sessions(member, c.id);
  assert.deepEqual(left.map((x) => x.id), [s2.id]);
  assert.equal((await book(members[13], s1.id)).status, 404);
  for (const who of [members[10], members[11]]) {
    const mine = (await who.get('/api/v1/course/my-bookings')).json.items.find((x) => x.session_id === s1.id);
    assert.equal(mine.status, 'cancelled');
    const told = (await who.get('/api/v1/notifications')).json.items.find((x) => x.kind === 'course.session_cancelled');
    assert.ok(told, 'the member is told');
    assert.match(told.title, /党课面授场次取消/);
    assert.equal(told.body, '场馆临时检修');
  }
  assert.equal((await members[12].get('/api/v1/course/my-bookings')).json.items.find((x) => x.session_id === s2.id).status, 'confirmed');
  assert.equal(srv.sql(`SELECT booked || ',' || waiting FROM course_sessions WHERE id = ${s1.id}`), '0,0');
  const auditor = await srv.login('auditor');
  const log = await auditor.get(`/api/v1/audit?target=course_session:${s1.id}&page_size=10`);
  assert.deepEqual(log.json.items.map((i) => i.action), ['course.session_call_off']);
  // a session that started, or one of a course not published, is not called off
  const started = await published([session(Date.now() + 8 * DAY, 5)]);
  srv.sql(`UPDATE course_sessions SET starts_at = ${Date.now() - 60000} WHERE id = ${started.sessions[0].id}`);
  assert.equal((await pd.post(`/api/v1/course/sessions/${started.sessions[0].id}/call-off`, { reason: '晚了' })).status, 409);
  const dicts = (await member.get('/api/v1/dicts')).json.dicts;
  assert.ok(dicts.notify_kind.items.some((x) => x.value === 'course.session_cancelled'));
});

test('members book but do not manage; every booking status has a Chinese label', async () => {
  assert.equal((await member.get('/api/v1/course/bookings')).status, 403);
  const dicts = (await member.get('/api/v1/dicts')).json.dicts;
  const labels = Object.fromEntries(dicts.course_booking_status.items.map((x) => [x.value, x.label]));
  for (const s of ['pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled', 'attended']) assert.ok(labels[s], s);
  assert.ok(dicts.notify_kind.items.some((x) => x.value === 'course.booking'));
});
