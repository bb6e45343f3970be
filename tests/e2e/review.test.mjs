// 投稿与审核 in a real browser: a Pudong party worker writes an article in
// wangEditor and submits it; the district reviewer finds it in 审核工作台
// (with the menu's badge) and returns it with an opinion; the worker sees the
// opinion, edits and resubmits; the reviewer compares the two versions (the
// added words shown as inserted) and approves; the city reviewer approves;
// the worker sees 已通过 and the whole history. A wrong official formulation
// is marked by 校对 and stops the submission with the blocking findings.
// Every page in Chinese: no status code is ever visible. One server for all,
// in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until, enterAsAdmin } from './lib/console.mjs';

const PASSWORD = 'Zhendi@Demo2026'; // src/modules/identity/demo.c
const USERS = {
  worker: { username: 'pudong_dangwu', name: '浦东党务工作者（演示）' },
  district: { username: 'pudong_shenhe', name: '浦东区级审核员（演示）' },
  city: { username: 'shi_shenhe', name: '市级审核员（演示）' },
};
const TITLE = '陆家嘴社区开展主题党日活动';
const BODY = '社区党群服务中心开展主题党日活动，党员同志积极参加。';
const ADDED = '共有三十六名党员参加。';
const RETURN_OPINION = '请补充活动参加人数。';
// codes that must never show in place of their words
const RAW = /\b(in_review|draft|returned|approved|rejected|withdrawn|approve|reject|news|district|city|org|person)\b/;

let ctx;
const cookies = {};
let articleId;

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
});
after(async () => {
  await ctx?.stop();
});

/** signs the page in as a demo user: the login form once, then that session's cookie */
async function as(page, who) {
  const u = USERS[who];
  if (cookies[who]) return page.context().addCookies(cookies[who]);
  await login(page, ctx.base, u.username, PASSWORD);
  await page.locator('[data-test=user-menu]', { hasText: u.name }).waitFor();
  cookies[who] = (await page.context().storageState()).cookies;
}

async function noRawCodes(page) {
  const text = await page.locator('.main').innerText();
  assert.doesNotMatch(text, RAW, `a code shows on ${page.url()}`);
}

async function pick(page, selectTest, label) {
  await page.locator(`[data-test=${selectTest}]`).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click();
}

async function typeInEditor(page, text, { end = false } = {}) {
  const ed = page.locator('[data-test=rich-editor] [data-slate-editor]');
  await ed.click();
  if (end) await page.keyboard.press('Control+End');
  await page.keyboard.insertText(text);
}

const panel = (page) => page.locator('[data-test=review-panel]');
const statusOf = (page) => panel(page).locator('[data-test=review-status]');

async function decide(page, action, opinion) {
  const box = panel(page).locator('[data-test=review-decide]');
  await box.waitFor();
  await box.locator(`[data-action=${action}]`).click();
  await box.locator('[data-test=decide-opinion]').fill(opinion);
  await box.locator('[data-test=decide-submit]').click();
}

test('a worker writes an article in the editor and submits it', async (t) => {
  await withPage(t, ctx, async (page) => {
    await as(page, 'worker');
    await page.goto(`${ctx.base}/`);
    const menu = await page.locator('.side-menu').textContent();
    for (const w of ['投稿管理', '文章投稿', '照片投稿', '视频投稿', '审核管理', '审核记录']) assert.ok(menu.includes(w), `menu has ${w}`);
    assert.ok(!menu.includes('审核工作台'), 'a worker has no review queue');
    await page.goto(`${ctx.base}/submission/articles/new`);
    await page.locator('[data-test=article-title]').fill(TITLE);
    await pick(page, 'article-category', '工作动态');
    assert.equal(await page.locator('[data-test=article-author]').inputValue(), '中共上海市浦东新区委员会');
    await typeInEditor(page, BODY);
    await noRawCodes(page);
    await page.locator('[data-test=article-submit]').click();
    await page.waitForURL(/\/submission\/articles\/\d+$/, { waitUntil: 'commit' });
    articleId = Number(/articles\/(\d+)$/.exec(page.url())[1]);
    await statusOf(page).filter({ hasText: '审核中' }).waitFor();
    await page.locator('[data-test=article-detail]', { hasText: BODY }).waitFor();
    await panel(page).locator('[data-test=review-steps]', { hasText: '区级审核' }).waitFor();
    assert.equal(await panel(page).locator('[data-test=review-decide]').count(), 0, 'the submitter does not decide');
    await noRawCodes(page);
  });
});

