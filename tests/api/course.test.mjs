// Course matrix (系列党课矩阵, M3), as its users meet it: a district writes a
// course of one of the seven series with its video lessons, publishes it
// through the district and city review, and members of every district find
// it by series, tag, lecturer and words; the course's QR code (PNG, SVG,
// printable sheet per series) decodes to its members' page; another
// district's organiser neither sees nor manages it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { upload, mediaReady } from './lib/upload.mjs';
import { makeUser, PASSWORD } from './lib/contract.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEMO = 'Zhendi@Demo2026';
const PUBLIC = 'https://dj.example.cn';
let srv, admin, pd, hp, pdReviewer, city, member, pdOrg, work, video;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-course-'));
  srv = await startServer({ args: ['--demo'], env: { ZHENDI_COURSE_PUBLIC_URL: `${PUBLIC}/` } });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdReviewer = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  member = await srv.login('dangyuan01', DEMO);
  pdOrg = pd.me.user.org_id;
  const mp4 = join(work, 'lesson.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=4:size=320x180:rate=25', '-f', 'lavfi',
    '-i', 'sine=duration=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', mp4]);
  video = readFileSync(mp4);
});

after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

const uploadVideo = async (client = pd) => upload(client, video, { filename: '党课课时.mp4', purpose: 'video' });

let n = 0;
async function draft(extra = {}, client = pd, org = pdOrg) {
  const r = await client.post('/api/v1/course/courses', {
    series: 'archive', title: `文献里的初心${++n}`, lecturer_name: '王教授', lecturer_details: '党史研究室研究员',
    introduction: '从档案文献看建党精神', tags: ['党史', '档案'], org_id: org, ...extra,
  });
  assert.equal(r.status, 201, r.body);
  return r.json;
}
const decide = (who, c, action = 'approve') =>
  who.post(`/api/v1/review/items/${c.review_id}/decision`, { action, opinion: action === 'approve' ? '同意' : '请修改' });
async function publish(c) {
  const sub = await pd.post(`/api/v1/course/courses/${c.id}/submit`);
  assert.equal(sub.status, 200, sub.body);
  for (const who of [pdReviewer, city]) {
    const d = await decide(who, c);
    assert.equal(d.status, 200, d.body);
  }
  const got = await pd.get(`/api/v1/course/courses/${c.id}`);
  assert.equal(got.json.status, 'approved');
  return got.json;
}

let shared; // one published course with two video lessons and a session, used by several tests
async function publishedCourse() {
  if (shared) return shared;
  const f1 = await uploadVideo(), f2 = await uploadVideo();
  await mediaReady(pd, f1);
  await mediaReady(pd, f2);
  const when = Date.now() + 5 * 86400000;
  const c = await draft({
    series: 'red_node', title: '红色节点里的上海', lecturer_name: '李讲师', tags: ['红色', '上海'],
    lessons: [{ title: '第一讲 一大会址', file_id: f1 }, { title: '第二讲 渔阳里', file_id: f2 }],
    sessions: [{ starts_at: new Date(when).toISOString(), ends_at: new Date(when + 7200000).toISOString(), place: '中共一大纪念馆', capacity: 40 }],
  });
  assert.equal(c.lessons.length, 2);
  assert.deepEqual(c.lessons.map((l) => l.title), ['第一讲 一大会址', '第二讲 渔阳里']);
  assert.equal(c.sessions[0].capacity, 40);
  shared = await publish(c);
  return shared;
}

