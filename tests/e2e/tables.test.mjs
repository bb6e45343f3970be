// Console fit and finish (issue 17), in chromium at 1366×768: a two-step
// administrator login shows no 401 and leaves no failure record; every
// table page has the shared toolbar (search toggle, refresh, column
// chooser) and an export that downloads a valid .xlsx of the current
// filters; chosen columns survive a reload; 上次登录 is the login before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startConsole, withPage, loginAdmin, signIn, until, freshTotp, TOTP_SECRET, ADMIN_PASSWORD } from './lib/console.mjs';

let ctx;
before(async () => { ctx = await startConsole(); });
after(async () => { await ctx?.stop(); });

test('a two-step administrator login shows no 401 in the browser and records one success, no failure', async (t) => {
  await withPage(t, ctx, async (page) => {
    const errors = [];
    page.on('response', (r) => { if (r.url().includes('/api/v1/auth/login') && r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await loginAdmin(page, ctx.base, 'secadmin');
    assert.deepEqual(errors, []);
  });
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'auditor');
    const r = await page.request.get(`${ctx.base}/api/v1/audit?kind=login&action=auth.login&page_size=200`);
    const recs = (await r.json()).items.filter((x) => (x.detail || '').startsWith('secadmin：'));
    assert.deepEqual(recs.map((x) => x.outcome), ['success'], JSON.stringify(recs));
  });
});

// the table pages and who may read them
const PAGES = [
  { who: 'admin', path: '/users', table: 'users-table', has: '用户名' },
  { who: 'secadmin', path: '/sessions', table: 'sessions-table', has: '浏览器' },
  { who: 'admin', path: '/jobs', table: 'schedules-table', has: '任务类型' },
  { who: 'admin', path: '/jobs?tab=jobs', table: null, has: '任务类型' },
  { who: 'admin', path: '/jobs?tab=runs', table: null, has: '任务类型' },
  { who: 'admin', path: '/lexicons', table: 'lexicon-table', has: '名称' },
  { who: 'auditor', path: '/audit', table: 'audit-table', has: '操作' },
  { who: 'auditor', path: '/audit/login', table: 'audit-table', has: '浏览器' },
];

for (const p of PAGES) {
  test(`${p.path}: the shared toolbar and an export that opens as a valid .xlsx`, async (t) => {
    await withPage(t, ctx, async (page) => {
      await signIn(ctx, page, p.who);
      await page.goto(ctx.base + p.path);
      const root = p.table ? page.locator(`.data-table:has([data-test=${p.table}]), [data-test=${p.table}]`).first() : page.locator('.data-table:visible').first();
      const bar = root.locator('[data-test=table-toolbar]').first();
      await bar.waitFor();
      for (const tool of ['table-refresh', 'table-columns', 'table-export']) await bar.locator(`[data-test=${tool}]`).waitFor();
      // export: a zip with a worksheet, headers in words
      const [dl] = await Promise.all([page.waitForEvent('download'), bar.locator('[data-test=table-export]').click()]);
      assert.match(dl.suggestedFilename(), /\.xlsx$/);
      const file = await dl.path();
      assert.equal(readFileSync(file).subarray(0, 2).toString('latin1'), 'PK');
      const sheet = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8' });
      assert.ok(sheet.includes(`<t>${p.has}</t>`), `${p.path}: ${p.has} in the header`);
    });
  });
}

