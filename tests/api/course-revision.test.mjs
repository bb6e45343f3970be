// Editing a published course as a new version (修订, issue 13): the course's
// revision is kept beside it while members see the published course, goes
// through the same review chain and, approved, changes the course (a lesson
// appended, the published lessons kept); a return leaves it untouched;
// another district's organiser gets 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { upload, mediaReady } from './lib/upload.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, pdReviewer, city, member, pdOrg, work, video;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-course-rev-'));
  srv = await startServer({ args: ['--demo'] });
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdReviewer = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  member = await srv.login('dangyuan01', DEMO);
  pdOrg = pd.me.user.org_id;
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
async function published() {
  const f = await lessonFile();
  const r = await pd.post('/api/v1/course/courses', {
    series: 'archive', title: `修订党课${++n}`, lecturer_name: '王教授', introduction: '原来的简介', tags: ['党史'],
    org_id: pdOrg, lessons: [{ title: '第一讲', file_id: f }],
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
