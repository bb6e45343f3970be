// The system pages in a real browser: health, version and storage; the log
// viewer with kinds and level filter; the 404 page; and that the built
// console runs under the server's CSP (no inline script, no violations) at
// 1366×768 within a 1 MB first load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startConsole, withPage, enterAsAdmin } from './lib/console.mjs';

let ctx;
before(async () => { ctx = await startConsole(); });
after(async () => { await ctx?.stop(); });

test('system status shows health, the running version, storage use and the proofreading engine', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    const version = (await (await page.request.get(ctx.base + '/healthz')).json()).version;
    await page.goto(ctx.base + '/system');
    await page.locator('[data-test=health]', { hasText: '正常' }).waitFor();
    assert.equal((await page.locator('[data-test=version]').textContent()).trim(), version);
    await page.getByText(/已用 .+可用 .+共 /).waitFor();
    await page.locator('.echart canvas').first().waitFor();
    await page.getByText('当前生效配置').waitFor();
    // the proofreading engine's internals live here, rounded (not 8.25418 毫秒)
    const build = page.locator('[data-test=engine-card] .el-descriptions__content').last();
    await build.waitFor();
    assert.match((await build.textContent()).trim(), /^\d+(\.\d)? (毫秒|秒)$/);
    // the job workers and the scheduler, and the log files with download
    await page.locator('[data-test=jobs-health]', { hasText: '1 个' }).waitFor();
    await page.locator('[data-test=scheduler-state]', { hasText: '运行中' }).waitFor();
    const file = page.locator('[data-test=log-files] .el-table__body tr', { hasText: 'system.log' }).first();
    await file.waitFor();
    const [dl] = await Promise.all([page.waitForEvent('download'), file.locator('[data-test=log-download]').click()]);
    assert.equal(dl.suggestedFilename(), 'system.log');
    assert.match(readFileSync(await dl.path(), 'utf8'), /server\.started/);
  });
});

test('the log viewer shows each kind, newest first, and filters by level', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/system/logs');
    const rows = page.locator('[data-test=log-table] .el-table__body tr');
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 0, 'system log has the start-up lines');
    // events by their Chinese names, never the code
    await page.locator('[data-test=log-event]', { hasText: '服务启动' }).first().waitFor();
    assert.ok(!(await page.locator('[data-test=log-event]').allTextContents()).some((x) => /^[a-z_]+\.[a-z_]+$/.test(x.trim())), 'no raw event code');
    // the access log holds the requests this page just made
    await page.locator('[data-test=log-kind-access]').click();
    await page.locator('[data-test=log-table] .el-table__body tr', { hasText: /HTTP 请求.*方法：GET/ }).first().waitFor();
    // errors only: a fresh server has none
    await page.locator('[data-test=log-kind-system]').click();
    await page.locator('.filters .el-select').first().click();
    await page.locator('.el-select-dropdown__item', { hasText: '仅错误' }).click();
    await page.getByText('没有符合条件的日志').waitFor();
    // a line opens in the detail drawer
    await page.locator('.filters .el-select').first().click();
    await page.locator('.el-select-dropdown__item', { hasText: '调试及以上' }).click();
    await rows.first().click();
    const drawer = page.locator('.el-drawer', { hasText: '日志详情' });
    await drawer.locator('[data-test=log-detail]').getByText('事件', { exact: true }).waitFor();
    await drawer.getByText('时间', { exact: true }).waitFor();
  });
});

test('an unknown page shows 404 inside the console', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/no/such/page');
    await page.locator('[data-test=not-found]').waitFor();
    await page.getByText('404 页面不存在').waitFor();
  });
});

test('the console runs under the CSP without violations and loads under 1 MB', async (t) => {
  await withPage(t, ctx, async (page) => {
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.goto(ctx.base + '/login', { waitUntil: 'networkidle' });
    await page.locator('input[name=username]').waitFor();
    const html = (await ctx.srv.get('/')).body;
    assert.doesNotMatch(html.replace(/<script[^>]+src=[^>]+><\/script>/g, ''), /<script/i, 'no inline script in index.html');
    assert.deepEqual(problems, []);
    assert.ok(bytes > 0 && bytes < 1024 * 1024, `login page transferred ${bytes} bytes`);
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/system');
    await page.locator('[data-test=health]').waitFor();
    assert.deepEqual(problems, []);
  });
});