test('the column chooser hides a column and the choice survives a reload; the search form folds away', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/users');
    const table = page.locator('[data-test=users-table]');
    const header = table.locator('.el-table__header-wrapper');
    await header.getByText('手机', { exact: true }).waitFor();
    await page.locator('[data-test=table-columns]').click();
    const chooser = page.locator('[data-test=table-column-chooser]:visible');
    await chooser.locator('.el-checkbox', { hasText: '手机' }).click();
    await until(async () => (await header.getByText('手机', { exact: true }).count()) === 0, 'the phone column hidden');
    await page.reload();
    await header.getByText('用户名', { exact: true }).waitFor();
    assert.equal(await header.getByText('手机', { exact: true }).count(), 0, 'still hidden after a reload');
    // the rest stays in place: 姓名, 所属组织 and 最近登录 are visible at 1366×768
    for (const h of ['姓名', '所属组织', '最近登录']) assert.ok(await header.getByText(h, { exact: true }).first().isVisible(), h);
    // the search form folds away and back
    await page.locator('.filters').waitFor();
    await page.locator('[data-test=table-toggle-search]').click();
    await page.locator('.filters').waitFor({ state: 'detached' });
    await page.locator('[data-test=table-toggle-search]').click();
    await page.locator('.filters').waitFor();
    // all columns back
    await page.locator('[data-test=table-columns]').click();
    await page.locator('[data-test=table-column-chooser]:visible').getByRole('button', { name: '全部显示' }).click();
    await header.getByText('手机', { exact: true }).waitFor();
  });
});

test('tabs: the right-click menu closes around a tab, and open tabs survive F5', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    for (const p of ['/users', '/orgs', '/jobs']) {
      await page.goto(ctx.base + p);
      await page.locator('.tabs-bar .tab.active').waitFor();
    }
    const titles = () => page.locator('.tabs-bar .tab').allInnerTexts().then((a) => a.map((s) => s.trim()));
    await until(async () => (await titles()).length === 4, 'four tabs');
    const [home, users, orgs, jobs] = await titles();
    assert.equal(home, '首页');
    // F5 keeps them
    await page.reload();
    await until(async () => JSON.stringify(await titles()) === JSON.stringify([home, users, orgs, jobs]), 'the same tabs after a reload');
    // 关闭左侧 of 组织机构: 用户管理 goes, home stays
    await page.locator('.tabs-bar .tab', { hasText: orgs }).click({ button: 'right' });
    const menu = page.locator('[data-test=tab-menu]');
    for (const item of ['刷新', '关闭当前', '关闭其他', '关闭左侧', '关闭右侧', '全部关闭']) await menu.getByText(item, { exact: true }).waitFor();
    await menu.getByText('关闭左侧', { exact: true }).click();
    await until(async () => JSON.stringify(await titles()) === JSON.stringify([home, orgs, jobs]), 'left of 组织机构 closed');
    // 关闭右侧 of 组织机构 closes the active 任务调度 and shows 组织机构
    await page.locator('.tabs-bar .tab', { hasText: orgs }).click({ button: 'right' });
    await menu.getByText('关闭右侧', { exact: true }).click();
    await until(async () => JSON.stringify(await titles()) === JSON.stringify([home, orgs]), 'right of 组织机构 closed');
    await page.waitForURL(/\/orgs(\?|$)/);
    // 全部关闭 leaves the home page
    await page.locator('.tabs-bar .tab', { hasText: orgs }).click({ button: 'right' });
    await menu.getByText('全部关闭', { exact: true }).click();
    await until(async () => JSON.stringify(await titles()) === JSON.stringify([home]), 'only the home tab');
    await page.waitForURL(new RegExp(`${ctx.base}/$`));
  });
});

