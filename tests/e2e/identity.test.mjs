// The administration console end to end, as the issue describes it: the
// system administrator logs in with TOTP, creates an organisation and a user;
// the security administrator creates the role that user gets; the user logs
// in (forced password change first) and sees only the menus the role
// allows, and a forbidden page opened by URL answers 403; a wrong password
// is explained and the fifth one locks the account (then unlocked); a
// session ended from the sessions page sends the user to login and back to
// the page; the audit administrator finds all of it in the audit log, with
// the chain verified; the policy is changed; a password reset is shown once;
// the user enrols in TOTP with the QR code. The steps share one server and
// run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startConsole, withPage, login, signIn, totp, until, pickAuditAction, ADMIN_PASSWORD } from './lib/console.mjs';

let ctx;
before(async () => { ctx = await startConsole(); });
after(async () => { await ctx?.stop(); });

const ORG = { name: 'e2e测试区委', code: 'E2E-DIST-01' };
const ROLE = { name: 'org_viewer', title: '组织查看员' };
const USER = { username: 'e2e_worker', name: '测试工作者', password: 'Worker-Init-2026!', next: 'Worker-Next-2026#' };

// every entry of the side menu, open or folded
const menuTexts = (page) =>
  page.locator('.side-menu').evaluate((m) => [...m.querySelectorAll('.el-menu-item, .el-sub-menu__title')].map((e) => e.textContent.trim()));
async function confirmBox(page) {
  await page.locator('.el-message-box__btns .el-button--primary, .el-message-box__btns .el-button--danger').last().click();
}

test('the system administrator logs in with the TOTP step and sees the system menus only', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'admin', ADMIN_PASSWORD, { expectTotp: false });
    await page.getByText('已启用两步验证').waitFor();
    await page.fill('input[name=totp]', '000000');
    await page.locator('[data-test=login-error]', { hasText: '动态验证码错误' }).waitFor();
    await signIn(ctx, page, 'admin');
    const menu = await menuTexts(page);
    for (const m of ['首页', '组织机构', '用户管理', '任务调度', '系统状态']) assert.ok(menu.includes(m), `${m} in ${menu}`);
    for (const m of ['审计日志', '角色权限', '安全策略']) assert.ok(!menu.includes(m), `${m} not in ${menu}`);
  });
});

test('the system administrator creates an organisation under the city', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/orgs');
    await page.locator('[data-test=org-info]', { hasText: '中共上海市委员会' }).waitFor();
    await page.locator('[data-test=org-create]').click();
    const dlg = page.locator('.el-dialog', { hasText: '新建下级组织' });
    await dlg.locator('input[data-test=org-name]').fill(ORG.name);
    await dlg.locator('input[data-test=org-code]').fill(ORG.code);
    await dlg.locator('[data-test=org-type]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: /^区$/ }).click();
    await dlg.locator('[data-test=org-save]').click();
    await dlg.waitFor({ state: 'hidden' });
    await page.locator('[data-test=org-tree]').getByText(ORG.name).click();
    await page.locator('[data-test=org-info]', { hasText: ORG.code }).waitFor();
    // the server's 422 reason appears under the field it concerns
    await page.getByRole('button', { name: '编辑' }).click();
    const edit = page.locator('.el-dialog', { hasText: '编辑组织' });
    await edit.locator('.el-form-item', { hasText: '联系电话' }).locator('input').fill('12');
    await edit.locator('[data-test=org-save]').click();
    await edit.locator('.el-form-item', { hasText: '联系电话' }).locator('.el-form-item__error').waitFor();
    await edit.locator('.el-form-item', { hasText: '联系电话' }).locator('input').fill('021-63211234');
    await edit.locator('.el-form-item', { hasText: '联系人' }).locator('input').fill('张书记');
    await edit.locator('[data-test=org-save]').click();
    await edit.waitFor({ state: 'hidden' });
    await page.locator('[data-test=org-info]', { hasText: '张书记' }).waitFor();
    // the history tab records the change
    await page.getByRole('tab', { name: '变更历史' }).click();
    await page.locator('#pane-history .el-table__body tr', { hasText: '张书记' }).first().waitFor();
    // export: an .xlsx of the subtree
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      (async () => {
        await page.getByRole('button', { name: '导入/导出' }).click();
        await page.locator('.el-dropdown-menu__item:visible', { hasText: '导出' }).click();
      })(),
    ]);
    assert.match(download.suggestedFilename(), /\.xlsx$/);
    const head = readFileSync(await download.path()).subarray(0, 2);
    assert.equal(head.toString('latin1'), 'PK', 'an .xlsx is a zip file');
  });
});

