// The notification bell and the message centre in a real browser against a
// real server: the badge appears and rises while the page stays open (the
// count is pushed over Server-Sent Events), the dropdown opens a message and
// marks all read, the message centre filters, marks and deletes — all in
// Chinese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const DEMO_PW = 'Zhendi@Demo2026';
let ctx;
before(async () => { ctx = await startConsole({ args: ['--demo'] }); });
after(async () => { await ctx?.stop(); });

function send(user, title, extra = []) {
  const r = ctx.srv.cli(['notify', 'send', '--user', user, '--title', title, ...extra]);
  assert.equal(r.status, 0, r.stderr);
}
async function enter(page, user) {
  await login(page, ctx.base, user, DEMO_PW);
  await page.waitForSelector('[data-test=notify-bell]');
}
const badge = (page) => page.locator('[data-test=notify-badge] .el-badge__content');
async function badgeIs(page, text, timeout = 5000) {
  await until(async () => (await badge(page).isVisible()) && (await badge(page).textContent()).trim() === text, `the badge shows ${text}`, timeout);
}
// no code, English word or placeholder where a Chinese word belongs
async function allChinese(scope, what) {
  const text = await scope.innerText();
  for (const bad of ['undefined', 'null', 'NaN', 'review.', 'system', 'Invalid Date'])
    assert.ok(!text.includes(bad), `${what} shows "${bad}": ${text}`);
}

test('the bell\'s badge appears and rises live as messages arrive', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enter(page, 'pudong_dangwu');
    assert.equal(await badge(page).isVisible(), false, 'no badge without unread messages');
    await page.waitForTimeout(300); // the stream is open
    const t0 = Date.now();
    send('pudong_dangwu', '您有一条新的审核待办', ['--body', '《社区党课》等待您审核。', '--link', '/storage/files']);
    await badgeIs(page, '1');
    const first = Date.now() - t0;
    send('pudong_dangwu', '系统将于今晚维护');
    await badgeIs(page, '2');
    console.log(`badge updated ${first} ms after the command started (its run included)`);
    const label = await page.locator('[data-test=notify-bell]').getAttribute('aria-label');
    assert.equal(label, '消息中心，2 条未读');
  });
});

test('the dropdown lists the newest unread, opens one and marks all read', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enter(page, 'pudong_dangwu');
    await badgeIs(page, '2');
    await page.click('[data-test=notify-bell]');
    const pop = page.locator('.notify-pop');
    await pop.waitFor();
    const items = pop.locator('[data-test=notify-item]');
    await until(async () => (await items.count()) === 2, 'two messages in the dropdown');
    assert.match(await items.first().innerText(), /系统将于今晚维护[\s\S]*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await pop.getByText('系统消息').first().waitFor();
    await allChinese(pop, 'the dropdown');
    // opening one marks it read and goes to its page
    await items.filter({ hasText: '审核待办' }).click();
    await page.waitForURL(/\/storage\/files$/);
    await badgeIs(page, '1');
    await page.click('[data-test=notify-bell]');
    await pop.locator('[data-test=notify-read-all]').click();
    await page.getByText('已将 1 条消息标为已读').waitFor();
    await until(async () => !(await badge(page).isVisible()), 'the badge is gone');
    await pop.locator('[data-test=notify-empty]', { hasText: '暂无未读消息' }).waitFor();
    await pop.locator('[data-test=notify-view-all]').click();
    await page.waitForURL(/\/notifications$/);
  });
});

test('the message centre shows all or unread, filters by kind, marks read and deletes', async (t) => {
  await withPage(t, ctx, async (page) => {
    for (const title of ['第一条通知', '第二条通知', '第三条通知']) send('huangpu_dangwu', title);
    await enter(page, 'huangpu_dangwu');
    await page.goto(ctx.base + '/notifications');
    const tabs = page.locator('[data-test=notify-tabs]');
    await tabs.getByText('未读（3）').waitFor();
    const rows = page.locator('[data-test=notify-table] .el-table__body tr');
    await until(async () => (await rows.count()) === 3, 'three messages');
    assert.match(await rows.first().innerText(), /第三条通知[\s\S]*系统消息[\s\S]*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[\s\S]*未读/);
    await allChinese(page.locator('.main'), 'the message centre');
    for (const h of ['标题', '类型', '时间', '状态', '操作']) await page.locator('.el-table__header', { hasText: h }).first().waitFor();
    // mark two read through the selection
    await rows.nth(0).locator('.el-checkbox').click();
    await rows.nth(1).locator('.el-checkbox').click();
    await page.click('[data-test=notify-mark-selected]');
    await page.getByText('已将 2 条消息标为已读').waitFor();
    await tabs.getByText('未读（1）').waitFor();
    await badgeIs(page, '1');
    // the unread tab
    await tabs.getByText('未读（1）').click();
    await until(async () => (await rows.count()) === 1 && (await rows.first().innerText()).includes('第一条通知'), 'only the unread one');
    await tabs.getByText('全部', { exact: true }).click();
    await until(async () => (await rows.count()) === 3, 'all three again');
    // the kind filter: labels from the dictionary service
    await page.click('[data-test=notify-kind]');
    await page.locator('.el-select-dropdown__item', { hasText: '审核待办' }).click();
    await until(async () => (await rows.count()) === 0 || (await page.getByText('暂无消息').isVisible()), 'no review messages');
    await page.locator('.data-table .filters').getByRole('button', { name: '重置' }).click();
    await until(async () => (await rows.count()) === 3, 'the filter cleared');
    // a message arriving while the page is open shows up by itself
    send('huangpu_dangwu', '第四条通知');
    await until(async () => (await rows.count()) === 4, 'the new message in the list', 5000);
    // delete one
    await rows.filter({ hasText: '第二条通知' }).getByRole('button', { name: '删除' }).click();
    await page.locator('.el-message-box__btns .el-button--danger').click();
    await page.getByText('已删除').waitFor();
    await until(async () => (await rows.count()) === 3 && !(await page.locator('[data-test=notify-table]').innerText()).includes('第二条通知'), 'deleted');
  });
});
