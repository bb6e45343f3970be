// The security administrator's answers to a compromised account, end to
// end: a user (made through the API: a role with org.read, a password
// change, TOTP enrolled, API tokens); an action through a token is marked
// in the audit log; the security administrator lists the user's tokens on
// the users page and revokes one (the token stops working; the owner's own
// revoke reads 本人吊销), resets the user's TOTP (已绑定 → 未绑定, sessions
// end); the system administrator sees none of these buttons; the user's
// home and profile pages show the login before this one as 上次登录; the
// login rate limits of the policy are saved. The steps share one server and
// run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, signIn, freshTotp, until, pickAuditAction, TOTP_SECRET, ADMIN_PASSWORD } from './lib/console.mjs';

let ctx, sec, admin, user, relogin;
const USER = { username: 'e2e_token_user', name: '令牌测试员', password: 'Token-Init-2026!', next: 'Token-Next-2026#' };
const ROLE = { name: 'e2e_reader', title: '测试查看员' };
const TOKEN = { name: '数据同步（测试）', other: '临时脚本（测试）' };
let token, tokenId, otherId;

// "2026-12-05 09:12:03" in the console's zone (the browser runs in Asia/Shanghai)
const shanghai = (iso) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
    .format(new Date(iso))
    .replace('T', ' ');
// a browser page signs in with an API login's session cookie
const cookiesOf = (client) => {
  const [name, ...rest] = client.cookie.split('=');
  return [{ name, value: rest.join('='), url: ctx.base }];
};
const ok = (r, what) => assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.body}`);
async function confirmBox(page) {
  await page.locator('.el-message-box__btns .el-button--primary, .el-message-box__btns .el-button--danger').last().click();
}
const userRow = (page) => page.locator('[data-test=users-table] .el-table__body tr', { hasText: USER.username });

before(async () => {
  ctx = await startConsole();
  const srv = ctx.srv;
  // the administrators through the API; their browser pages reuse these sessions
  sec = await srv.login('secadmin', ADMIN_PASSWORD, await freshTotp(TOTP_SECRET, 'secadmin'));
  ctx.states.secadmin = cookiesOf(sec);
  admin = await srv.login('admin', ADMIN_PASSWORD, await freshTotp(TOTP_SECRET, 'admin'));
  ctx.states.admin = cookiesOf(admin);
  ok(await sec.post('/api/v1/roles', { name: ROLE.name, title: ROLE.title, permissions: ['org.read'], data_scope: 'subtree' }), 'role');
  ok(await admin.post('/api/v1/users', { username: USER.username, name: USER.name, password: USER.password, org_id: admin.me.user.org_id, roles: [ROLE.name] }), 'user');
  // the user's first login: the forced password change, then TOTP enrolment
  user = await srv.login(USER.username, USER.password);
  ok(await user.post('/api/v1/auth/password', { old_password: USER.password, new_password: USER.next }), 'password change');
  const setup = await user.post('/api/v1/auth/totp/setup', {});
  ok(setup, 'totp setup');
  ok(await user.post('/api/v1/auth/totp/enable', { code: await freshTotp(setup.json.secret, USER.username) }), 'totp enable');
});
after(async () => { await ctx?.stop(); });

test('an action through an API token is marked in the audit log', async (t) => {
  const expires = new Date(Date.now() + 30 * 86400000).toISOString();
  const r = await user.post('/api/v1/auth/tokens', { name: TOKEN.name, permissions: ['org.read'], expires_at: expires });
  ok(r, 'token');
  token = r.json.token;
  tokenId = r.json.id;
  const other = await user.post('/api/v1/auth/tokens', { name: TOKEN.other, permissions: ['org.read'], expires_at: expires });
  ok(other, 'second token');
  otherId = other.json.id;
  // the owner revokes the second one (no reason recorded: 本人吊销)
  ok(await user.del(`/api/v1/auth/tokens/${otherId}`), 'own revoke');
  // an audited action through the first: the export of the organisations
  const bearer = ctx.srv.bearer(token);
  ok(await bearer.get('/api/v1/orgs/export'), 'export through the token');
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'auditor');
    await page.goto(ctx.base + '/audit');
    await pickAuditAction(page, 'org.export');
    const row = page.locator('[data-test=audit-table] .el-table__body tr', { hasText: USER.username }).first();
    await row.locator('[data-test=audit-token]', { hasText: `令牌 #${tokenId}` }).waitFor();
    await row.click();
    const drawer = page.locator('[data-test=audit-detail]');
    await drawer.locator('[data-test=audit-detail-token]', { hasText: `经由 API 令牌 #${tokenId}` }).waitFor();
    // the action is in words
    await drawer.getByText('导出组织（.xlsx）').first().waitFor();
  });
});

