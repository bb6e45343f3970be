// 网格地图's district outlines (区界) in a real browser: the union of each
// district's grids drawn under the grids in a pane of its own, with the
// district's name; the district filter keeps one, 区界 hides them; a
// district's user sees their own district only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx;

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
});

after(async () => {
  await ctx?.browser.close();
  await ctx?.srv.stop();
});

const outlinePaths = (page) => page.locator('[data-test=grid-map] .leaflet-districts-pane path');
const labels = async (page) => (await page.locator('[data-test=grid-map] .district-label').allTextContents()).sort();
// a removed label fades out for 200 ms before it leaves the page
const labelsAre = (page, want, what) => until(async () => JSON.stringify(await labels(page)) === JSON.stringify([...want].sort()), what);

test('the map draws the districts\' outlines under the grids with their names, filtered and toggled', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'shi_shenhe', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/map`);
    await page.waitForSelector('[data-test=grid-map]');
    await until(async () => (await outlinePaths(page).count()) === 2, 'two district outlines are drawn');
    await labelsAre(page, ['浦东新区', '黄浦区'], 'both names');
    // under the grids: the districts' pane is below the overlay pane
    const z = await page.evaluate(() => {
      const pane = (name) => Number(getComputedStyle(document.querySelector(`[data-test=grid-map] .leaflet-${name}-pane`)).zIndex);
      return [pane('districts'), pane('overlay')];
    });
    assert.ok(z[0] < z[1], `district pane ${z[0]} under the grids' ${z[1]}`);
    // the district filter keeps its outline only
    await page.locator('[data-test=map-district]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '黄浦区' }).click();
    await until(async () => (await outlinePaths(page).count()) === 1, 'one outline with the filter');
    await labelsAre(page, ['黄浦区'], 'its name only');
    // 区界 off: none; on again: back
    await page.locator('[data-test=map-outlines]').click();
    await until(async () => (await outlinePaths(page).count()) === 0, 'hidden');
    await labelsAre(page, [], 'no names');
    await page.locator('[data-test=map-outlines]').click();
    await until(async () => (await outlinePaths(page).count()) === 1, 'shown again');
  });
});

test("a district's user sees the outline of their own district only", async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/map`);
    await until(async () => (await outlinePaths(page).count()) === 1, 'one outline');
    await labelsAre(page, ['浦东新区'], 'its own name');
  });
});