test('a course is published through district and city review, and only then members see it', async () => {
  const c = await draft();
  assert.equal(c.status, 'draft');
  assert.ok(c.review_id, 'the course has its review item');
  assert.deepEqual(c.tags, ['党史', '档案']);
  assert.equal((await member.get(`/api/v1/course/catalog/${c.id}`)).status, 404, 'a draft is not published');
  // without a lesson it cannot be submitted
  const empty = await pd.post(`/api/v1/course/courses/${c.id}/submit`);
  assert.equal(empty.status, 409);
  assert.equal(empty.json.error.code, 'no_lessons');
  const fid = await uploadVideo();
  await mediaReady(pd, fid);
  const p = await pd.patch(`/api/v1/course/courses/${c.id}`, { lessons: [{ title: '第一讲', file_id: fid }] });
  assert.equal(p.status, 200, p.body);
  assert.equal(p.json.lessons[0].media, 'video');
  const sub = await pd.post(`/api/v1/course/courses/${c.id}/submit`);
  assert.equal(sub.status, 200, sub.body);
  assert.equal(sub.json.status, 'in_review');
  assert.ok(sub.json.lessons[0].duration_ms >= 3500 && sub.json.lessons[0].duration_ms <= 4500, JSON.stringify(sub.json.lessons));
  assert.equal((await pd.patch(`/api/v1/course/courses/${c.id}`, { lecturer_name: '李老师' })).status, 409, 'no edits in review');
  assert.equal((await decide(city, c)).status, 403, 'the city does not decide at the district level');
  assert.equal((await decide(pdReviewer, c)).status, 200);
  assert.equal((await member.get(`/api/v1/course/catalog/${c.id}`)).status, 404, 'not yet: the city decides');
  assert.equal((await decide(city, c)).status, 200);
  const pub = await member.get(`/api/v1/course/catalog/${c.id}`);
  assert.equal(pub.status, 200, pub.body);
  assert.equal(pub.json.series, 'archive');
  assert.ok(pub.json.published_at);
  assert.equal(pub.json.lessons.length, 1);
  assert.equal(pub.json.lessons[0].completed, false);
  assert.equal(pub.json.status, undefined, 'members do not see the review fields');
  // the lesson plays through the course's own route (HLS from storage)
  const master = await member.get(`/api/v1/course/lessons/${pub.json.lessons[0].id}/hls/master.m3u8`);
  assert.equal(master.status, 200, master.body);
  assert.match(master.body, /#EXT-X-STREAM-INF/);
  // the history shows the course's audited steps
  const auditor = await srv.login('auditor');
  const audit = await auditor.get(`/api/v1/audit?target=course:${c.id}&page_size=50`);
  assert.equal(audit.status, 200, audit.body);
  const actions = audit.json.items.map((i) => i.action);
  for (const a of ['course.create', 'course.update', 'course.submit']) assert.ok(actions.includes(a), actions.join());
});

test('bad input is refused with the field named', async () => {
  const cases = [
    [{ series: 'nonsense' }, 'series'],
    [{ tags: ['a,b'] }, 'tags'],
    [{ tags: ['x'.repeat(21)] }, 'tags'],
    [{ lessons: [{ title: '' , file_id: 1 }] }, 'lessons'],
    [{ lessons: [{ title: '第一讲' }] }, 'lessons'],
    [{ sessions: [{ starts_at: '2030-01-01T10:00:00+08:00', ends_at: '2030-01-01T09:00:00+08:00', place: 'x', capacity: 3 }] }, 'sessions'],
    [{ lecturer_name: '' }, 'lecturer_name'],
  ];
  for (const [extra, field] of cases) {
    const r = await pd.post('/api/v1/course/courses', { series: 'art', title: '文艺党课', lecturer_name: '赵老师', org_id: pdOrg, ...extra });
    assert.equal(r.status, 422, `${JSON.stringify(extra)} → ${r.status} ${r.body}`);
    assert.ok(r.json.error.fields?.[field], r.body);
  }
  // a file that is not the caller's upload, and one that is not audio or video
  const hpFile = await uploadVideo(hp);
  const r = await pd.post('/api/v1/course/courses', { series: 'art', title: '文艺党课', lecturer_name: '赵老师', org_id: pdOrg, lessons: [{ title: '一', file_id: hpFile }] });
  assert.equal(r.status, 422, r.body);
  const doc = await upload(pd, Buffer.from('不是视频的文本'), { filename: '讲稿.txt', purpose: 'document' });
  const r2 = await pd.post('/api/v1/course/courses', { series: 'art', title: '文艺党课', lecturer_name: '赵老师', org_id: pdOrg, lessons: [{ title: '一', file_id: doc }] });
  assert.equal(r2.status, 415, r2.body);
  // nothing of the refused courses was left behind
  const list = await pd.get('/api/v1/course/courses?q=文艺党课');
  assert.equal(list.json.total, 0);
});

test('members find published courses by series, tag, lecturer, words and time; paging and sorting', async () => {
  const c = await publishedCourse();
  const find = async (q) => (await member.get(`/api/v1/course/catalog?${q}`)).json;
  const ids = (r) => r.items.map((i) => i.id);
  assert.ok(ids(await find('series=red_node')).includes(c.id));
  assert.ok(!ids(await find('series=archive')).includes(c.id));
  assert.ok(ids(await find(`tag=${encodeURIComponent('上海')}`)).includes(c.id));
  assert.ok(!ids(await find(`tag=${encodeURIComponent('上')}`)).includes(c.id), 'a tag matches whole');
  assert.ok(ids(await find(`lecturer=${encodeURIComponent('李')}`)).includes(c.id));
  assert.ok(ids(await find(`q=${encodeURIComponent('渔阳里')}`)).length === 0, 'lesson titles are not searched');
  assert.ok(ids(await find(`q=${encodeURIComponent('红色节点')}`)).includes(c.id));
  assert.ok(ids(await find(`from=${encodeURIComponent(new Date(Date.now() - 3600000).toISOString())}`)).includes(c.id));
  assert.ok(!ids(await find(`to=${encodeURIComponent(new Date(Date.now() - 3600000).toISOString())}`)).includes(c.id));
  const page = await find('page=1&page_size=1&sort=title');
  assert.equal(page.items.length, 1);
  assert.ok(page.total >= 2);
  assert.equal((await member.get('/api/v1/course/catalog?sort=secret')).status, 422);
  assert.equal((await member.get('/api/v1/course/catalog?series=x')).status, 422);
  const item = (await member.get(`/api/v1/course/catalog/${c.id}`)).json;
  assert.equal(item.sessions[0].place, '中共一大纪念馆');
  assert.equal(item.lessons[0].file_id, undefined, 'members reach media through the lesson, not the file');
});

test('another district neither sees nor manages the course, and members cannot manage', async () => {
  const c = await draft();
  assert.equal((await hp.get(`/api/v1/course/courses/${c.id}`)).status, 404);
  assert.equal((await hp.patch(`/api/v1/course/courses/${c.id}`, { title: '改' })).status, 404);
  assert.equal((await hp.del(`/api/v1/course/courses/${c.id}`)).status, 404);
  assert.equal((await hp.get(`/api/v1/course/courses/${c.id}/qr.png`)).status, 404);
  assert.ok(!(await hp.get('/api/v1/course/courses?page_size=200')).json.items.some((i) => i.id === c.id));
  assert.equal((await member.get('/api/v1/course/courses')).status, 403);
  assert.equal((await member.post('/api/v1/course/courses', { series: 'art', title: 'x', lecturer_name: 'y', org_id: pdOrg })).status, 403);
  // the organiser deletes a draft
  assert.equal((await pd.del(`/api/v1/course/courses/${c.id}`)).status, 204);
  assert.equal((await pd.get(`/api/v1/course/courses/${c.id}`)).status, 404);
});

test('the course list exports to .xlsx with Chinese headers and series names', async () => {
  await publishedCourse();
  const r = await fetch(`${srv.base}/api/v1/course/courses?format=xlsx&series=red_node`, { headers: { cookie: pd.cookie } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  const f = join(work, 'export.xlsx');
  writeFileSync(f, Buffer.from(await r.arrayBuffer()));
  const text = execFileSync('unzip', ['-p', f], { encoding: 'utf8' });
  assert.match(text, /系列/);
  assert.match(text, /红色节点党课/);
  assert.match(text, /红色节点里的上海/);
});

test("the course's QR code decodes with zbarimg to its members' page at the public address", async () => {
  const c = await publishedCourse();
  const r = await fetch(`${srv.base}/api/v1/course/courses/${c.id}/qr.png`, { headers: { cookie: pd.cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
  const png = join(work, 'qr.png');
  writeFileSync(png, Buffer.from(await r.arrayBuffer()));
  const decoded = execFileSync('zbarimg', ['--quiet', '--raw', png], { encoding: 'utf8' }).trim();
  assert.equal(decoded, `${PUBLIC}/m/courses/${c.id}`);
  const got = (await pd.get(`/api/v1/course/courses/${c.id}`)).json;
  assert.equal(got.member_url, decoded);
  const svg = await pd.get(`/api/v1/course/courses/${c.id}/qr.svg`);
  assert.equal(svg.status, 200);
  assert.match(svg.headers.get('content-type'), /image\/svg\+xml/);
  assert.match(svg.body, /^<svg [^>]*viewBox/);
  assert.equal((await pd.get(`/api/v1/course/courses/${c.id}/qr.png?scale=99`)).status, 422);
  // the printable sheet of the series holds the course with its code
  const sheet = await pd.get('/api/v1/course/qr-sheet?series=red_node');
  assert.equal(sheet.status, 200);
  assert.match(sheet.headers.get('content-type'), /text\/html/);
  assert.match(sheet.body, /红色节点党课/);
  assert.match(sheet.body, new RegExp(`data-course="${c.id}"[^]*?<svg`));
  assert.match(sheet.body, /红色节点里的上海/);
  assert.equal((await pd.get('/api/v1/course/qr-sheet')).status, 422, 'the series is required');
  assert.ok(!(await hp.get('/api/v1/course/qr-sheet?series=red_node')).body.includes('红色节点里的上海'), "another district's sheet");
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const beat = (who, lesson, position_ms, playing = true) => who.post(`/api/v1/course/lessons/${lesson}/progress`, { position_ms, playing });

test('seeking ahead counts nothing: a lesson is completed only when 90 % was actually watched', async () => {
  const c = await publishedCourse();
  const m = await makeUser(srv, admin, { username: 'course_m1', orgId: member.me.user.org_id, roles: ['member'] });
  const lesson = (await m.get(`/api/v1/course/catalog/${c.id}`)).json.lessons[0];
  assert.ok(lesson.duration_ms >= 3500, JSON.stringify(lesson));
  let r = await beat(m, lesson.id, 0);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.next_beat_s, 5);
  // the member drags the slider to the end at once
  r = await beat(m, lesson.id, lesson.duration_ms);
  assert.equal(r.json.counted_ms, 0);
  assert.equal(r.json.watched_ms, 0);
  assert.equal(r.json.completed, false);
  assert.equal(r.json.position_ms, lesson.duration_ms, 'the position moves: the member resumes there');
  // back to the start, then playing for real: one second of clock allows up to 2 s + 2 s of slack
  await beat(m, lesson.id, 0, false);
  await sleep(1000);
  r = await beat(m, lesson.id, 3000);
  assert.equal(r.json.counted_ms, 3000, r.body);
  assert.equal(r.json.completed, false, '75 % is not enough');
  // replaying a watched part adds nothing to what was watched
  await beat(m, lesson.id, 0, false);
  await sleep(600);
  r = await beat(m, lesson.id, 1000);
  assert.equal(r.json.watched_ms, 3000);
  // the rest, from where it stopped
  await beat(m, lesson.id, 3000, false);
  await sleep(600);
  r = await beat(m, lesson.id, Math.ceil(lesson.duration_ms * 0.92));
  assert.ok(r.json.completed, r.body);
  assert.ok(r.json.watched_ms >= lesson.duration_ms * 0.9);
});

test('the resume position follows the member to another device, and 我的学习 sums it up', async () => {
  const c = await publishedCourse();
  const phone = await makeUser(srv, admin, { username: 'course_m2', orgId: member.me.user.org_id, roles: ['member'] });
  const pc = await srv.login('course_m2', `${PASSWORD}x`).catch(() => srv.login('course_m2', PASSWORD));
  const [l1, l2] = (await phone.get(`/api/v1/course/catalog/${c.id}`)).json.lessons;
  await beat(phone, l2.id, 0);
  await sleep(1000);
  await beat(phone, l2.id, 2500);
  const seen = (await pc.get(`/api/v1/course/catalog/${c.id}`)).json.lessons;
  assert.equal(seen[1].position_ms, 2500, 'the other device resumes at 2.5 s');
  assert.equal(seen[1].watched_ms, 2500);
  assert.equal(seen[0].position_ms, 0);
  // the first lesson watched to the end on the computer
  await beat(pc, l1.id, 0);
  await sleep(1200);
  await beat(pc, l1.id, l1.duration_ms);
  const my = (await phone.get('/api/v1/course/my-learning')).json;
  const mine = my.items.find((i) => i.course_id === c.id);
  assert.ok(mine, JSON.stringify(my));
  assert.equal(mine.lessons_count, 2);
  assert.equal(mine.lessons_completed, 1);
  assert.equal(mine.last_lesson_id, l1.id);
  assert.equal(mine.progress, 0.5);
  assert.ok(my.totals.watched_ms >= 2500 + l1.duration_ms * 0.9);
  assert.equal(my.totals.lessons_completed, 1);
  // someone else's learning is not theirs
  const other = (await member.get('/api/v1/course/my-learning')).json;
  assert.ok(!other.items.some((i) => i.course_id === c.id && i.lessons_completed === 1 && i.last_lesson_id === l1.id && i.watched_ms === mine.watched_ms));
  // bad beats
  assert.equal((await phone.post(`/api/v1/course/lessons/${l1.id}/progress`, { position_ms: -1 })).status, 422);
  assert.equal((await phone.post(`/api/v1/course/lessons/${l1.id}/progress`, {})).status, 422);
  const d = await draft();
  assert.equal((await phone.post('/api/v1/course/lessons/999999/progress', { position_ms: 1 })).status, 404);
  assert.equal(d.lessons.length, 0);
});

test("organisers see learning by their members' organisations and export it; another district sees none of it", async () => {
  await publishedCourse();
  const s = await pd.get('/api/v1/course/stats');
  assert.equal(s.status, 200, s.body);
  assert.ok(s.json.totals.learners >= 2, s.body);
  assert.ok(s.json.totals.lessons_completed >= 2, s.body);
  const sum = s.json.items.reduce((a, i) => a + i.lessons_completed, 0);
  assert.equal(sum, s.json.totals.lessons_completed);
  const hs = (await hp.get('/api/v1/course/stats')).json;
  assert.equal(hs.totals.learners, 0, "Huangpu's organiser sees no Pudong member's learning");
  assert.equal((await member.get('/api/v1/course/stats')).status, 403);
  const r = await fetch(`${srv.base}/api/v1/course/stats/export?series=red_node`, { headers: { cookie: pd.cookie } });
  assert.equal(r.status, 200);
  const f = join(work, 'stats.xlsx');
  writeFileSync(f, Buffer.from(await r.arrayBuffer()));
  const text = execFileSync('unzip', ['-p', f], { encoding: 'utf8' });
  assert.match(text, /党员所在组织/);
  assert.match(text, /合计/);
});

test('a rating per member, editable; a comment with a sensitive word is held for moderation, and averages are public', async () => {
  const c = await publishedCourse();
  // the system administrator adds a sensitive word to the lexicons
  const lex = await admin.post('/api/v1/lexicons', { name: '课程评价敏感词', category: 'sensitive', severity: 'block' });
  assert.equal(lex.status, 201, lex.body);
  assert.equal((await admin.post(`/api/v1/lexicons/${lex.json.id}/entries`, { word: '违禁测试词' })).status, 201);
  const a = await makeUser(srv, admin, { username: 'course_r1', orgId: member.me.user.org_id, roles: ['member'] });
  const b = await makeUser(srv, admin, { username: 'course_r2', orgId: member.me.user.org_id, roles: ['member'] });
  let r = await a.put(`/api/v1/course/catalog/${c.id}/rating`, { content: 5, lecturer: 4, form: 3, comment: '讲得生动，很受教育' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.status, 'published');
  // one per member: a second rating replaces the first
  r = await a.put(`/api/v1/course/catalog/${c.id}/rating`, { content: 4, lecturer: 4, form: 4, comment: '讲得生动，很受教育！' });
  assert.equal(r.status, 200, r.body);
  const held = await b.put(`/api/v1/course/catalog/${c.id}/rating`, { content: 2, lecturer: 2, form: 2, comment: '这里有违禁测试词' });
  assert.equal(held.status, 200, held.body);
  assert.equal(held.json.status, 'held');
  assert.match(held.json.message, /审核/);
  let pub = (await member.get(`/api/v1/course/catalog/${c.id}/ratings`)).json;
  assert.equal(pub.averages.count, 2);
  assert.equal(pub.averages.content, 3);
  assert.deepEqual(pub.items.map((i) => i.comment), ['讲得生动，很受教育！'], 'the held comment is not shown');
  assert.equal(pub.mine, null);
  const mine = (await b.get(`/api/v1/course/catalog/${c.id}/ratings`)).json.mine;
  assert.equal(mine.status, 'held', 'the member sees their own comment waiting');
  // bad scores
  assert.equal((await a.put(`/api/v1/course/catalog/${c.id}/rating`, { content: 6, lecturer: 1, form: 1 })).status, 422);
  assert.equal((await a.put(`/api/v1/course/catalog/${c.id}/rating`, { content: 3 })).status, 422);
  // moderation: Pudong's organiser sees it, Huangpu's does not
  const list = (await pd.get('/api/v1/course/ratings?status=held')).json;
  const item = list.items.find((i) => i.id === held.json.id);
  assert.ok(item, JSON.stringify(list));
  assert.ok(item.findings.length >= 1);
  assert.ok(!(await hp.get('/api/v1/course/ratings?status=held')).json.items.some((i) => i.id === held.json.id));
  assert.equal((await hp.post(`/api/v1/course/ratings/${held.json.id}/moderate`, { action: 'publish' })).status, 404);
  assert.equal((await member.get('/api/v1/course/ratings')).status, 403);
  const m = await pd.post(`/api/v1/course/ratings/${held.json.id}/moderate`, { action: 'publish' });
  assert.equal(m.status, 200, m.body);
  assert.equal(m.json.status, 'published');
  assert.equal((await pd.post(`/api/v1/course/ratings/${held.json.id}/moderate`, { action: 'reject' })).status, 409);
  pub = (await member.get(`/api/v1/course/catalog/${c.id}/ratings`)).json;
  assert.equal(pub.items.length, 2);
});