test('the district reviewer finds it in 审核工作台 and returns it with an opinion', async (t) => {
  await withPage(t, ctx, async (page) => {
    await as(page, 'district');
    await page.goto(`${ctx.base}/`);
    // the menu's badge: what waits in the queue
    await page.locator('[data-menu=review]').click();
    const badge = page.locator('[data-menu=review-queue] [data-badge="review.queue"]');
    await badge.waitFor();
    assert.ok(Number(await badge.innerText()) >= 1);
    await page.locator('[data-menu=review-queue]').click();
    await page.waitForURL(/\/review\/queue$/, { waitUntil: 'commit' });
    await page.locator('[data-test=queue-count-all]').waitFor();
    const row = page.locator('[data-test=queue-table] .el-table__body tr', { hasText: TITLE });
    await row.waitFor();
    assert.match(await row.innerText(), /文章/);
    assert.match(await row.innerText(), /区级审核/);
    await noRawCodes(page);
    await row.click();
    await page.waitForURL(new RegExp(`/submission/articles/${articleId}$`), { waitUntil: 'commit' });
    await decide(page, 'return', RETURN_OPINION);
    await statusOf(page).filter({ hasText: '退回修改' }).waitFor();
    await panel(page).locator('[data-test=history-opinion]', { hasText: RETURN_OPINION }).waitFor();
    assert.equal(await panel(page).locator('[data-test=review-decide]').count(), 0);
    await noRawCodes(page);
  });
});

test('the worker sees the opinion, edits and resubmits', async (t) => {
  await withPage(t, ctx, async (page) => {
    await as(page, 'worker');
    await page.goto(`${ctx.base}/submission/articles/${articleId}`);
    await statusOf(page).filter({ hasText: '退回修改' }).waitFor();
    await panel(page).locator('[data-test=history-opinion]', { hasText: RETURN_OPINION }).waitFor();
    await page.locator('[data-test=article-edit]').click();
    await page.waitForURL(/\/edit$/, { waitUntil: 'commit' });
    await page.locator('[data-test=returned-opinion]', { hasText: RETURN_OPINION }).waitFor();
    await page.locator('[data-test=rich-editor] [data-slate-editor]', { hasText: BODY }).waitFor();
    await typeInEditor(page, ADDED, { end: true });
    await page.locator('[data-test=article-submit]').click();
    await page.waitForURL(new RegExp(`/submission/articles/${articleId}$`), { waitUntil: 'commit' });
    await statusOf(page).filter({ hasText: '审核中' }).waitFor();
    await page.locator('[data-test=article-detail]', { hasText: ADDED }).waitFor();
    await panel(page).getByText('第 2 版').first().waitFor();
  });
});

test('the district reviewer sees what changed between the versions and approves', async (t) => {
  await withPage(t, ctx, async (page) => {
    await as(page, 'district');
    await page.goto(`${ctx.base}/submission/articles/${articleId}`);
    await panel(page).getByRole('tab', { name: /提交版本/ }).click();
    await panel(page).locator('[data-test=diff-2]').click();
    const dlg = page.locator('[data-test=version-diff]');
    await dlg.locator('[data-field=body_html]').waitFor();
    assert.equal((await dlg.locator('[data-field=body_html] ins').allInnerTexts()).join(''), ADDED);
    assert.equal(await dlg.locator('[data-field=body_html] del').count(), 0);
    assert.match(await dlg.locator('[data-field=body_html]').innerText(), /正文/);
    assert.equal(await dlg.locator('[data-field=title]').count(), 0, 'unchanged fields are folded away');
    await dlg.getByRole('button', { name: /关闭|Close/ }).first().click().catch(() => page.keyboard.press('Escape'));
    await dlg.waitFor({ state: 'hidden' });
    await decide(page, 'approve', '同意，报市级审核。');
    await panel(page).locator('[data-test=review-steps]').getByText('市级审核').waitFor();
    await until(async () => /市级审核/.test(await panel(page).innerText()) && (await panel(page).locator('[data-test=review-decide]').count()) === 0, 'the item moved to the city');
    // nothing left for the district: the badge is gone
    await until(async () => (await page.locator('[data-badge="review.queue"]').count()) === 0, 'the badge follows the decision');
  });
});

