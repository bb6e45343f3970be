// 远教直播 in a real browser: a party member finds the city's approved
// stream in the live calendar's month view (and in the week view), opens
// its card and goes to the player; a draft is not there. A party worker's
// booking form refuses an end before the start in place, then books.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, approved, draft;

const pad = (n) => String(n).padStart(2, '0');
// the Shanghai calendar day of a time, and a time typed into a date picker
const day = (ms) => {
  const d = new Date(ms + 8 * 3600000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};
const typed = (ms) => {
  const d = new Date(ms + 8 * 3600000);
  return `${day(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  const pd = await ctx.srv.login('pudong_dangwu', DEMO);
  const city = await ctx.srv.login('shi_shenhe', DEMO);
  const org = pd.me.user.org_id;
  // tomorrow 09:00 in Shanghai: a stream that never crosses midnight, whenever the
  // suite runs (one that did showed in two days of the week view); the demo's
  // Pudong stream tomorrow is at 14:00
  const CST = 8 * 3600000;
  const at = (Math.floor((Date.now() + CST) / 86400000) + 1) * 86400000 - CST + 9 * 3600000;
  const mk = async (title, starts) => {
    const r = await pd.post('/api/v1/live/streams', {
      title, speaker: '浏览器测试讲师', source_type: 'url', stream_url: 'https://live.example.cn/e2e.m3u8', org_id: org,
      starts_at: new Date(starts).toISOString(), ends_at: new Date(starts + 3600000).toISOString(),
    });
    assert.equal(r.status, 201, r.body);
    return r.json;
  };
  approved = await mk('端到端测试直播课', at);
  draft = await mk('尚未审核的直播课', at + 2 * 3600000);
  assert.equal((await pd.post(`/api/v1/live/streams/${approved.id}/submit`)).status, 200);
  const d = await city.post(`/api/v1/review/items/${approved.review_id}/decision`, { action: 'approve', opinion: '同意' });
  assert.equal(d.status, 200, d.body);
});
after(async () => {
  await ctx?.stop();
});

test('the calendar shows an approved stream in the month view, and the week view; its card leads to the player', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'dangyuan01', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    const date = day(Date.parse(approved.starts_at));
    await page.goto(`${ctx.base}/live/calendar?view=month&date=${date}`);
    const cell = page.locator(`[data-test=cal-month] .cell[data-day="${date}"]`);
    await cell.locator('[data-test=cal-event]', { hasText: approved.title }).waitFor();
    assert.equal(await page.locator('[data-test=cal-event]', { hasText: draft.title }).count(), 0, 'a draft is not in the calendar');
    await page.locator('[data-test=cal-view] label', { hasText: '周' }).click();
    await page.locator('[data-test=cal-week] [data-test=cal-event]', { hasText: approved.title }).waitFor();
    await page.locator('[data-test=cal-week] [data-test=cal-event]', { hasText: approved.title }).click();
    const card = page.locator('[data-test=cal-card]');
    await card.getByText('浏览器测试讲师').waitFor();
    await card.locator('[data-test=cal-watch]').click();
    await page.waitForURL(`**/live/watch/${approved.id}`);
    await page.locator('[data-test=watch-title]', { hasText: approved.title }).waitFor();
    await page.locator('[data-test=live-video]').waitFor({ state: 'attached' });
  });
});

test('the booking form refuses an end before the start, then books', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/live/streams`);
    await page.locator('[data-test=live-new]').click();
    const form = page.locator('[data-test=live-form]');
    await form.waitFor();
    const item = (label) => form.locator('.el-form-item', { has: page.locator('.el-form-item__label', { hasText: label }) });
    await form.locator('[data-test=live-title]').fill('表单校验直播课');
    await form.locator('[data-test=live-speaker]').fill('校验讲师');
    const starts = Date.now() + 10 * 86400000;
    await item('开始时间').locator('input').fill(typed(starts));
    await item('开始时间').locator('input').press('Enter');
    await item('结束时间').locator('input').fill(typed(starts - 3600000));
    await item('结束时间').locator('input').press('Enter');
    await form.locator('[data-test=live-url]').fill('https://live.example.cn/form.m3u8');
    await form.locator('[data-test=live-save]').click();
    await item('结束时间').locator('.el-form-item__error', { hasText: '结束时间须晚于开始时间' }).waitFor();
    const n = (await (await page.request.get(`${ctx.base}/api/v1/live/streams?q=${encodeURIComponent('表单校验')}`)).json()).total;
    assert.equal(n, 0, 'nothing was booked');
    await item('结束时间').locator('input').fill(typed(starts + 2 * 3600000));
    await item('结束时间').locator('input').press('Enter');
    await form.locator('[data-test=live-save]').click();
    await form.waitFor({ state: 'hidden' });
    await page.locator('[data-test=live-table] .el-table__body tr', { hasText: '表单校验直播课' }).waitFor();
  });
});