test('the security administrator creates a role from the permission tree', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/roles');
    await page.locator('[data-test=role-create]').click();
    const dlg = page.locator('.el-dialog', { hasText: '新建角色' });
    await dlg.locator('input[data-test=role-title]').fill(ROLE.title);
    await dlg.locator('input[data-test=role-name]').fill(ROLE.name);
    await dlg.getByText('本组织及下级').click();
    for (const code of ['org.read', 'user.read']) {
      await dlg.locator('[data-test=perm-tree] .el-tree-node__content', { hasText: `（${code}）` }).locator('.el-checkbox').click();
    }
    await dlg.locator('[data-test=role-save]').click();
    await dlg.waitFor({ state: 'hidden' });
    await page.locator('[data-test=roles-table] tr', { hasText: ROLE.title }).waitFor();
  });
});

test('the system administrator creates a user in the new organisation with that role', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/users');
    await page.locator('[data-test=user-create]').click();
    const dlg = page.locator('.el-dialog', { hasText: '新建用户' });
    await dlg.locator('input[data-test=user-username]').fill(USER.username);
    await dlg.locator('input[data-test=user-name]').fill(USER.name);
    await dlg.locator('input[data-test=user-password]').fill(USER.password);
    // organisation: open the tree picker, expand the city, pick the new district
    await dlg.locator('.el-form-item', { hasText: '所属组织' }).locator('.el-select').click();
    const pop = page.locator('.el-tree-select__popper:visible, .el-select__popper:visible').last();
    await pop.locator('.el-tree-node', { hasText: '中共上海市委员会' }).first().locator('.el-tree-node__expand-icon').first().click();
    await pop.locator('.el-tree-node__content', { hasText: ORG.name }).click();
    await dlg.locator('.el-form-item', { hasText: '所属组织' }).getByText(ORG.name).waitFor();
    await dlg.locator('[data-test=user-roles]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: ROLE.title }).click();
    await dlg.getByText('用户名', { exact: true }).click(); // close the dropdown
    await dlg.locator('[data-test=user-save]').click();
    await dlg.waitFor({ state: 'hidden' });
    const row = page.locator('[data-test=users-table] .el-table__body tr', { hasText: USER.username });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(ORG.name));
  });
});

test('the organisation tree beside the user list and the organisation picker find an organisation by its pinyin initials', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/users');
    const aside = page.locator('[data-test=org-aside]');
    assert.equal(await aside.count(), 0, 'at 1366×768 the table keeps the room');
    await page.locator('[data-test=users-tree-toggle]').click();
    await aside.waitFor();
    // 测试区委: ce shi qu wei
    await aside.locator('input[data-test=org-aside-search]').fill('csqw');
    await aside.locator('[data-test=org-aside-hit]', { hasText: ORG.name }).click();
    const rows = page.locator('[data-test=users-table] .el-table__body-wrapper .el-table__row');
    await rows.filter({ hasText: USER.username }).first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-test=users-table] .el-table__body-wrapper .el-table__row')].every((r) => !r.textContent.includes('系统管理员')));
    // 全部组织 brings everyone back
    await aside.locator('[data-test=org-aside-all]').click();
    await rows.filter({ hasText: 'admin' }).first().waitFor();

    // the picker of the user form: type the initials, pick the match
    await page.locator('[data-test=user-create]').click();
    const dlg = page.locator('.el-dialog', { hasText: '新建用户' });
    const item = dlg.locator('.el-form-item', { hasText: '所属组织' });
    await item.locator('.el-select').click();
    await item.locator('.el-select input').fill('csqw');
    const hit = page.locator('[data-test=org-hits]:visible [data-test=org-hit]', { hasText: ORG.name });
    await hit.click();
    await item.locator('.el-select__selected-item, .el-select__placeholder').filter({ hasText: ORG.name }).first().waitFor();
    await dlg.getByRole('button', { name: '取消' }).click();
  });
});