test('the city reviewer approves; the worker sees 已通过 and the whole history', async (t) => {
  await withPage(t, ctx, async (page) => {
    await as(page, 'city');
    await page.goto(`${ctx.base}/review/queue`);
    const row = page.locator('[data-test=queue-table] .el-table__body tr', { hasText: TITLE });
    await row.waitFor();
    assert.match(await row.innerText(), /市级审核/);
    await row.click();
    await page.waitForURL(new RegExp(`/submission/articles/${articleId}$`), { waitUntil: 'commit' });
    await decide(page, 'approve', '同意发布。');
    await statusOf(page).filter({ hasText: '已通过' }).waitFor();
  });
  await withPage(t, ctx, async (page) => {
    await as(page, 'worker');
    await page.goto(`${ctx.base}/submission/articles/${articleId}`);
    await statusOf(page).filter({ hasText: '已通过' }).waitFor();
    await page.locator('[data-test=article-status]', { hasText: '已通过' }).waitFor();
    const items = panel(page).locator('[data-test=history-item]');
    await until(async () => (await items.count()) === 5, 'five steps in the history');
    const history = await panel(page).locator('[data-test=review-history]').innerText();
    for (const w of ['提交', '退回修改', '通过', RETURN_OPINION, '同意，报市级审核。', '同意发布。', USERS.district.name, USERS.city.name, '区级审核', '市级审核']) {
      assert.ok(history.includes(w), `history has ${w}`);
    }
    const steps = panel(page).locator('[data-test=review-steps] .el-step');
    assert.equal(await steps.count(), 3);
    assert.equal(await steps.nth(2).getAttribute('data-status'), 'success');
    assert.equal(await page.locator('[data-test=article-edit]').count(), 0, 'an approved article is not edited');
    await noRawCodes(page);
    // 审核记录: the worker's own items, in words
    await page.goto(`${ctx.base}/review/items?mine=true`);
    const row = page.locator('[data-test=items-table] .el-table__body tr', { hasText: TITLE });
    await row.waitFor();
    assert.match(await row.innerText(), /已通过/);
    await noRawCodes(page);
  });
});

test('a proofreading block is marked by 校对 and stops the submission with its findings', async (t) => {
  await withPage(t, ctx, async (page) => {
    await as(page, 'worker');
    await page.goto(`${ctx.base}/submission/articles/new`);
    await page.locator('[data-test=article-title]').fill('学习贯彻会议精神');
    await pick(page, 'article-category', '理论学习');
    await typeInEditor(page, '坚决维护以习近平总书记为核心的党中央权威。');
    await page.locator('[data-test=article-check]').click();
    const result = page.locator('[data-test=check-result]');
    await result.waitFor();
    const mark = result.locator('[data-test=check-preview] mark.sev-block');
    await mark.first().waitFor();
    assert.match(await mark.first().innerText(), /以习近平总书记为核心的党中央/);
    assert.match(await result.locator('[data-test=check-findings]').innerText(), /以习近平同志为核心的党中央/);
    assert.match(await result.innerText(), /正文/, 'where each finding is');
    await page.locator('[data-test=article-submit]').click();
    const blocked = page.locator('[data-test=submit-blocked]');
    await blocked.waitFor();
    assert.match(await blocked.innerText(), /严重问题/);
    assert.match(await blocked.innerText(), /审核人员/);
    assert.match(page.url(), /\/submission\/articles\/(new|\d+\/edit)$/, 'the page stays with the text');
    await result.locator('[data-test=check-preview] mark.sev-block').first().waitFor();
    await noRawCodes(page);
    // on the server it is still a draft
    const list = await page.request.get(`${ctx.base}/api/v1/articles?mine=true&q=${encodeURIComponent('学习贯彻会议精神')}`);
    const items = (await list.json()).items;
    assert.equal(items.length, 1);
    assert.equal(items[0].status, 'draft');
  });
});

test('审核统计 draws the counts of the flow above and exports them', async (t) => {
  await withPage(t, ctx, async (page) => {
    await as(page, 'district');
    await page.goto(`${ctx.base}/review/stats`);
    const totals = page.locator('[data-test=stats-totals]');
    await totals.waitFor();
    // two submissions, one return, one final approval (the district's scope)
    await until(async () => /2\s*提交/.test(await totals.innerText()) && /1\s*退回修改/.test(await totals.innerText()), 'the totals of the flow');
    for (const c of ['chart-bar', 'chart-status', 'chart-month', 'chart-orgs']) await page.locator(`[data-test=${c}] canvas`).waitFor();
    assert.match(await page.locator('[data-test=stats-table]').innerText(), /文章/);
    assert.match(await page.locator('[data-test=stats-levels]').innerText(), /第 1 级审核|区级审核/);
    await page.locator('[data-test=stats-group]').getByText('按月份').click();
    await until(async () => /\d{4}年\d{1,2}月/.test(await page.locator('[data-test=stats-table]').innerText()), 'months in words');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=stats-export]').click()]);
    assert.match(dl.suggestedFilename(), /\.xlsx$/);
    await noRawCodes(page);
  });
});

