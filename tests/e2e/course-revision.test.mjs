// 修订 of a published course in the console (issue 13): the organiser opens
// 修订 on the course's page, changes the introduction and an in-person
// session's capacity; a capacity below the seats held is refused with the
// server's Chinese message beside that session (名额不能少于已预约的 2 人);
// saved (修订中) and submitted (修订审核中) while the members keep the
// published course; the district reviewer sees 修订内容 (before → after) and
// approves, the city approves, and the member's course page on a phone shows
// the new introduction and capacity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uploadVideo } from './lib/media.mjs';
import { startConsole, PHONE, withPage, login, until, freshTotp, TOTP_SECRET, ADMIN_PASSWORD } from './lib/console.mjs';
import { makeUser } from '../api/lib/contract.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, member, course;


before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  member = await ctx.srv.login('dangyuan01', DEMO);
  const admin = await ctx.srv.login('admin', ADMIN_PASSWORD, await freshTotp(TOTP_SECRET, 'admin'));
  const second = await makeUser(ctx.srv, admin, { username: 'e2e_course_rev_m1', orgId: member.me.user.org_id, roles: ['member'] });
  const f = await uploadVideo(pd, 3, '160x90');
  const t = Date.now() + 3 * 86400000;
  const r = await pd.post('/api/v1/course/courses', {
    series: 'route', title: '端到端修订党课：红色足迹', lecturer_name: '陈老师', tags: ['红色'], org_id: pd.me.user.org_id,
    introduction: '原来的课程简介', lessons: [{ title: '第一讲', file_id: f }],
    sessions: [{ starts_at: new Date(t).toISOString(), ends_at: new Date(t + 2 * 3600000).toISOString(), place: '中共一大纪念馆', capacity: 5 }],
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/course/courses/${r.json.id}/submit`)).status, 200);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    const d = await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(d.status, 200, d.body);
  }
  course = (await pd.get(`/api/v1/course/courses/${r.json.id}`)).json;
  for (const m of [member, second]) assert.equal((await m.post(`/api/v1/course/sessions/${course.sessions[0].id}/book`)).status, 201);
});

after(async () => {
  await ctx?.stop();
});

const capacityInput = (page) => page.locator('[data-test=revision-session-0] [data-test=revision-session-capacity] input');

test('the organiser revises a published course (text and a session\'s capacity); a capacity below the booked seats shows the 422\'s message; approved, the member\'s page shows the new version', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/course/courses/${course.id}`);
    await page.locator('[data-test=course-revise]').click();
    const form = page.locator('[data-test=course-revision-form]');
    await form.waitFor();
    await page.locator('[data-test=revision-introduction] textarea, textarea[data-test=revision-introduction]').fill('修订后的课程简介');
    // below the two seats held: the server's 422, shown beside the session
    await capacityInput(page).fill('1');
    await capacityInput(page).press('Tab');
    await page.locator('[data-test=revision-save]').click();
    await until(async () => (await page.locator('[data-test=revision-session-error-0]').allTextContents()).join('').includes('名额不能少于已预约的 2 人'),
      'the 422 message beside the session');
    assert.ok(await form.isVisible(), 'the form stays open');
    // a capacity that holds the bookings
    await capacityInput(page).fill('12');
    await capacityInput(page).press('Tab');
    await page.locator('[data-test=revision-save]').click();
    await form.waitFor({ state: 'hidden' });
    await until(async () => (await page.locator('[data-test=course-revision-status]').textContent())?.includes('修订中'), '修订中');
    const changes = await page.locator('[data-test=course-revision-changes]').textContent();
    assert.match(changes, /修订后的课程简介/);
    assert.match(changes, /名额 12/);
    await page.locator('[data-test=course-revision-submit]').click();
    await until(async () => (await page.locator('[data-test=course-revision-status]').textContent())?.includes('修订审核中'), '修订审核中');
  });
  assert.equal((await member.get(`/api/v1/course/catalog/${course.id}`)).json.introduction, '原来的课程简介', 'members keep the published course');
  // the district reviewer sees what changes and approves in the console
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_shenhe', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/review/items/${course.review_id}`);
    const diff = page.locator('[data-test=review-revision]');
    await diff.waitFor();
    const text = await diff.textContent();
    assert.match(text, /课程简介/);
    assert.match(text, /原来的课程简介/);
    assert.match(text, /修订后的课程简介/);
    assert.match(text, /名额 5，中共一大纪念馆/);
    assert.match(text, /名额 12，中共一大纪念馆/);
    await page.locator('[data-test=review-decide]').waitFor();
    await page.locator('[data-test=decide-action] [data-action=approve]').click();
    await page.locator('[data-test=decide-opinion] textarea, textarea[data-test=decide-opinion]').fill('同意');
    await page.locator('[data-test=decide-submit]').click();
    await until(async () => (await pd.get(`/api/v1/course/courses/${course.id}`)).json.revision?.review_level === 2, 'the city level next');
  });
  const city = await ctx.srv.login('shi_shenhe', DEMO);
  const d = await city.post(`/api/v1/review/items/${course.review_id}/decision`, { action: 'approve', opinion: '同意' });
  assert.equal(d.status, 200, d.body);
  // the member's course page on a phone shows the new version
  await withPage(t, ctx, async (page) => {
    await page.goto(`${ctx.base}/m/courses/${course.id}`);
    await page.waitForURL(/\/m\/login/);
    await page.locator('[data-test=m-username] input').fill('dangyuan01');
    await page.locator('[data-test=m-password] input').fill(DEMO);
    await page.locator('[data-test=m-login-submit]').tap();
    await page.waitForURL(new RegExp(`/m/courses/${course.id}$`));
    await page.locator('[data-test=m-course-title]').waitFor();
    await until(async () => (await page.textContent('body')).includes('修订后的课程简介'), 'the new introduction');
    const session = await page.locator('[data-test=m-course-session]').first().textContent();
    assert.match(session, /名额 12/);
  }, PHONE);
});