test('the roles list exports to .xlsx with permissions by name', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/roles');
    const dl = page.waitForEvent('download');
    await page.locator('[data-test=roles-export]').click();
    assert.equal((await dl).suggestedFilename(), '角色.xlsx');
  });
});

test('the new user changes the initial password and sees only what the role allows; other pages are 403', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, USER.username, USER.password, { redirect: '/orgs' });
    await page.waitForURL(/\/change-password/);
    // the rules of the security policy are shown beside the form
    await page.locator('[data-test=password-rules]', { hasText: '长度不少于 8 个字符' }).waitFor();
    await page.locator('[data-test=password-rules]', { hasText: '不能与最近 5 次使用过的密码相同' }).waitFor();
    await page.fill('input[name=old_password]', USER.password);
    await page.fill('input[name=new_password]', USER.next);
    await page.fill('input[name=confirm]', USER.next);
    await page.locator('[data-test=password-save]').click();
    await page.waitForURL(/\/orgs$/);
    await page.locator('[data-test=user-menu]', { hasText: USER.name }).waitFor();
    const menu = await menuTexts(page);
    assert.deepEqual(menu, ['首页', '消息中心', '内容校对', '校真', '组织与用户', '组织机构', '用户管理', '运维监控', '接口文档']);
    // data scope: the tree starts at the user's own organisation
    await page.locator('[data-test=org-tree]').getByText(ORG.name).waitFor();
    assert.equal(await page.locator('[data-test=org-tree]').getByText('中共上海市委员会').count(), 0);
    // no write permission: no create button
    assert.equal(await page.locator('[data-test=org-create]').count(), 0);
    for (const path of ['/system', '/audit', '/roles', '/jobs']) {
      await page.goto(ctx.base + path);
      await page.locator('[data-test=forbidden]').waitFor();
      assert.match(await page.locator('[data-test=forbidden]').innerText(), new RegExp(`403[\\s\\S]*${path}`));
    }
  });
});

test('a wrong password is explained without telling whether the account exists, and five lock it', async (t) => {
  await withPage(t, ctx, async (page) => {
    await page.goto(ctx.base + '/login');
    const err = page.locator('[data-test=login-error]');
    for (let i = 1; i <= 5; i++) {
      await page.fill('input[name=username]', USER.username);
      await page.fill('input[name=password]', `wrong-${i}`);
      const answered = page.waitForResponse((r) => r.url().includes('/api/v1/auth/login'));
      await page.click('[data-test=login-submit]');
      assert.equal((await answered).status(), 401);
      await err.filter({ hasText: '用户名或密码错误' }).waitFor();
      assert.doesNotMatch(await err.innerText(), /还可尝试|锁定/);
    }
    // the right password learns that the account is locked
    await page.fill('input[name=password]', USER.next);
    await page.click('[data-test=login-submit]');
    await err.filter({ hasText: '账户已锁定' }).waitFor();
    assert.match(page.url(), /\/login/);
  });
});

test('the administrator sees the lock and unlocks the user', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    // the home page's to-do leads to the locked accounts only (/users?locked=1)
    await page.goto(ctx.base + '/');
    await page.locator('[data-test=todo-item]', { hasText: '被锁定的账号' }).click();
    await page.waitForURL(/\/users\?locked=1$/);
    const rows = page.locator('[data-test=users-table] .el-table__body tr');
    await rows.first().getByText(USER.username).waitFor();
    assert.equal(await rows.count(), 1);
    const row = page.locator('[data-test=users-table] .el-table__body tr', { hasText: USER.username });
    await row.getByText('锁定').waitFor();
    await row.getByRole('button', { name: '解锁' }).click();
    await row.getByRole('button', { name: '解锁' }).waitFor({ state: 'detached' });
  });
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, USER.username, USER.next);
    await page.locator('[data-test=user-menu]', { hasText: USER.name }).waitFor();
  });
});