test('the system administrator sets a kind’s chain bottom-up and restores the default', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(`${ctx.base}/review/chains`);
    const levels = page.locator('[data-test=chain-levels][data-kind=photo]');
    await levels.waitFor();
    assert.equal((await levels.innerText()).replace(/\s+/g, ''), '1.区级审核2.市级审核');
    const row = page.locator('[data-test=chains-table] .el-table__body tr', { hasText: '照片' });
    await row.locator('[data-test=chain-edit]').click();
    const dlg = page.locator('[data-test=chain-dialog]');
    // chosen in any order, kept bottom-up: 街镇 → 区 → 市
    await dlg.locator('[data-type=city]').click();
    await dlg.locator('[data-type=street]').click();
    await dlg.locator('[data-type=city]').click();
    await dlg.locator('[data-test=chain-save]').click();
    await dlg.waitFor({ state: 'hidden' });
    await until(async () => (await levels.innerText()).replace(/\s+/g, '') === '1.街镇审核2.区级审核3.市级审核', 'three levels bottom-up');
    await row.getByText('已自定义').waitFor();
    await row.locator('[data-test=chain-reset]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '恢复默认' }).click();
    await until(async () => (await levels.innerText()).replace(/\s+/g, '') === '1.区级审核2.市级审核', 'the default again');
    await noRawCodes(page);
  });
});

test('a reviewer who decides second is told in place and sees the item as it is now', async (t) => {
  // an article submitted through the API by the worker
  let id;
  await withPage(t, ctx, async (page) => {
    await as(page, 'worker');
    const me = await (await page.request.get(`${ctx.base}/api/v1/auth/me`)).json();
    const headers = { 'X-CSRF-Token': me.csrf_token };
    const a = await (await page.request.post(`${ctx.base}/api/v1/articles`, { headers, data: {
      title: '社区议事会纪要', category: 'news', author_type: 'org', author: '陆家嘴街道党工委', org_id: me.user.org_id, body_html: '<p>居民议事会讨论了加装电梯事宜。</p>',
    } })).json();
    assert.equal((await page.request.post(`${ctx.base}/api/v1/articles/${a.id}/submit`, { headers })).status(), 200);
    id = a.id;
  });
  const first = await ctx.newPage();
  const second = await first.context().newPage();
  try {
    await as(first, 'district');
    await first.goto(`${ctx.base}/submission/articles/${id}`);
    await second.goto(`${ctx.base}/submission/articles/${id}`);
    await panel(second).locator('[data-test=review-decide]').waitFor();
    await decide(first, 'approve', '同意。');
    await panel(first).getByText('当前：市级审核').waitFor();
    // the second tab still shows the form: its decision comes too late
    await decide(second, 'return', '请补充会议时间。');
    await second.locator('.el-message--warning', { hasText: '其他审核人员刚刚处理了该事项' }).waitFor();
    await panel(second).getByText('当前：市级审核').waitFor();
    await until(async () => (await panel(second).locator('[data-test=review-decide]').count()) === 0, 'the form is gone after the refresh');
  } finally {
    await first.context().close();
  }
});

test('a detail page of something missing shows its error once: the page, no toast beside it', async (t) => {
  const PAGES = ['/course/courses/999999', '/kb/999999', '/lecture/lectures/999999', '/lexicons/999999', '/live/streams/999999',
    '/live/watch/999999', '/review/items/999999', '/submission/articles/999999', '/submission/articles/999999/edit',
    '/submission/photos/999999', '/submission/videos/999999', '/jobs/999999'];
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, USERS.district.username, PASSWORD);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    const bad = [];
    for (const p of PAGES) {
      await page.goto(ctx.base + p);
      await page.locator('.el-result, [data-test=forbidden], [data-test=not-found]').first().waitFor();
      await page.waitForTimeout(400); // a toast would be up by now
      const toasts = await page.locator('.el-message--error:visible').count();
      if (toasts) bad.push(`${p}: ${await page.locator('.el-message--error').first().textContent()}`);
      await page.evaluate(() => document.querySelectorAll('.el-message').forEach((m) => m.remove()));
    }
    assert.deepEqual(bad, [], 'pages that toast as well');
  });
});
