// The console side of "a module is self-contained", in a real browser: the
// 接口文档 page renders the server's OpenAPI document with Redoc under the
// CSP (nothing refused, nothing fetched from elsewhere, Redoc loaded by that
// page only) for any logged-in user; a list sorts on the server when a
// sortable column header is clicked; status words come from the dictionary
// service, never as codes; and the Vitest fixtures (web/test/fixtures: the
// dictionaries, the sort keys) and the dictionaries the console names are
// the server's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConsole, withPage, enterAsAdmin, signIn, until } from './lib/console.mjs';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '../../web');

let ctx;
before(async () => { ctx = await startConsole(); });
after(async () => { await ctx?.stop(); });

// CSP refusals and script errors of a page, collected as they happen
function watchProblems(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  return problems;
}

async function apiGet(page, path) {
  const r = await page.request.get(ctx.base + path);
  assert.equal(r.status(), 200, `${path}: ${r.status()}`);
  return r.json();
}

test('接口文档 renders the OpenAPI document with Redoc under the CSP, for any logged-in user', async (t) => {
  await withPage(t, ctx, async (page) => {
    const problems = watchProblems(page);
    const outside = [];
    const assets = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(ctx.base) && !r.url().startsWith('data:')) outside.push(r.url());
      if (r.url().includes('/assets/')) assets.push(r.url());
    });
    // the login page does not carry the renderer
    await page.goto(ctx.base + '/login', { waitUntil: 'networkidle' });
    assert.deepEqual(assets.filter((u) => /\/assets\/(redoc|react|ApiDocs)-/.test(u)), [], 'no Redoc on the login page');
    // the audit administrator: no system permission, the page is still there
    await signIn(ctx, page, 'auditor');
    await page.goto(ctx.base + '/');
    await page.locator('.side-menu').getByText('运维监控').click();
    await page.locator('.side-menu').getByText('接口文档').click();
    await page.waitForURL(/\/api-docs$/);
    const content = page.locator('[data-test=api-docs] .api-content');
    await content.getByText('用户列表', { exact: true }).first().waitFor({ timeout: 30000 });
    await content.getByText('新建用户', { exact: true }).first().waitFor();
    // the permission and audit action in words, the module's title as its section
    await content.getByText('user.create', { exact: true }).first().waitFor();
    await page.locator('[data-test=api-docs] .menu-content').getByText('身份与权限').first().waitFor();
    const doc = await apiGet(page, '/api/v1/openapi.json');
    const ops = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).filter((m) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(m)).length, 0);
    await page.locator('[data-test=api-docs-count]', { hasText: `${ops} 个接口` }).waitFor();
    // the menu of the document scrolls to an operation
    await page.locator('.menu-content').getByText('身份与权限').first().click();
    await page.locator('.menu-content').getByText('新建用户', { exact: true }).first().click();
    await page.waitForURL(/post_users/);
    assert.ok(assets.some((u) => /\/assets\/redoc-/.test(u)), 'Redoc was loaded by this page');
    await page.waitForTimeout(300); // a late refusal (an image, a worker) would show by now
    assert.deepEqual(problems, []);
    assert.deepEqual(outside, [], 'nothing fetched from outside the server');
  });
});

test('a list sorts on the server when a sortable column header is clicked', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/users');
    const rows = page.locator('[data-test=users-table] .el-table__body tr');
    await rows.first().waitFor();
    const firstUser = async () => (await rows.first().locator('td:not(.el-table-column--selection)').first().textContent()).trim(); // after the selection box
    const header = page.locator('[data-test=users-table] th', { hasText: '用户名' });
    const answer = (desc) => (r) => r.url().includes('/api/v1/users?') && r.url().includes(desc ? 'sort=-' : 'sort=username');
    // ascending: admin, auditor, secadmin
    let [res] = await Promise.all([page.waitForResponse(answer(false)), header.click()]);
    assert.equal(new URL(res.url()).searchParams.get('sort'), 'username');
    await until(async () => (await firstUser()) === 'admin', 'admin first');
    // descending: secadmin first
    [res] = await Promise.all([page.waitForResponse(answer(true)), header.click()]);
    assert.equal(new URL(res.url()).searchParams.get('sort'), '-username');
    assert.equal(new URL(res.url()).searchParams.get('page'), '1');
    await until(async () => (await firstUser()) === 'secadmin', 'secadmin first');
    assert.equal(await firstUser(), 'secadmin');
    const names = await page.locator('[data-test=users-table] .el-table__body tr td:first-child').allTextContents();
    assert.deepEqual(names.map((s) => s.trim()), [...names.map((s) => s.trim())].sort().reverse());
  });
});

test('status words come from the dictionary service, never as codes', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/users');
    const body = page.locator('[data-test=users-table] .el-table__body');
    await body.locator('.el-tag[data-code=active]', { hasText: '正常' }).first().waitFor();
    assert.doesNotMatch(await body.textContent(), /\bactive\b/);
    // the filter offers the dictionary's words
    await page.locator('[data-test=users-status]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '已停用' }).waitFor();
    await page.keyboard.press('Escape');
    // the jobs page: the queue's status filter in words
    await page.goto(ctx.base + '/jobs?tab=jobs');
    await page.locator('#pane-jobs .filters .el-select').first().click();
    for (const w of ['排队中', '执行中', '已完成', '已失败', '已取消']) await page.locator('.el-select-dropdown__item:visible', { hasText: w }).waitFor();
    await page.keyboard.press('Escape');
    // the log viewer: kinds and levels
    await page.goto(ctx.base + '/system/logs');
    await page.locator('[data-test=log-kind-access]', { hasText: '访问日志' }).waitFor();
    await page.locator('[data-test=log-table] .el-table__body tr').first().waitFor();
    const levels = await page.locator('[data-test=log-table] .el-table__body .el-tag').allTextContents();
    assert.ok(levels.length > 0);
    for (const l of levels) assert.ok(['调试', '信息', '警告', '错误'].includes(l.trim()), `level word ${l}`);
  });
});

test('the Vitest fixtures and the console\'s dictionary names are the server\'s', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    const { dicts } = await apiGet(page, '/api/v1/dicts');
    const fixture = JSON.parse(readFileSync(join(WEB, 'test/fixtures/dicts.json'), 'utf8')).dicts;
    for (const [name, d] of Object.entries(fixture)) {
      assert.ok(dicts[name], `dictionary ${name} of the fixture is on the server`);
      for (const item of d.items) {
        const s = dicts[name].items.find((x) => x.value === item.value);
        assert.deepEqual(s, item, `${name}.${item.value}: fixture matches the server (update web/test/fixtures/dicts.json)`);
      }
    }
    // every dictionary the console's sources name
    const files = [];
    const walk = (d) => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (/\.(vue|js)$/.test(f)) files.push(p); } };
    walk(join(WEB, 'src'));
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bdict="(\w+)"|\b(?:label|tag|items|title)\('(\w+)'/g)) {
        const name = m[1] || m[2];
        assert.ok(dicts[name], `${f} names dictionary ${name}, which the server does not have`);
      }
    }
    // the sort keys of every list route
    const doc = await apiGet(page, '/api/v1/openapi.json');
    const live = {};
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(item)) {
        const sort = (op.parameters || []).find((p) => p.name === 'sort');
        if (sort) live[`${m.toUpperCase()} ${path}`] = sort['x-sort-keys'];
      }
    }
    const keys = JSON.parse(readFileSync(join(WEB, 'test/fixtures/sort-keys.json'), 'utf8'));
    assert.deepEqual(keys, live, 'web/test/fixtures/sort-keys.json matches the document');
  });
});