test('a session ended by the security administrator sends the user to login, then back to the page', async (t) => {
  await withPage(t, ctx, async (worker) => {
    await login(worker, ctx.base, USER.username, USER.next, { redirect: '/orgs' });
    await worker.locator('[data-test=org-tree]').getByText(ORG.name).waitFor();
    await withPage(t, ctx, async (sec) => {
      await signIn(ctx, sec, 'secadmin');
      await sec.goto(ctx.base + '/sessions');
      // the search box finds the user's sessions (and only those)
      await sec.locator('input[data-test=session-search]').fill(USER.username);
      await sec.locator('input[data-test=session-search]').press('Enter');
      const all = sec.locator('[data-test=sessions-table] .el-table__body tr');
      const rows = sec.locator('[data-test=sessions-table] .el-table__body tr', { hasText: USER.username });
      await rows.first().waitFor();
      // the rows before the search answers are everyone's: wait for the answer
      await until(async () => (await all.count()) === (await rows.count()), 'the table lists only the user\'s sessions');
      const n = await rows.count();
      for (let i = 0; i < n; i++) {
        await rows.first().getByRole('button', { name: '强制下线' }).click();
        await confirmBox(sec);
        await sec.getByText('已强制下线').first().waitFor();
      }
      await rows.first().waitFor({ state: 'detached' });
    });
    // the next request of the ended session: back to login, remembering the page
    await worker.locator('.side-menu').getByText('用户管理').click();
    await worker.waitForURL(/\/login\?redirect=(%2F|\/)users/);
    await worker.fill('input[name=username]', USER.username);
    await worker.fill('input[name=password]', USER.next);
    await worker.click('[data-test=login-submit]');
    await worker.waitForURL(/\/users$/);
    await worker.locator('[data-test=users-table] .el-table__body tr', { hasText: USER.username }).waitFor();
  });
});

test('the audit administrator sees those actions in the audit log with the chain verified', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'auditor');
    await page.goto(ctx.base + '/');
    assert.deepEqual(await menuTexts(page), ['首页', '消息中心', '内容校对', '校真', '安全审计', '操作日志', '登录日志', '运维监控', '接口文档']);
    await page.goto(ctx.base + '/audit');
    await page.locator('[data-test=audit-verify]', { hasText: '校验通过' }).waitFor();
    const table = page.locator('[data-test=audit-table] .el-table__body');
    for (const action of ['org.create', 'role.create', 'user.create', 'user.unlock', 'session.force_logout']) {
      const label = await pickAuditAction(page, action);
      // the action in words, never its code
      await table.locator('tr', { hasText: label }).first().waitFor();
      await until(async () => (await table.locator(`tr [data-action]:not([data-action="${action}"])`).count()) === 0, `only ${action} rows`);
      assert.equal(await table.getByText(action, { exact: true }).count(), 0);
    }
    // the target by name: 用户「…」
    await table.locator('tr', { hasText: `用户「${USER.name}」` }).first().waitFor();
    // logins are not in the operation log: they have a view of their own
    await page.locator('.filters').getByRole('button', { name: '重置' }).click();
    await until(async () => (await table.locator('tr').count()) > 0, 'rows after reset');
    assert.equal(await table.locator('tr [data-action="auth.login"]').count(), 0);
    // failed logins are in the 登录日志, as failures, the browser in words
    await page.locator('.side-menu').getByText('登录日志').click();
    await page.waitForURL(/\/audit\/login$/);
    const logins = page.locator('[data-test=audit-table] .el-table__body');
    await page.locator('[data-test=audit-outcome]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '失败' }).click();
    const failed = logins.locator('tr', { hasText: USER.username }).first();
    await failed.waitFor();
    await failed.getByText(/Chrome \d+ · Linux|Chrome（无界面） \d+ · Linux/).waitFor();
    assert.equal(await logins.locator('tr [data-action]:not([data-action="auth.login"]):not([data-action="auth.logout"])').count(), 0);
    // detail drawer shows before/after of the user creation, fields in words
    await page.locator('.side-menu').getByText('操作日志').click();
    await page.waitForURL(/\/audit$/);
    await pickAuditAction(page, 'user.create');
    await table.locator('tr [data-action="user.create"]').first().click();
    const drawer = page.locator('[data-test=audit-detail]');
    await drawer.getByText('变更内容').waitFor();
    const diff = drawer.locator('.el-table', { hasText: '修改后' });
    await diff.getByText(USER.username).first().waitFor();
    await diff.getByText('须修改密码').waitFor();
    await diff.getByText('创建时间').waitFor();
    assert.equal(await diff.getByText('must_change_password', { exact: true }).count(), 0);
    assert.equal(await diff.getByText('null', { exact: true }).count(), 0);
  });
});