test('the users page offers no action the server refuses: no 停用 of oneself, no 强制下线 without a session', async (t) => {
  // a user who never logged in
  const admin = await ctx.srv.login('admin', ADMIN_PASSWORD, await freshTotp(TOTP_SECRET, 'admin'));
  const org = (await admin.get('/api/v1/orgs?page_size=1')).json.items[0];
  const u = await admin.post('/api/v1/users', { username: 'never_in', name: '从未登录者', org_id: org.id, roles: ['worker'], password: 'Never-In-2026!' });
  assert.equal(u.status, 201, u.body);
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/users');
    const rowOf = (name) => page.locator('[data-test=users-table] .el-table__body tr', { hasText: name }).first();
    await rowOf('secadmin').getByRole('button', { name: '停用' }).waitFor();
    assert.equal(await rowOf('系统管理员').getByRole('button', { name: '停用' }).count(), 0, 'not one\'s own account');
  });
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/users');
    const rows = page.locator('[data-test=users-table] .el-table__body tr');
    await rows.first().waitFor();
    // the security administrator is logged in (a session to end); the audit administrator too, from the tests above
    await page.locator('[data-test=users-table] .el-table__body tr', { hasText: 'secadmin' }).first().locator('[data-test=user-force-logout]').waitFor();
    const n = await rows.count();
    let without = 0;
    for (let i = 0; i < n; i++) {
      const text = await rows.nth(i).innerText();
      if (text.includes('从未登录')) {
        without++;
        assert.equal(await rows.nth(i).locator('[data-test=user-force-logout]').count(), 0, `no 强制下线 for ${text.split('\n')[0]}`);
      }
    }
    assert.ok(without > 0, 'a user who never logged in is listed');
  });
});

test('a page that cannot be shown says so once: no toast beside it, and 返回 rather than a useless 重试', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/lexicons/999');
    await page.locator('.el-result').waitFor();
    await page.locator('[data-test=load-back]').waitFor();
    assert.equal(await page.getByRole('button', { name: '重试' }).count(), 0);
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.el-message').count(), 0, 'no toast as well');
  });
});

test('users import: 下载模板, a file with a bad row is refused row by row in Chinese, a good one creates the users', async (t) => {
  const { xlsx } = await import('../api/lib/xlsx.mjs');
  const HEAD = ['用户名', '姓名', '组织编码', '角色', '手机', '电子邮箱'];
  const admin = await ctx.srv.login('admin', ADMIN_PASSWORD, await freshTotp(TOTP_SECRET, 'admin'));
  const org = (await admin.get('/api/v1/orgs?page_size=1')).json.items[0];
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/users');
    await page.locator('[data-test=user-import-open]').click();
    const dlg = page.locator('.el-dialog', { hasText: '从 Excel 导入用户' });
    const [tpl] = await Promise.all([page.waitForEvent('download'), dlg.locator('[data-test=user-import-template]').click()]);
    assert.match(tpl.suggestedFilename(), /\.xlsx$/);
    assert.equal(readFileSync(await tpl.path()).subarray(0, 2).toString('latin1'), 'PK');
    const upload = async (rows) => {
      await dlg.locator('input[data-test=upload-input]').setInputFiles({ name: 'users.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx([HEAD, ...rows]) });
      await dlg.getByRole('button', { name: '开始导入' }).click();
    };
    await upload([['e2e_imp1', '导入一', org.code, '党务工作者', null, null], ['e2e_imp2', '导入二', 'NO-SUCH', '党务工作者', null, null]]);
    await dlg.locator('[data-test=import-result]', { hasText: '导入未执行' }).waitFor();
    await dlg.locator('[data-test=import-errors] tr', { hasText: '组织编码“NO-SUCH”不存在' }).waitFor();
    await upload([['e2e_imp1', '导入一', org.code, '党务工作者', null, null], ['e2e_imp2', '导入二', org.code, '党务工作者', null, null]]);
    await dlg.locator('[data-test=import-result]', { hasText: '新建 2 个用户' }).waitFor();
    await dlg.getByText('e2e_imp2').waitFor();
    await dlg.getByRole('button', { name: '关闭', exact: true }).click();
    await page.locator('[data-test=users-table] .el-table__body tr', { hasText: 'e2e_imp1' }).waitFor();
  });
});