test('the security administrator lists a user\'s API tokens and revokes one', async (t) => {
  const bearer = ctx.srv.bearer(token);
  assert.equal((await bearer.get('/api/v1/orgs')).status, 200);
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/users');
    await userRow(page).getByRole('button', { name: '令牌' }).click();
    const dlg = page.locator('.el-dialog', { hasText: `API 令牌：${USER.name}` });
    const live = dlg.locator('.el-table__body tr', { hasText: TOKEN.name });
    const mine = dlg.locator('.el-table__body tr', { hasText: TOKEN.other });
    await live.getByText('有效').waitFor();
    await live.getByText('查看、导出组织机构').waitFor(); // the permission's title, not org.read
    await mine.getByText('已吊销').waitFor();
    await mine.getByText('本人吊销').waitFor();
    assert.equal(await mine.getByRole('button', { name: '吊销' }).count(), 0);
    assert.doesNotMatch(await dlg.innerText(), /org\.read|revoked_by|zdt_[0-9a-f]{20}/);
    await live.getByRole('button', { name: '吊销' }).click();
    await page.locator('.el-message-box', { hasText: TOKEN.name }).waitFor();
    await confirmBox(page);
    await page.getByText(`已吊销令牌「${TOKEN.name}」`).waitFor();
    await live.getByText('管理员吊销').waitFor();
    assert.equal(await live.getByRole('button', { name: '吊销' }).count(), 0);
  });
  // the token no longer opens anything
  await until(async () => (await bearer.get('/api/v1/orgs')).status === 401, 'the revoked token is refused');
  const list = await sec.get(`/api/v1/users/${user.me.user.id}/tokens`);
  assert.equal(list.json.items.find((x) => x.id === tokenId).revoked_reason, 'revoked_by_admin');
});

test('the security administrator resets a user\'s TOTP: 已绑定 becomes 未绑定 and the sessions end', async (t) => {
  assert.equal((await user.get('/api/v1/auth/me')).status, 200);
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/users');
    const row = userRow(page);
    await row.locator('[data-test=user-totp]', { hasText: '已绑定' }).waitFor();
    await row.getByRole('button', { name: '重置动态口令' }).click();
    const box = page.locator('.el-message-box', { hasText: '重置动态口令' });
    await box.getByText('API 令牌').waitFor(); // says what goes with it
    await confirmBox(page);
    await page.getByText(`已重置「${USER.name}」的动态口令`).waitFor();
    await row.locator('[data-test=user-totp]', { hasText: '未绑定' }).waitFor();
    assert.equal(await row.getByRole('button', { name: '重置动态口令' }).count(), 0);
  });
  // the user's session is gone and the password alone logs in again
  assert.equal((await user.get('/api/v1/auth/me')).status, 401);
  relogin = await ctx.srv.login(USER.username, USER.next);
  assert.equal(relogin.me.user.totp_enabled, false);
});

test('the system administrator sees no token or TOTP actions on the users page', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/users');
    const row = userRow(page);
    await row.getByRole('button', { name: '重置密码' }).waitFor();
    assert.equal(await row.getByRole('button', { name: '令牌' }).count(), 0);
    assert.equal(await row.getByRole('button', { name: '重置动态口令' }).count(), 0);
    assert.equal(await row.getByRole('button', { name: '强制下线' }).count(), 0);
  });
});

test('the home and profile pages show the login before this one as 上次登录', async (t) => {
  const previous = relogin.me.user.last_login_at; // the API login after the TOTP reset
  assert.ok(previous);
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, USER.username, USER.next);
    await page.locator('[data-test=user-menu]', { hasText: USER.name }).waitFor();
    const line = page.locator('[data-test=previous-login]');
    await line.waitFor();
    assert.equal((await line.innerText()).trim(), `· 上次登录 ${shanghai(previous)}（127.0.0.1）`);
    // not this login
    const me = await page.evaluate(async () => (await (await fetch('/api/v1/auth/me')).json()).user);
    assert.equal(me.previous_login_at, previous);
    assert.notEqual(me.last_login_at, previous);
    await page.goto(ctx.base + '/profile');
    assert.equal((await page.locator('[data-test=previous-login]').innerText()).trim(), `${shanghai(previous)}（127.0.0.1）`);
  });
  // the security administrator's only login so far was this suite's: 首次登录
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/');
    assert.equal((await page.locator('[data-test=previous-login]').innerText()).trim(), '· 首次登录');
  });
});

test('the security administrator sets both login rate limits of the policy', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'secadmin');
    await page.goto(ctx.base + '/security/policy');
    const rate = page.locator('[data-test=policy-login-rate]');
    const address = page.locator('[data-test=policy-login-address]');
    await rate.getByText('同一账号每分钟失败次数').waitFor();
    await address.getByText('每个地址每分钟登录次数').waitFor();
    assert.equal(await address.locator('input').inputValue(), '600');
    assert.equal(await rate.locator('input').inputValue(), '10');
    await address.locator('input').fill('1500');
    await address.locator('input').blur();
    await rate.locator('input').fill('20');
    await rate.locator('input').blur();
    await page.locator('[data-test=policy-save]').click();
    await confirmBox(page);
    await page.getByText('安全策略已保存').waitFor();
    await page.reload();
    await until(async () => (await page.locator('[data-test=policy-login-address] input').inputValue()) === '1500', 'the saved value is shown');
    assert.equal(await page.locator('[data-test=policy-login-rate] input').inputValue(), '20');
  });
  const p = (await sec.get('/api/v1/security/policy')).json;
  assert.equal(p.login_address_per_minute, 1500);
  assert.equal(p.login_rate_per_minute, 20);
});
