// 修订 of a published lecture in the console: the organiser opens 修订 on the
// lecture's page, changes the speaker and a session's time, saves (修订中),
// submits (修订审核中) while the members' catalogue keeps the published
// lecture; the district reviewer sees what changes (修订内容: before → after)
// in the review panel on the same page and returns it (修订退回), the
// published lecture unchanged; resubmitted and approved by both levels, the
// new speaker is published and the booked member is told of the new time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, member, lecture;

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  member = await ctx.srv.login('dangyuan01', DEMO);
  const starts = Date.now() + 3 * 86400000;
  const r = await pd.post('/api/v1/lecture/lectures', {
    title: '修订测试讲堂', speaker: '王老师', place: '浦东新区党群服务中心', capacity: 10, org_id: pd.me.user.org_id,
    starts_at: new Date(starts).toISOString(), ends_at: new Date(starts + 2 * 3600000).toISOString(),
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${r.json.id}/submit`)).status, 200);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    assert.equal((await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' })).status, 200);
  }
  lecture = (await pd.get(`/api/v1/lecture/lectures/${r.json.id}`)).json;
  assert.equal((await member.post(`/api/v1/lecture/sessions/${lecture.sessions[0].id}/book`)).status, 201);
});

after(async () => {
  await ctx?.stop();
});

const decideIn = async (page, action, opinion) => {
  await page.locator('[data-test=review-decide]').waitFor();
  await page.locator(`[data-test=decide-action] [data-action=${action}]`).click();
  await page.locator('[data-test=decide-opinion] textarea, textarea[data-test=decide-opinion]').fill(opinion);
  await page.locator('[data-test=decide-submit]').click();
};

test('the organiser revises a published lecture; the reviewer sees what changes; members see it only once approved', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/lecture/lectures/${lecture.id}`);
    await page.locator('[data-test=lecture-revise]').click();
    const form = page.locator('[data-test=lecture-revision-form]');
    await form.waitFor();
    await page.locator('[data-test=revision-speaker] input, input[data-test=revision-speaker]').fill('李老师');
    // the first session one day later: the date pickers take typed text
    const later = new Date(Date.parse(lecture.sessions[0].starts_at) + 86400000);
    const laterEnd = new Date(later.getTime() + 2 * 3600000);
    const fmt = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    const pickers = page.locator('[data-test=revision-session-0] .el-date-editor input');
    for (const [i, d] of [[0, later], [1, laterEnd]]) {
      await pickers.nth(i).click();
      await pickers.nth(i).fill(fmt(d));
      await pickers.nth(i).press('Enter');
    }
    await page.locator('[data-test=revision-save]').click();
    await form.waitFor({ state: 'hidden' });
    await until(async () => (await page.locator('[data-test=lecture-revision-status]').textContent())?.includes('修订中'), '修订中');
    const changes = page.locator('[data-test=lecture-revision-changes]');
    assert.match(await changes.textContent(), /李老师/);
    await page.locator('[data-test=lecture-revision-submit]').click();
    await until(async () => (await page.locator('[data-test=lecture-revision-status]').textContent())?.includes('修订审核中'), '修订审核中');
    assert.equal((await member.get(`/api/v1/lecture/catalog/${lecture.id}`)).json.speaker, '王老师', 'members keep the published lecture');
  });
  // the district reviewer on the lecture's page: 修订内容, then a return
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_shenhe', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/review/items/${lecture.review_id}`);
    const diff = page.locator('[data-test=review-revision]');
    await diff.waitFor();
    const text = await diff.textContent();
    assert.match(text, /主讲人/);
    assert.match(text, /王老师/);
    assert.match(text, /李老师/);
    assert.match(text, /场次/);
    await decideIn(page, 'return', '请补充场次变更原因');
    await until(async () => (await pd.get(`/api/v1/lecture/lectures/${lecture.id}`)).json.revision?.status === 'returned', 'returned');
  });
  assert.equal((await member.get(`/api/v1/lecture/catalog/${lecture.id}`)).json.speaker, '王老师');
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/lecture/lectures/${lecture.id}`);
    await until(async () => (await page.locator('[data-test=lecture-revision-badge]').textContent())?.includes('修订退回'), '修订退回 badge');
    await page.locator('[data-test=lecture-revision-submit]').click();
    await until(async () => (await page.locator('[data-test=lecture-revision-status]').textContent())?.includes('修订审核中'), 'resubmitted');
  });
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    const d = await c.post(`/api/v1/review/items/${lecture.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(d.status, 200, d.body);
  }
  const seen = (await member.get(`/api/v1/lecture/catalog/${lecture.id}`)).json;
  assert.equal(seen.speaker, '李老师');
  const note = (await member.get('/api/v1/notifications')).json.items.find((x) => x.kind === 'lecture.session_changed');
  assert.ok(note, 'the booked member is told of the new time');
});
