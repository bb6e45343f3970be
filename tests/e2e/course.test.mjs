// 系列党课 in a real browser. On a phone (390×844, touch, /m/): a member finds
// a published course under its series, plays its video lesson — the player
// reports the progress — and on a second browser (another device) the course
// resumes where the first one stopped; dragging the slider past what was not
// watched does not complete the lesson. In the console: the organiser finds
// the course by series and sees its QR code and the members' address. A
// course's in-person session is booked on the phone (the success message,
// 我的预约 over both kinds, cancel) and its list and check-in code shown in
// the console, where the organiser then calls the session off (the member is
// told).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uploadVideo } from './lib/media.mjs';
import { startConsole, PHONE, withPage, login, until, freshTotp, TOTP_SECRET, ADMIN_PASSWORD } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, member, course;


before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  member = await ctx.srv.login('dangyuan01', DEMO);
  const f1 = await uploadVideo(pd, 30);
  const f2 = await uploadVideo(pd, 20);
  const r = await pd.post('/api/v1/course/courses', {
    series: 'scenario', title: '端到端情景党课：南湖红船', lecturer_name: '陈老师', tags: ['红船'], org_id: pd.me.user.org_id,
    introduction: '情景再现南湖会议', lessons: [{ title: '第一幕', file_id: f1 }, { title: '第二幕', file_id: f2 }],
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/course/courses/${r.json.id}/submit`)).status, 200);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    const d = await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(d.status, 200, d.body);
  }
  course = (await pd.get(`/api/v1/course/courses/${r.json.id}`)).json;
});

after(async () => {
  await ctx?.stop();
});

async function mobileLogin(page, next = '/m/') {
  await page.goto(ctx.base + next);
  await page.waitForURL(/\/m\/login/);
  await page.locator('[data-test=m-username] input').fill('dangyuan01');
  await page.locator('[data-test=m-password] input').fill(DEMO);
  await page.locator('[data-test=m-login-submit]').tap();
}
const lessonOf = async (i) => (await member.get(`/api/v1/course/catalog/${course.id}`)).json.lessons[i];

test('on a phone the member plays a lesson, and on another device the course resumes where it stopped', async (t) => {
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page);
    await page.waitForSelector('[data-test=m-tabbar]');
    await page.locator('[data-test=m-tab-courses]').tap();
    await page.getByRole('tab', { name: '情景党课' }).tap();
    await page.locator('[data-test=m-course-card]', { hasText: '南湖红船' }).tap();
    await page.waitForURL(new RegExp(`/m/courses/${course.id}$`));
    await page.locator('[data-test=m-course-title]').waitFor();
    const video = page.locator('[data-test=m-player]');
    await until(() => video.evaluate((v) => v.readyState >= 1), 'the lesson loads');
    await video.evaluate((v) => { v.muted = true; return v.play(); });
    // the player beats every 5 s while playing
    await until(async () => (await lessonOf(0)).watched_ms >= 4000, 'the progress reaches the server', 20000);
    await video.evaluate((v) => v.pause());
    await until(async () => (await lessonOf(0)).position_ms >= 4000, 'the pause records the position');
  }, PHONE);
  const at = (await lessonOf(0)).position_ms;
  // the other device: a fresh browser, the same member
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page, `/m/courses/${course.id}`);
    await page.waitForURL(new RegExp(`/m/courses/${course.id}$`));
    await page.locator('[data-test=m-resume]').waitFor();
    const video = page.locator('[data-test=m-player]');
    await until(async () => Math.abs((await video.evaluate((v) => v.currentTime)) * 1000 - at) < 1500, `the player resumes at ${at} ms`);
  }, PHONE);
});

test('dragging the slider past the unwatched part does not complete the lesson', async (t) => {
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page, `/m/courses/${course.id}`);
    await page.waitForURL(new RegExp(`/m/courses/${course.id}$`));
    await page.locator('[data-test=m-lesson]', { hasText: '第二幕' }).tap();
    const video = page.locator('[data-test=m-player]');
    await until(() => video.evaluate((v) => v.readyState >= 1 && v.duration > 10), 'the second lesson loads');
    await video.evaluate((v) => { v.muted = true; return v.play(); });
    await page.waitForTimeout(1500);
    // to the very end
    await video.evaluate((v) => { v.currentTime = v.duration - 0.3; });
    // reported by the beat on 'seeked' (and again on 'ended'); under CI load
    // the last HLS segment can take a while to arrive
    await until(async () => (await lessonOf(1)).position_ms >= 18000, 'the seek is reported', 25000);
    await page.waitForTimeout(1500);
    const l = await lessonOf(1);
    assert.equal(l.completed, false, JSON.stringify(l));
    assert.ok(l.watched_ms < 10000, JSON.stringify(l));
    assert.equal(await page.locator('[data-test=m-lesson-done]').count(), 0);
  }, PHONE);
});

test('in the console the organiser finds the course by series and shows its QR code', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/course/courses`);
    await page.locator('[data-test=course-filter-series]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '情景党课' }).click();
    await page.locator('[data-test=course-row-title]', { hasText: '南湖红船' }).click();
    await page.waitForSelector('[data-test=course-detail-title]');
    const img = page.locator('[data-test=course-qr-img]');
    await until(() => img.evaluate((i) => i.complete && i.naturalWidth > 0), 'the QR code shows');
    assert.match(await page.locator('[data-test=course-qr] input').inputValue(), new RegExp(`/m/courses/${course.id}$`));
    assert.match(await page.locator('[data-test=course-lessons-table]').textContent(), /第一幕[\s\S]*第二幕/);
  });
});