test('the security administrator changes the policy and it is saved', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/security/policy');
    const item = page.locator('[data-test=policy-form] .el-form-item', { hasText: '锁定时长' });
    await item.locator('input').fill('20');
    await item.locator('input').blur();
    await page.locator('[data-test=policy-save]').click();
    await confirmBox(page);
    await page.getByText('安全策略已保存').waitFor();
    await page.reload();
    // the form fills in once GET /security/policy answers: wait for the value, not for the input
    const lock = page.locator('[data-test=policy-form] .el-form-item', { hasText: '锁定时长' }).locator('input');
    await until(async () => (await lock.inputValue()) === '20', 'the saved lock time after a reload');
  });
});

test('a password reset shows the generated password once and forces a change at next login', async (t) => {
  let generated;
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/users');
    const row = page.locator('[data-test=users-table] .el-table__body tr', { hasText: USER.username });
    await row.getByRole('button', { name: '重置密码' }).click();
    await confirmBox(page);
    generated = (await page.locator('[data-test=new-password]').innerText()).trim();
    assert.ok(generated.length >= 8, generated);
    await page.getByRole('button', { name: '我已记下，关闭' }).click();
    await page.locator('[data-test=new-password]').waitFor({ state: 'hidden' });
  });
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, USER.username, generated);
    await page.waitForURL(/\/change-password/);
    await page.fill('input[name=old_password]', generated);
    await page.fill('input[name=new_password]', USER.next + 'x');
    await page.fill('input[name=confirm]', USER.next + 'x');
    await page.locator('[data-test=password-save]').click();
    await page.locator('[data-test=user-menu]', { hasText: USER.name }).waitFor();
  });
});

test('a user enrols in two-step verification with the QR code and then needs the code to log in', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, USER.username, USER.next + 'x');
    await page.locator('[data-test=user-menu]').click();
    await page.locator('.el-dropdown-menu__item:visible', { hasText: '两步验证' }).click();
    await page.locator('[data-test=totp-start]').click();
    await page.locator('[data-test=totp-qr] svg').waitFor();
    const d = await page.locator('[data-test=totp-qr] svg path').first().getAttribute('d');
    assert.ok(d && d.length > 200, 'the QR code is drawn');
    const secret = (await page.locator('[data-test=totp-secret]').innerText()).trim();
    await page.locator('input[data-test=totp-code]').fill(totp(secret));
    await page.locator('[data-test=totp-enable]').click();
    await page.locator('.el-result', { hasText: '两步验证已开启' }).waitFor();
    await withPage(t, ctx, async (again) => {
      await login(again, ctx.base, USER.username, USER.next + 'x', { expectTotp: false });
      await again.locator('input[name=totp]').waitFor();
    });
  });
});

test('a user changes their own phone and e-mail on the profile page, confirmed by the password', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'auditor');
    await page.goto(ctx.base + '/profile');
    await page.locator('[data-test=contact-edit]').click();
    const dlg = page.locator('.el-dialog', { hasText: '修改联系方式' });
    await dlg.locator('input[data-test=contact-phone]').fill('13700001111');
    await dlg.locator('input[data-test=contact-email]').fill('shenji@example.cn');
    await dlg.locator('input[data-test=contact-password]').fill('wrong-password');
    await dlg.locator('[data-test=contact-save]').click();
    await dlg.locator('.el-form-item__error', { hasText: '密码不正确' }).waitFor();
    await dlg.locator('input[data-test=contact-password]').fill(ADMIN_PASSWORD);
    await dlg.locator('[data-test=contact-save]').click();
    await dlg.waitFor({ state: 'hidden' });
    await page.locator('.el-descriptions', { hasText: '13700001111' }).waitFor();
    await page.locator('.el-descriptions', { hasText: 'shenji@example.cn' }).waitFor();
    // and it holds after a reload
    await page.reload();
    await page.locator('.el-descriptions', { hasText: 'shenji@example.cn' }).waitFor();
  });
});
