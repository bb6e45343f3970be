// 阵地活动 and 包干组织参与 in a real browser: a district records an activity
// of a site — the site picked by name, the contracted organisation that
// took part chosen among the site's contracts — and finds it in the list
// and its detail; the coverage page shows who took part and who never did.
// No request of the pages leaves 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx;

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  // two new-sector organisations contracted to the demo 陆家嘴金融城 site
  const pd = await ctx.srv.login('pudong_dangwu', DEMO);
  const orgs = (await pd.get('/api/v1/orgs?page_size=200&q=陆家嘴')).json.items;
  const site = (await pd.get('/api/v1/sites?q=陆家嘴金融城')).json.items[0];
  for (const code of ['SH-PD-01-C', 'SH-PD-01-B']) {
    const r = await pd.post(`/api/v1/sites/${site.id}/orgs`, { org_id: orgs.find((o) => o.code === code).id });
    assert.equal(r.status, 200, r.body);
  }
});

after(async () => {
  await ctx?.browser.close();
  await ctx?.srv.stop();
});

const inp = (page, name) => page.locator(`input[data-test=${name}], [data-test=${name}] input`).first();

function watchOutside(page) {
  const outside = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) outside.push(r.url());
  });
  return outside;
}

test('an activity is recorded with a contracted organisation, listed, filtered and shown in its detail', async (t) => {
  await withPage(t, ctx, async (page) => {
    const outside = watchOutside(page);
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/activities`);
    await page.locator('[data-test=activity-new]').click();
    const form = page.locator('[data-test=activity-form]');
    await form.waitFor();
    await form.locator('[data-test=site-picker]').click();
    await page.keyboard.type('金融城');
    await page.locator('.el-select-dropdown__item:visible', { hasText: '陆家嘴金融城党建服务中心' }).click();
    await form.locator('[data-test=activity-type]').getByText('治理活动').click();
    await inp(page, 'activity-title').fill('端到端楼宇议事会');
    await inp(page, 'activity-date').fill('2026-11-18');
    await inp(page, 'activity-date').press('Enter');
    await inp(page, 'activity-organisers').fill('陆家嘴街道党工委');
    await form.locator('[data-test=activity-orgs]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '陆家嘴街道新兴领域综合党委' }).click();
    await page.keyboard.press('Escape');
    await form.locator('[data-test=activity-save]').click();
    const table = page.locator('[data-test=activity-table]');
    const row = table.locator('.el-table__row', { hasText: '端到端楼宇议事会' });
    await row.waitFor();
    assert.match(await row.textContent(), /2026-11-18.*治理活动.*陆家嘴金融城党建服务中心/);
    // filtered by type: a service activity list does not hold it
    await page.locator('[data-test=activity-filter-type]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '服务活动' }).click();
    await until(async () => (await table.locator('.el-table__row', { hasText: '端到端楼宇议事会' }).count()) === 0, 'the type filter');
    await page.locator('[data-test=activity-filter-type]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '治理活动' }).click();
    await row.locator('[data-test=activity-open]').click();
    const detail = page.locator('[data-test=activity-detail]');
    await detail.getByText('陆家嘴街道新兴领域综合党委').waitFor();
    assert.deepEqual(outside, [], 'no request leaves the machine');
  });
});

test('the coverage page counts who took part and marks who never did', async (t) => {
  await withPage(t, ctx, async (page) => {
    const outside = watchOutside(page);
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/coverage`);
    const range = page.locator('[data-test=coverage-range] input, input[data-test=coverage-range]');
    await range.first().fill('2026-11-01');
    await range.nth(1).fill('2026-11-30');
    await range.nth(1).press('Enter');
    const table = page.locator('[data-test=coverage-table]');
    const branch = table.locator('.el-table__row', { hasText: '陆家嘴街道楼宇联合党支部' });
    await until(async () => /从未参与/.test((await branch.textContent().catch(() => '')) || ''), 'the branch never took part');
    const committee = table.locator('.el-table__row', { hasText: '陆家嘴街道新兴领域综合党委' });
    assert.match(await committee.textContent(), /参与过/);
    assert.match(await page.locator('[data-test=coverage-summary]').textContent(), /50(\.0)?%/);
    assert.deepEqual(outside, [], 'no request leaves the machine');
  });
});

test('the portrait charts the activities and the dashboard map colours the grids by an indicator with a portrait per site', async (t) => {
  await withPage(t, ctx, async (page) => {
    const outside = watchOutside(page);
    await login(page, ctx.base, 'shi_shenhe', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/portrait`);
    const figures = page.locator('[data-test=portrait-figures]');
    await figures.waitFor();
    await until(async () => /活动次数\s*1\b/.test(await figures.textContent()), 'the city counts the activity');
    assert.ok((await page.locator('.echart').count()) >= 1, 'a chart is drawn');
    await page.goto(`${ctx.base}/grid/map`);
    await until(async () => (await page.locator('[data-test=grid-map] .leaflet-overlay-pane path').count()) >= 9, 'the grids and sites are drawn');
    await page.locator('[data-test=map-indicator]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '着色：活动次数' }).click();
    await page.locator('[data-test=map-legend]').getByText('无阵地').waitFor();
    await inp(page, 'map-search').fill('陆家嘴金融城');
    await inp(page, 'map-search').press('Enter');
    const popup = page.locator('[data-test=site-popup-portrait]');
    await popup.waitFor();
    assert.match(await popup.textContent(), /活动 1 次.*包干组织 2 个，参与过 1 个/);
    assert.deepEqual(outside, [], 'no request leaves the machine');
  });
});

test('activities import: 下载模板, a bad row refused with its row number and reason, a good file recorded and listed', async (t) => {
  const { xlsx } = await import('../api/lib/xlsx.mjs');
  const HEAD = ['阵地', '活动类型', '活动名称', '活动日期', '组织者', '参与的包干组织', '服务人数', '活动小结'];
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/activities`);
    await page.locator('[data-test=activity-import-open]').click();
    const dlg = page.locator('.el-dialog', { hasText: '从 Excel 导入阵地活动' });
    const [tpl] = await Promise.all([page.waitForEvent('download'), dlg.locator('[data-test=activity-import-template]').click()]);
    assert.match(tpl.suggestedFilename(), /\.xlsx$/);
    const upload = async (rows) => {
      await dlg.locator('input[data-test=upload-input]').setInputFiles({ name: 'acts.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx([HEAD, ...rows]) });
      await dlg.getByRole('button', { name: '开始导入' }).click();
    };
    await upload([['陆家嘴金融城党建服务中心', '服务活动', '端到端导入一', '2026/11/20', '党工委', null, '8', null],
      ['陆家嘴金融城党建服务中心', '服务活动', '端到端导入二', '下周', '党工委', null, null, null]]);
    await dlg.locator('[data-test=import-result]', { hasText: '导入未执行' }).waitFor();
    const err = dlg.locator('[data-test=import-errors] tr', { hasText: '活动日期' });
    await err.waitFor();
    assert.match(await err.textContent(), /^\s*3/);
    await upload([['陆家嘴金融城党建服务中心', '服务活动', '端到端导入一', '2026/11/20', '党工委', 'SH-PD-01-C', '8', null]]);
    await dlg.locator('[data-test=import-result]', { hasText: '登记 1 条活动' }).waitFor();
    await dlg.getByRole('button', { name: '关闭', exact: true }).click();
    await page.locator('[data-test=activity-table] .el-table__row', { hasText: '端到端导入一' }).waitFor();
  });
});