// Every form label with a "?" tip on one line, left of its field; the users
// list keeps 姓名, 所属组织 and 最近登录 whole: at 1366×768 (the console's
// design size) and 1440×900, checked with element rectangles.
async function formLayoutProblems(page, dialog) {
  return dialog.evaluate((root) => {
    const out = [];
    for (const item of root.querySelectorAll('.el-form-item')) {
      const l = item.querySelector('.el-form-item__label');
      const c = item.querySelector('.el-form-item__content');
      if (!l || !c || !l.textContent.trim()) continue;
      const name = l.textContent.trim();
      const lr = l.getBoundingClientRect();
      const cr = c.getBoundingClientRect();
      // lines: the label's boxes grouped by their vertical centre (a line is ~20 px)
      const centres = [];
      const range = document.createRange();
      range.selectNodeContents(l);
      for (const r of range.getClientRects()) {
        const y = r.top + r.height / 2;
        if (r.width && r.height && !centres.some((c) => Math.abs(c - y) < 10)) centres.push(y);
      }
      const lines = { size: centres.length };
      const tip = l.querySelector('.help-tip');
      if (tip) {
        const tr = tip.getBoundingClientRect();
        if (tr.left < lr.left - 1 || tr.right > lr.right + 1 || tr.top < lr.top - 1 || tr.bottom > lr.bottom + 1) out.push(`${name}: its ? sits outside the label`);
      }
      if (lines.size > 1) out.push(`${name}: label wraps onto ${lines.size} lines`);
      if (l.scrollWidth > l.clientWidth + 1) out.push(`${name}: label cut`);
      if (lr.right > cr.left + 1 && lr.bottom > cr.top + 1 && lr.top < cr.bottom - 1) out.push(`${name}: label overlaps its field`);
    }
    return out;
  });
}

for (const [width, height] of [[1366, 768], [1440, 900]]) {
  test(`at ${width}×${height} form labels with a ? tip stay on one line beside their fields, and the users list shows its key columns whole`, async (t) => {
    await withPage(t, ctx, async (page) => {
      await signIn(ctx, page, 'admin');
      const forms = [
        ['/orgs', async () => { await page.locator('.el-tree-node__content').first().click(); await page.locator('[data-test=org-create]').click(); }, '新建下级组织'],
        ['/users', () => page.locator('[data-test=user-create]').click(), '新建用户'],
        ['/lexicons', () => page.locator('[data-test=lexicon-create]').click(), '新建词库'],
      ];
      const problems = [];
      for (const [path, open, title] of forms) {
        await page.goto(ctx.base + path);
        await open();
        const dialog = page.locator('.el-dialog', { hasText: title }).last();
        await dialog.locator('.el-form-item__label').first().waitFor();
        await page.waitForTimeout(300); // the dialog's opening animation
        for (const p of await formLayoutProblems(page, dialog)) problems.push(`${title}: ${p}`);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
      }
      assert.deepEqual(problems, []);
      // roles belong to the security administrator (separation of duties)
      await page.context().clearCookies();
      await signIn(ctx, page, 'secadmin');
      await page.goto(ctx.base + '/roles');
      await page.locator('[data-test=role-create]').click();
      const roleForm = page.locator('.el-dialog', { hasText: '新建角色' }).last();
      await roleForm.locator('.el-form-item__label').first().waitFor();
      await page.waitForTimeout(300);
      assert.deepEqual(await formLayoutProblems(page, roleForm), []);
      await page.keyboard.press('Escape');
      await page.context().clearCookies();
      await signIn(ctx, page, 'admin');
      await page.goto(ctx.base + '/users');
      const header = page.locator('[data-test=users-table] .el-table__header-wrapper');
      await header.getByText('用户名', { exact: true }).waitFor();
      for (const h of ['姓名', '所属组织', '最近登录']) {
        const cell = header.locator('th .cell', { hasText: h }).first();
        assert.ok(await cell.isVisible(), `${h} shown`);
        const cut = await cell.evaluate((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > document.documentElement.clientWidth);
        assert.equal(cut, false, `${h} whole`);
      }
    }, { viewport: { width, height } });
  });
}