test('a member rates the course on the phone; a comment with a sensitive word waits, and the organiser publishes it in the console', async (t) => {
  const admin = await ctx.srv.login('admin', ADMIN_PASSWORD, await freshTotp(TOTP_SECRET, 'admin'));
  const lex = await admin.post('/api/v1/lexicons', { name: '端到端敏感词', category: 'sensitive', severity: 'block' });
  assert.equal(lex.status, 201, lex.body);
  assert.equal((await admin.post(`/api/v1/lexicons/${lex.json.id}/entries`, { word: '违禁测试词' })).status, 201);
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page, `/m/courses/${course.id}`);
    await page.waitForURL(new RegExp(`/m/courses/${course.id}$`));
    await page.locator('[data-test=m-rate-submit]').scrollIntoViewIfNeeded();
    for (const k of ['content', 'lecturer', 'form']) await page.locator(`[data-test=m-rate-${k}] .van-rate__item`).nth(3).tap();
    await page.locator('[data-test=m-rate-comment] textarea').fill('这里有违禁测试词');
    await page.locator('[data-test=m-rate-submit]').tap();
    await page.getByText('审核通过后公开').first().waitFor();
    await page.locator('[data-test=m-rating-held]').waitFor();
    assert.match(await page.locator('[data-test=m-rating-avg]').textContent(), /4\.0/);
    assert.equal(await page.locator('[data-test=m-rating-item]').count(), 0, 'the held comment is not shown');
  }, PHONE);
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/course/ratings`);
    const row = page.locator('[data-test=course-ratings-table] tr', { hasText: '违禁测试词' });
    await row.locator('[data-test=rating-publish]').click();
    await until(async () => (await member.get(`/api/v1/course/catalog/${course.id}/ratings`)).json.items.length === 1, 'the comment is published');
  });
});

test("on a phone a member books a course's in-person session, reads the success message, finds it in 我的预约 and cancels it; the organiser sees the list", async (t) => {
  const f = await uploadVideo(pd, 2);
  const when = Date.now() + 3 * 86400000;
  const r = await pd.post('/api/v1/course/courses', {
    series: 'route', title: '端到端面授党课：初心之路', lecturer_name: '何老师', org_id: pd.me.user.org_id,
    lessons: [{ title: '序', file_id: f }],
    sessions: [{ starts_at: new Date(when).toISOString(), ends_at: new Date(when + 7200000).toISOString(), place: '中共一大纪念馆', capacity: 20 }],
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/course/courses/${r.json.id}/submit`)).status, 200);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    assert.equal((await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' })).status, 200);
  }
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page, `/m/courses/${r.json.id}`);
    await page.waitForURL(new RegExp(`/m/courses/${r.json.id}$`));
    await page.locator('[data-test=m-course-book]').tap();
    const dialog = page.locator('.van-dialog');
    await dialog.getByText('预约成功').first().waitFor();
    assert.match(await dialog.textContent(), /预约成功：《端到端面授党课：初心之路》.*中共一大纪念馆/);
    await page.locator('.van-dialog__confirm').tap();
    await until(async () => (await page.locator('[data-test=m-course-my-status]').count()) === 1, 'the session shows the booking');
    assert.equal((await page.locator('[data-test=m-course-my-status]').textContent()).trim(), '已确认');
    await page.goto(`${ctx.base}/m/bookings`);
    const booking = page.locator('[data-test=m-booking]', { hasText: '初心之路' });
    assert.equal((await booking.locator('[data-test=m-booking-status]').textContent()).trim(), '已确认');
    assert.match(await booking.textContent(), /党课/);
    await booking.locator('[data-test=m-booking-cancel]').tap();
    await page.locator('.van-dialog__confirm').tap();
    await until(async () => (await booking.locator('[data-test=m-booking-status]').textContent()).trim() === '已取消', 'the booking shows 已取消');
  }, PHONE);
  const mine = (await member.get('/api/v1/course/my-bookings')).json.items.find((b) => b.course_id === r.json.id);
  assert.equal(mine.status, 'cancelled');
  // booked again, for the organiser to call the session off below
  const sid = (await member.get(`/api/v1/course/catalog/${r.json.id}`)).json.sessions[0].id;
  assert.equal((await member.post(`/api/v1/course/sessions/${sid}/book`)).status, 201);
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/course/courses/${r.json.id}`);
    await page.locator('[data-test=course-bookings]').first().click();
    const drawer = page.locator('[data-test=course-bookings-drawer]');
    await drawer.getByText('已取消').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('[data-test=course-checkin-qr]').first().click();
    assert.match(await page.locator('[data-test=course-qr-dialog] input').inputValue(), /\/m\/checkin\?kind=course&token=\d+\.[0-9a-f]{32}$/);
    await page.keyboard.press('Escape');
    // 取消场次: the member who booked is told with the reason
    await page.locator('[data-test=course-call-off]').first().click();
    await page.locator('.el-message-box input').fill('场馆临时检修');
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await until(async () => (await member.get('/api/v1/notifications')).json.items.some((x) => x.kind === 'course.session_cancelled' && x.body === '场馆临时检修'), 'the member is told');
    await until(async () => (await page.locator('[data-test=course-sessions-table]').count()) === 0, 'the session leaves the schedule');
  });
});
