// 网格阵地 in a real browser: the map page shows the demo grids as polygons
// and the demo sites as markers with a popup, on a plain background, and no
// request of the page leaves 127.0.0.1 (no base map is configured); the
// grids page imports a GeoJSON file and reports the refused feature with
// its reason; a site is placed by clicking the map picker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsole, withPage, login, loginAdmin, until, freshTotp } from './lib/console.mjs';
import { startFakeCenter } from '../api/lib/fake-bigdata.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx;

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
});

after(async () => {
  await ctx?.browser.close();
  await ctx?.srv.stop();
});

// an el-input puts data-test on its <input>, an el-input-number on its root
const inp = (page, name) => page.locator(`input[data-test=${name}], [data-test=${name}] input`).first();

async function enter(page, user = 'pudong_dangwu') {
  await login(page, ctx.base, user, DEMO);
  await page.waitForSelector('[data-test=user-menu]');
}

test('the map shows the demo grids and sites with no request leaving 127.0.0.1', async (t) => {
  await withPage(t, ctx, async (page) => {
    const outside = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) outside.push(r.url());
    });
    await login(page, ctx.base, 'shi_shenhe', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/map`);
    await page.waitForSelector('[data-test=grid-map]');
    // five demo grids (one with a hole) drawn as SVG paths, four sites as circles
    await until(async () => (await page.locator('[data-test=grid-map] .leaflet-overlay-pane path').count()) >= 9, 'the grids and sites are drawn');
    assert.match(await page.locator('[data-test=map-count]').textContent(), /网格 5 个 · 阵地 4 个/);
    assert.equal(await page.locator('[data-test=grid-map] .leaflet-tile').count(), 0, 'no base map tiles');
    // filter by district: 黄浦 has two grids
    await page.locator('[data-test=map-district]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '黄浦区' }).click();
    await until(async () => /网格 2 个 · 阵地 2 个/.test(await page.locator('[data-test=map-count]').textContent()), 'the district filter');
    // search by name: the site's popup
    await inp(page, 'map-search').fill('外滩楼宇');
    await inp(page, 'map-search').press('Enter');
    const popup = page.locator('[data-test=site-popup]');
    await popup.waitFor();
    assert.match(await popup.textContent(), /外滩楼宇党建阵地.*楼宇党建阵地.*外滩街道第一网格/);
    assert.deepEqual(outside, [], 'no request leaves the machine');
  });
});

test('a GeoJSON import reports each feature; a refused one shows its reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zhendi-e2e-grid-'));
  const file = join(dir, 'grids.geojson');
  writeFileSync(file, JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code: 'E2E-1', name: '端到端网格', org_code: 'SH-PD-03' }, geometry: { type: 'Polygon', coordinates: [[[121.6, 31.2], [121.61, 31.2], [121.61, 31.21], [121.6, 31.21], [121.6, 31.2]]] } },
      { type: 'Feature', properties: { code: 'E2E-2', name: '自相交', org_code: 'SH-PD-03' }, geometry: { type: 'Polygon', coordinates: [[[121.6, 31.2], [121.61, 31.21], [121.61, 31.2], [121.6, 31.21], [121.6, 31.2]]] } },
    ],
  }));
  try {
    await withPage(t, ctx, async (page) => {
      await enter(page);
      await page.goto(`${ctx.base}/grid/grids`);
      await page.locator('[data-test=grid-import]').click();
      await page.locator('[data-test=grid-import-file]').setInputFiles(file);
      await page.locator('[data-test=grid-import-run]').click();
      await page.waitForSelector('[data-test=grid-import-summary]');
      assert.match(await page.locator('[data-test=grid-import-summary]').textContent(), /新建 1 个.*拒绝 1 个/);
      const report = page.locator('[data-test=grid-import-report]');
      await report.getByText('拒绝').waitFor();
      assert.match(await report.textContent(), /自相交/);
      await page.keyboard.press('Escape');
      await page.locator('[data-test=grid-table]').getByText('端到端网格').waitFor();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a site's location is picked on the map or typed, and it goes to the grid it falls in", async (t) => {
  await withPage(t, ctx, async (page) => {
    await enter(page);
    await page.goto(`${ctx.base}/grid/sites`);
    await page.locator('[data-test=site-new]').click();
    await inp(page, 'site-name').fill('端到端党群服务站');
    await inp(page, 'site-address').fill('浦东新区花木路 100 号');
    const picker = page.locator('[data-test=site-map-picker]');
    await until(async () => (await picker.locator('.leaflet-overlay-pane path').count()) >= 3, 'the grids on the picker');
    // a click on the map sets the location and names its grid (or none)
    await picker.click({ position: { x: 40, y: 300 } });
    await until(async () => (await inp(page, 'site-lon').inputValue()) !== '', 'the click set the longitude');
    await until(async () => (await page.locator('[data-test=site-grid]').textContent()).trim() !== '—', 'the click was located');
    // then typed: the middle of 花木街道第一网格
    await inp(page, 'site-lon').fill('121.5475');
    await inp(page, 'site-lon').press('Tab');
    await inp(page, 'site-lat').fill('31.2125');
    await inp(page, 'site-lat').press('Tab');
    await until(async () => /PD-HM-01/.test(await page.locator('[data-test=site-grid]').textContent()), 'the grid of the location');
    await page.locator('[data-test=site-save]').click();
    await page.locator('[data-test=site-table]').getByText('端到端党群服务站').waitFor();
  });
});

test('a commissioner is created and bound to a site in its 包干 dialog; the statistics count them', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enter(page);
    await page.goto(`${ctx.base}/grid/commissioners`);
    await page.locator('[data-test=commissioner-new]').click();
    await inp(page, 'commissioner-name').fill('端到端专员');
    await page.locator('[data-test=commissioner-save]').click();
    await page.locator('[data-test=commissioner-table]').getByText('端到端专员').waitFor();
    await page.goto(`${ctx.base}/grid/sites`);
    const row = page.locator('[data-test=site-table] .el-table__row', { hasText: '陆家嘴金融城党建服务中心' });
    await row.locator('[data-test=site-contracts-open]').click();
    const dialog = page.locator('[data-test=site-contracts]');
    await dialog.waitFor();
    await page.locator('[data-test=site-commissioner-select]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '端到端专员' }).click();
    await dialog.locator('[data-test=site-bind-commissioner]').click();
    await dialog.locator('[data-test=site-contract-commissioners]').getByText('端到端专员').waitFor();
    await page.goto(`${ctx.base}/grid/contracting`);
    const table = page.locator('[data-test=contract-stats-table]');
    await table.getByText('浦东新区').waitFor();
  });
});

test('大数据中心同步: 测试连接 tells a wrong secret from the right one, the settings are saved with the secret hidden, 立即同步 pulls the grids and the run shows in the log, a center code is mapped to a district', async (t) => {
  const fake = await startFakeCenter({ secret: 'E2E-Secret-1' });
  fake.putGrid({ code: 'E2E-BD-1', name: '浏览器同步网格', org_code: 'SH-PD-01', geometry: { type: 'Polygon', coordinates: [[[121.8, 31.5], [121.81, 31.5], [121.81, 31.51], [121.8, 31.51], [121.8, 31.5]]] } });
  try {
    await withPage(t, ctx, async (page) => {
      await loginAdmin(page, ctx.base);
      await page.waitForSelector('[data-test=user-menu]');
      await page.goto(`${ctx.base}/grid/bigdata`);
      await page.locator('.el-tabs__item', { hasText: '连接设置' }).click();
      await inp(page, 'bigdata-url').fill(fake.url);
      await inp(page, 'bigdata-appkey').fill(fake.appKey);
      // 测试连接 with a wrong secret typed, then the right one, before saving
      await inp(page, 'bigdata-secret').fill('not-the-secret');
      await page.locator('[data-test=bigdata-test]').click();
      await page.locator('[data-test=bigdata-test-result]', { hasText: '签名验证失败' }).waitFor();
      await inp(page, 'bigdata-secret').fill(fake.secret);
      await page.locator('[data-test=bigdata-test]').click();
      await page.locator('[data-test=bigdata-test-result]', { hasText: '连接正常' }).waitFor();
      await page.locator('[data-test=bigdata-save]').click();
      await until(async () => /已设置/.test(await inp(page, 'bigdata-secret').getAttribute('placeholder')), 'the secret is set and not shown');
      assert.equal(await inp(page, 'bigdata-secret').inputValue(), '');
      await page.locator('.el-tabs__item', { hasText: '同步记录' }).click();
      await page.locator('[data-test=bigdata-run]').click();
      const runs = page.locator('[data-test=bigdata-runs]');
      await until(async () => /成功/.test(await runs.textContent()), 'the run succeeds and shows in the log', 20000);
      assert.match(await runs.textContent(), /手动/);

      // 编码对照: the center's code 310115 mapped to 浦东新区, picked by its pinyin initials
      await page.locator('.el-tabs__item', { hasText: '编码对照' }).click();
      await page.locator('[data-test=orgmap-add]').click();
      const dlg = page.locator('[data-test=orgmap-dialog]');
      await inp(page, 'orgmap-code').fill('310115');
      const item = dlg.locator('.el-form-item', { hasText: '对应的区或街道' });
      await item.locator('.el-select').click();
      await item.locator('.el-select input').fill('pdxq');
      await page.locator('[data-test=org-hits]:visible [data-test=org-hit]', { hasText: '中共上海市浦东新区委员会' }).click();
      await dlg.locator('[data-test=orgmap-save]').click();
      const maps = page.locator('[data-test=bigdata-orgmap]');
      await maps.locator('.el-table__row', { hasText: '310115' }).filter({ hasText: '中共上海市浦东新区委员会' }).waitFor();
    });
  } finally {
    await fake.stop();
  }
});

test("大数据中心's 网格坐标系 (migration 0509): changed in the console, saved and shown again, audited with the old and new value; a value the server does not support refused with a Chinese message under the field", async (t) => {
  const auditor = await ctx.srv.login('auditor', undefined, await freshTotp(undefined, 'auditor'));
  const audits = async () => (await auditor.get('/api/v1/audit?action=bigdata.settings&page_size=50')).json.items;
  const count0 = (await audits()).length;
  const ok0 = (await audits()).filter((a) => a.outcome === 'success').length;
  await withPage(t, ctx, async (page) => {
    await loginAdmin(page, ctx.base);
    await page.goto(`${ctx.base}/grid/bigdata`);
    await page.locator('.el-tabs__item', { hasText: '连接设置' }).click();
    const crs = page.locator('[data-test=bigdata-crs]');
    await crs.click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'EPSG:4549' }).click();
    await page.locator('[data-test=bigdata-save]').click();
    await page.locator('.el-message', { hasText: '已保存' }).waitFor();
    // saved: shown again after a reload, in words
    await page.reload();
    await page.locator('.el-tabs__item', { hasText: '连接设置' }).click();
    await until(async () => /CGCS2000 3 度带 120°E 平面坐标（EPSG:4549）/.test(await crs.textContent()), 'the saved CRS is shown');
    // audited: one more bigdata.settings entry, the CRS before and after
    await until(async () => (await audits()).length === count0 + 1, 'audited');
    const entry = (await audits())[0];
    assert.equal(entry.outcome, 'success');
    const full = (await auditor.get(`/api/v1/audit/${entry.id}`)).json;
    assert.equal(full.after?.crs, 'EPSG:4549', JSON.stringify(full.after));
    assert.notEqual(full.before?.crs, 'EPSG:4549', 'the old value beside it');

    // a value the select does not offer, sent as if it did: the server refuses it, the form says why
    await page.route('**/api/v1/bigdata/settings', async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      const body = JSON.parse(route.request().postData());
      return route.continue({ postData: JSON.stringify({ ...body, crs: 'EPSG:2385' }) });
    });
    await crs.click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'EPSG:3857' }).click();
    await page.locator('[data-test=bigdata-save]').click();
    const err = page.locator('.el-form-item', { hasText: '网格坐标系' }).locator('.el-form-item__error');
    await err.waitFor();
    assert.match(await err.textContent(), /[\u4e00-\u9fff]/, 'a Chinese message');
    await page.unroute('**/api/v1/bigdata/settings');
    // nothing changed: still EPSG:4549 after a reload
    await page.reload();
    await page.locator('.el-tabs__item', { hasText: '连接设置' }).click();
    await until(async () => /EPSG:4549/.test(await crs.textContent()), 'the saved CRS is still shown');
    assert.equal((await audits()).filter((a) => a.outcome === 'success').length, ok0 + 1, 'the refused change is not a saved one');
  });
});
