// Identity and access control (issue 4): login, sessions, CSRF, lockout,
// password policy, TOTP, tokens, data scope, three-role separation, audit.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, totp, ADMIN_PASSWORD } from './lib/server.mjs';
import { xlsx } from './lib/xlsx.mjs';

const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const PW = 'Sh@nghai-2026x';

let srv, admin, secadmin, auditor;
const secrets = [ADMIN_PASSWORD, PW]; // must never show up in logs or responses
let allBodies = '';

async function track(p) {
  const r = await p;
  allBodies += r.body;
  return r;
}

function envelope(r, status, code) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json?.error?.code, code, r.body);
}

async function orgByCode(client, code) {
  const r = await client.get(`/api/v1/orgs?q=${encodeURIComponent(code)}&page_size=200`);
  return r.json.items.find((o) => o.code === code);
}

async function createUser(client, body) {
  const r = await track(client.post('/api/v1/users', { password: PW, ...body }));
  assert.equal(r.status, 201, r.body);
  return r.json;
}

// Logs in a freshly created user and completes the forced password change.
async function loginFresh(username, password = PW) {
  const s = await srv.login(username, password);
  if (s.me.must_change_password) {
    const np = password + 'N';
    const r = await s.post('/api/v1/auth/password', { old_password: password, new_password: np });
    assert.equal(r.status, 204, r.body);
    secrets.push(np);
    return { ...s, me: (await s.get('/api/v1/auth/me')).json }; // the same session goes on
  }
  return s;
}

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  secadmin = await srv.login('secadmin');
  auditor = await srv.login('auditor');
});

after(async () => {
  const stopped = await srv.stop({ keep: true });
  assert.equal(stopped.code, 0);
  // nothing secret in any log file or any response we saw
  const logs = readdirSync(join(srv.data, 'logs')).map((f) => readFileSync(join(srv.data, 'logs', f), 'utf8')).join('\n');
  for (const s of secrets) {
    assert.ok(!logs.includes(s), `a secret appears in the logs: ${s.slice(0, 3)}…`);
    assert.ok(!allBodies.includes(s), `a secret appears in an API response: ${s.slice(0, 3)}…`);
  }
  srv.removeData();
});

describe('login and sessions', () => {
  test('login sets an HttpOnly SameSite=Strict cookie and returns the user and a CSRF token', async () => {
    const r = await track(srv.post('/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD }));
    assert.equal(r.status, 200);
    const c = r.headers.get('set-cookie');
    assert.match(c, /zhendi_session=[0-9a-f]{64}/);
    assert.match(c, /HttpOnly/);
    assert.match(c, /SameSite=Strict/);
    assert.equal(r.json.user.username, 'admin');
    assert.match(r.json.csrf_token, /^[0-9a-f]{64}$/);
    assert.ok(r.json.permissions.includes('org.write'));
    assert.deepEqual(r.json.password_policy, { min_length: 8, min_classes: 3, history: 5, max_age_days: 90 });
  });

  test('上次登录 is the login before this one, not this one', async () => {
    const org = await orgByCode(admin, 'SH-XH');
    await createUser(admin, { username: 'twice_in', name: '两次登录', org_id: org.id, roles: ['worker'] });
    const s1 = await loginFresh('twice_in');
    const pw = secrets.at(-1);
    const first = (await s1.get('/api/v1/auth/me')).json.user;
    const s2 = await srv.login('twice_in', pw);
    const u = s2.me.user;
    assert.equal(u.previous_login_at, first.last_login_at);
    // a failed attempt in between changes neither
    envelope(await srv.post('/api/v1/auth/login', { username: 'twice_in', password: 'nope-nope' }), 401, 'invalid_credentials');
    assert.deepEqual((await s2.get('/api/v1/auth/me')).json.user.previous_login_at, first.last_login_at);
  });

  test('wrong password is 401 invalid_credentials, unknown user too (no enumeration)', async () => {
    envelope(await srv.post('/api/v1/auth/login', { username: 'admin', password: 'nope-nope' }), 401, 'invalid_credentials');
    envelope(await srv.post('/api/v1/auth/login', { username: 'ghost', password: 'nope-nope' }), 401, 'invalid_credentials');
  });

  test('API calls without a session are 401', async () => {
    envelope(await srv.get('/api/v1/orgs'), 401, 'unauthenticated');
    envelope(await srv.get('/api/v1/users', { cookie: 'zhendi_session=' + 'a'.repeat(64) }), 401, 'unauthenticated');
  });

  test('a mutating request with the cookie but without X-CSRF-Token is 403', async () => {
    const r = await srv.request('POST', '/api/v1/orgs', { cookie: admin.cookie, body: { name: 'x', code: 'x1', type: 'branch', parent_id: 1 } });
    envelope(r, 403, 'csrf_failed');
    const r2 = await srv.request('POST', '/api/v1/orgs', { cookie: admin.cookie, headers: { 'x-csrf-token': 'f'.repeat(64) }, body: {} });
    envelope(r2, 403, 'csrf_failed');
  });

  test('logout ends the session on the server', async () => {
    const s = await srv.admin();
    assert.equal((await s.get('/api/v1/auth/me')).status, 200);
    assert.equal((await s.post('/api/v1/auth/logout')).status, 204);
    envelope(await s.get('/api/v1/auth/me'), 401, 'unauthenticated');
  });

  test('an idle session expires, and so does one past its absolute lifetime', async () => {
    const s = await srv.admin();
    srv.sql(`UPDATE sessions SET last_seen_at = last_seen_at - 31*60*1000 WHERE user_id = 1 AND revoked_at IS NULL AND last_seen_at = (SELECT MAX(last_seen_at) FROM sessions WHERE user_id = 1)`);
    envelope(await s.get('/api/v1/auth/me'), 401, 'unauthenticated');
    const s2 = await srv.admin();
    srv.sql(`UPDATE sessions SET expires_at = 1 WHERE id = (SELECT MAX(id) FROM sessions)`);
    envelope(await s2.get('/api/v1/auth/me'), 401, 'unauthenticated');
    admin = await srv.admin();
  });

  test('the security administrator lists online sessions and forces a logout', async () => {
    const org = await orgByCode(admin, 'SH-XH');
    await createUser(admin, { username: 'kick_me', name: '待下线', org_id: org.id, roles: ['worker'] });
    const victim = await loginFresh('kick_me');
    const list = await secadmin.get(`/api/v1/sessions?user_id=${victim.me.user.id}`);
    assert.equal(list.status, 200);
    assert.equal(list.json.total, 1);
    const byName = await secadmin.get('/api/v1/sessions?q=kick_');
    assert.deepEqual(byName.json.items.map((x) => x.username), ['kick_me']);
    const r = await secadmin.del(`/api/v1/sessions/${list.json.items[0].id}`);
    assert.equal(r.status, 204);
    envelope(await victim.get('/api/v1/auth/me'), 401, 'unauthenticated');
    // and all sessions of a user at once
    const v2 = await srv.login('kick_me', secrets.at(-1));
    assert.equal((await secadmin.post(`/api/v1/users/${victim.me.user.id}/logout`)).status, 204);
    envelope(await v2.get('/api/v1/auth/me'), 401, 'unauthenticated');
  });
});

describe('lockout and rate limit', () => {
  test('five wrong passwords lock the account for 15 minutes (423 to the right password only), unlock restores it', async () => {
    const org = await orgByCode(admin, 'SH-CN');
    const u = await createUser(admin, { username: 'lock_me', name: '锁定测试', org_id: org.id, roles: ['worker'] });
    // every wrong password gets the same answer, before and after the lock
    for (let i = 1; i <= 6; i++) envelope(await srv.post('/api/v1/auth/login', { username: 'lock_me', password: 'wrong-' + i }), 401, 'invalid_credentials');
    // the right password is refused while locked, and says why
    envelope(await srv.post('/api/v1/auth/login', { username: 'lock_me', password: PW }), 423, 'account_locked');
    const detail = await admin.get(`/api/v1/users/${u.id}`);
    assert.ok(detail.json.locked_until);
    const locked = await admin.get('/api/v1/users?locked=1');
    assert.deepEqual(locked.json.items.map((x) => x.username), ['lock_me']);
    const todo = await admin.get('/api/v1/dashboard/todo');
    assert.equal(todo.json.items.find((t) => t.key === 'locked_users').link, '/users?locked=1');
    assert.equal((await admin.post(`/api/v1/users/${u.id}/unlock`)).status, 204);
    assert.equal((await srv.post('/api/v1/auth/login', { username: 'lock_me', password: PW })).status, 200);
  });

  test('too many failed logins for one name from one address are 429', async () => {
    const r = await secadmin.patch('/api/v1/security/policy', { login_rate_per_minute: 5 });
    assert.equal(r.status, 200, r.body);
    srv.sql('DELETE FROM login_attempts');
    let last;
    for (let i = 0; i < 6; i++) last = await srv.post('/api/v1/auth/login', { username: 'ghost', password: 'x-y-z-1' });
    envelope(last, 429, 'too_many_requests');
    assert.equal(last.headers.get('retry-after'), '60');
    await secadmin.patch('/api/v1/security/policy', { login_rate_per_minute: 1000 });
    srv.sql('DELETE FROM login_attempts');
  });
});

describe('passwords', () => {
  test('the password policy refuses short, simple and name-containing passwords with reasons', async () => {
    const org = await orgByCode(admin, 'SH-PT');
    for (const [pw, hint] of [['Ab1!', '至少'], ['abcdefghij', '至少 3 类'], ['Weak_pw_user_x1', '用户名']]) {
      const r = await admin.post('/api/v1/users', { username: 'weak_pw_user_x', name: '弱', org_id: org.id, roles: ['worker'], password: pw });
      envelope(r, 422, 'invalid_fields');
      assert.match(r.json.error.fields.password, new RegExp(hint), r.body);
    }
  });

  test('an administrator-set password must be changed at first login; until then 403 password_change_required', async () => {
    const org = await orgByCode(admin, 'SH-JA');
    await createUser(admin, { username: 'first_login', name: '首次', org_id: org.id, roles: ['worker'] });
    const s = await srv.login('first_login', PW);
    assert.equal(s.me.must_change_password, true);
    envelope(await s.get('/api/v1/orgs'), 403, 'password_change_required');
    assert.equal((await s.get('/api/v1/auth/me')).status, 200);
    // the new password is checked, and cannot be the old one
    envelope(await s.post('/api/v1/auth/password', { old_password: PW, new_password: PW }), 422, 'invalid_fields');
    envelope(await s.post('/api/v1/auth/password', { old_password: 'bad-old-1', new_password: 'Another-Pass-9' }), 422, 'invalid_fields');
    assert.equal((await s.post('/api/v1/auth/password', { old_password: PW, new_password: 'Another-Pass-9' })).status, 204);
    secrets.push('Another-Pass-9');
    assert.equal((await s.get('/api/v1/orgs')).status, 200);
  });

  test('a user changes their own phone and e-mail only with their password; a wrong one changes nothing and is recorded', async () => {
    const org = await orgByCode(admin, 'SH-JA');
    const u = await createUser(admin, { username: 'contact_user', name: '联系', org_id: org.id, roles: ['worker'], phone: '13800000001' });
    const s = await loginFresh('contact_user');
    const pw = secrets[secrets.length - 1];
    envelope(await s.patch('/api/v1/auth/me', { password: 'not-my-password', phone: '13900000002' }), 422, 'invalid_fields');
    assert.equal((await s.get('/api/v1/auth/me')).json.user.phone, '13800000001', 'unchanged');
    const bad = await s.patch('/api/v1/auth/me', { password: pw, email: 'no-at-sign' });
    envelope(bad, 422, 'invalid_fields');
    assert.ok(bad.json.error.fields.email);
    envelope(await s.patch('/api/v1/auth/me', { password: pw }), 400, 'bad_request');
    const ok = await s.patch('/api/v1/auth/me', { password: pw, phone: '13900000002', email: 'lianxi@example.cn' });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json.user.phone, '13900000002');
    assert.equal(ok.json.user.email, 'lianxi@example.cn');
    // the administrator's list shows the new number masked
    const listed = (await admin.get('/api/v1/users?q=contact_user')).json.items.find((x) => x.id === u.id);
    assert.equal(listed.phone, '139****0002');
    assert.equal(listed.email, 'lianxi@example.cn');
    // an empty string clears the e-mail
    assert.equal((await s.patch('/api/v1/auth/me', { password: pw, email: '' })).json.user.email, null);
    // both attempts on the record, the failure as a failure
    const recs = (await auditor.get(`/api/v1/audit?action=auth.contact_update&target=user:${u.id}&page_size=50`)).json.items;
    assert.equal(recs.filter((r) => r.outcome === 'failure').length, 1, JSON.stringify(recs));
    assert.equal(recs.filter((r) => r.outcome === 'success').length, 2);
    assert.ok(!JSON.stringify(recs).includes('13900000002'), 'the audit keeps the masked number only');
  });

  test('the last five passwords cannot be reused', async () => {
    const org = await orgByCode(admin, 'SH-HK');
    const u = await createUser(admin, { username: 'history_user', name: '历史', org_id: org.id, roles: ['worker'] });
    let s = await srv.login('history_user', PW);
    const seq = ['Hist-Pass-001', 'Hist-Pass-002'];
    let cur = PW;
    for (const np of seq) {
      assert.equal((await s.post('/api/v1/auth/password', { old_password: cur, new_password: np })).status, 204);
      cur = np;
      secrets.push(np);
    }
    const r = await s.post('/api/v1/auth/password', { old_password: cur, new_password: PW });
    envelope(r, 422, 'invalid_fields');
    assert.match(r.json.error.fields.new_password, /最近 5 次/);
    assert.ok(u.id);
  });

  test('an expired password forces a change', async () => {
    const org = await orgByCode(admin, 'SH-YP');
    const u = await createUser(admin, { username: 'expired_pw', name: '过期', org_id: org.id, roles: ['worker'] });
    const s = await loginFresh('expired_pw');
    srv.sql(`UPDATE users SET password_changed_at = password_changed_at - CAST(91 AS BIGINT) * 86400000 WHERE id = ${u.id}`);
    const r = await s.get('/api/v1/orgs');
    envelope(r, 403, 'password_change_required');
    assert.match(r.json.error.message, /过期/);
  });

  test('a reset gives a one-time generated password and ends the user’s sessions', async () => {
    const org = await orgByCode(admin, 'SH-MH');
    const u = await createUser(admin, { username: 'reset_me', name: '重置', org_id: org.id, roles: ['worker'] });
    const s = await loginFresh('reset_me');
    const r = await admin.post(`/api/v1/users/${u.id}/reset-password`, {});
    assert.equal(r.status, 200);
    assert.ok(r.json.generated_password.length >= 16);
    secrets.push(r.json.generated_password);
    envelope(await s.get('/api/v1/auth/me'), 401, 'unauthenticated');
    const s2 = await srv.login('reset_me', r.json.generated_password);
    assert.equal(s2.me.must_change_password, true);
  });
});

describe('TOTP', () => {
  test('enrolment with a QR code, then login needs the code; wrong or reused codes fail', async () => {
    const org = await orgByCode(admin, 'SH-BS');
    await createUser(admin, { username: 'totp_user', name: '动态口令', org_id: org.id, roles: ['worker'] });
    const s = await loginFresh('totp_user');
    const pw = secrets.at(-1);
    const setup = await s.post('/api/v1/auth/totp/setup');
    assert.equal(setup.status, 200);
    assert.match(setup.json.qr_svg, /^<svg/);
    assert.match(setup.json.otpauth_uri, /^otpauth:\/\/totp\//);
    envelope(await s.post('/api/v1/auth/totp/enable', { code: '000000' }), 422, 'invalid_fields');
    const t0 = Date.now() - 30000; // the previous step, so the login can use the current one
    assert.equal((await s.post('/api/v1/auth/totp/enable', { code: totp(setup.json.secret, t0) })).status, 204);
    envelope(await srv.post('/api/v1/auth/login', { username: 'totp_user', password: pw }), 401, 'totp_required');
    envelope(await srv.post('/api/v1/auth/login', { username: 'totp_user', password: pw, totp: '123456' === totp(setup.json.secret) ? '654321' : '123456' }), 401, 'totp_invalid');
    const code = totp(setup.json.secret);
    assert.equal((await srv.post('/api/v1/auth/login', { username: 'totp_user', password: pw, totp: code })).status, 200);
    envelope(await srv.post('/api/v1/auth/login', { username: 'totp_user', password: pw, totp: code }), 401, 'totp_invalid');
  });

  test('ZHENDI_ADMIN_TOTP_SECRET enrols the bootstrap administrators', async () => {
    const other = await startServer({ env: { ZHENDI_ADMIN_TOTP_SECRET: TOTP_SECRET } });
    try {
      envelope(await other.post('/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD }), 401, 'totp_required');
      const s = await other.login('auditor', ADMIN_PASSWORD, totp(TOTP_SECRET));
      assert.equal(s.me.user.totp_enabled, true);
    } finally {
      assert.equal((await other.stop()).code, 0);
    }
  });

  test('a two-step login is one event: the first step answers 200 without a session or a record, the second records one success', async () => {
    const other = await startServer({ env: { ZHENDI_ADMIN_TOTP_SECRET: TOTP_SECRET } });
    try {
      const first = await other.post('/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD, two_step: true });
      assert.equal(first.status, 200, first.body);
      assert.deepEqual(first.json, { totp_required: true });
      assert.equal(first.headers.get('set-cookie'), null);
      // a wrong password is still a failure, two steps or not
      envelope(await other.post('/api/v1/auth/login', { username: 'admin', password: 'nope-nope', two_step: true }), 401, 'invalid_credentials');
      const second = await other.post('/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD, totp: totp(TOTP_SECRET), two_step: true });
      assert.equal(second.status, 200, second.body);
      assert.equal(second.json.user.username, 'admin');
      const aud = await other.login('auditor', ADMIN_PASSWORD, totp(TOTP_SECRET));
      const recs = (await aud.get(`/api/v1/audit?action=auth.login&target=user:${second.json.user.id}&page_size=200`)).json.items;
      assert.deepEqual(recs.map((x) => x.outcome).sort(), ['failure', 'success'], JSON.stringify(recs));
      assert.equal(recs.find((x) => x.outcome === 'failure').detail, 'admin：密码错误');
    } finally {
      assert.equal((await other.stop()).code, 0);
    }
  });

  test('without ZHENDI_ADMIN_PASSWORD random passwords go to initial-passwords (0600) and must be changed', async () => {
    const other = await startServer({ env: { ZHENDI_ADMIN_PASSWORD: '' } });
    try {
      const f = join(other.data, 'initial-passwords');
      assert.equal(statSync(f).mode & 0o777, 0o600);
      const pw = readFileSync(f, 'utf8').match(/^admin\t(\S+)$/m)[1];
      const s = await other.login('admin', pw);
      assert.equal(s.me.must_change_password, true);
      envelope(await s.get('/api/v1/orgs'), 403, 'password_change_required');
      assert.equal((await s.post('/api/v1/auth/password', { old_password: pw, new_password: 'Brand-New-Pass-7' })).status, 204);
      // the administrator roles require TOTP: enrolment comes next
      envelope(await s.get('/api/v1/orgs'), 403, 'totp_enrollment_required');
    } finally {
      assert.equal((await other.stop()).code, 0);
    }
  });
});

describe('data scope', () => {
  let pudong, huangpu, pdStreet, hpStreet;
  before(async () => {
    pudong = await srv.login('pudong_dangwu', 'Zhendi@Demo2026');
    huangpu = await srv.login('huangpu_dangwu', 'Zhendi@Demo2026');
    pdStreet = await orgByCode(admin, 'SH-PD-01');
    hpStreet = await orgByCode(admin, 'SH-HP-01');
  });

  test('a worker of district A gets 200 for an organisation of A and 404 for one of B', async () => {
    assert.equal((await pudong.get(`/api/v1/orgs/${pdStreet.id}`)).status, 200);
    envelope(await pudong.get(`/api/v1/orgs/${hpStreet.id}`), 404, 'not_found');
    envelope(await pudong.get(`/api/v1/orgs/${hpStreet.id}/tree`), 404, 'not_found');
    envelope(await pudong.get(`/api/v1/orgs/${hpStreet.id}/history`), 404, 'not_found');
    assert.equal((await huangpu.get(`/api/v1/orgs/${hpStreet.id}`)).status, 200);
  });

  test('lists never leak rows of another district', async () => {
    const all = [];
    for (let page = 1; ; page++) {
      const r = await pudong.get(`/api/v1/orgs?page=${page}&page_size=200`);
      all.push(...r.json.items);
      if (r.json.items.length < 200) break;
    }
    assert.ok(all.length >= 13, 'Pudong: district, 4 streets, their committees and branches');
    assert.ok(all.every((o) => o.code.startsWith('SH-PD')), all.map((o) => o.code).join(','));
    const search = await pudong.get(`/api/v1/orgs?q=${encodeURIComponent('黄浦')}`);
    assert.equal(search.json.total, 0);
    const root = await pudong.get('/api/v1/orgs?root=true');
    assert.deepEqual(root.json.items.map((o) => o.code), ['SH-PD']);
  });

  test('a district reviewer cannot see or act on users of another district', async () => {
    const reviewer = await srv.login('pudong_shenhe', 'Zhendi@Demo2026');
    assert.equal(reviewer.me.data_scope, 'subtree');
    // reviewers hold no user powers at all
    envelope(await reviewer.get('/api/v1/users'), 403, 'forbidden');
    // a district user manager (custom role) sees only their district's users
    const role = await secadmin.post('/api/v1/roles', { name: 'district_user_admin', title: '区用户管理员', permissions: ['user.read', 'user.write', 'org.read'], data_scope: 'subtree' });
    assert.equal(role.status, 201, role.body);
    const pdOrg = await orgByCode(admin, 'SH-PD');
    const uid = (await createUser(admin, { username: 'pd_user_admin', name: '浦东用户管理员', org_id: pdOrg.id, roles: ['worker'] })).id;
    // the system administrator may not hand out a role it does not fully hold… (it lacks nothing here: user.* and org.read)
    assert.equal((await secadmin.patch(`/api/v1/users/${uid}`, { roles: ['district_user_admin'] })).status, 200);
    const mgr = await loginFresh('pd_user_admin');
    const users = await mgr.get('/api/v1/users?page_size=200');
    assert.equal(users.status, 200);
    assert.ok(users.json.items.length > 0);
    assert.ok(users.json.items.every((u) => u.org_name.includes('浦东') || u.org_name.includes('陆家嘴') || u.org_name.includes('花木') || u.org_name.includes('张江') || u.org_name.includes('川沙')), JSON.stringify(users.json.items.map((u) => u.org_name)));
    const hp = (await admin.get('/api/v1/users?q=huangpu_dangwu')).json.items[0];
    envelope(await mgr.get(`/api/v1/users/${hp.id}`), 404, 'not_found');
    envelope(await mgr.patch(`/api/v1/users/${hp.id}`, { name: '改名' }), 404, 'not_found');
    envelope(await mgr.post(`/api/v1/users/${hp.id}/reset-password`, {}), 404, 'not_found');
    // and cannot create users outside the district
    const hpOrg = await orgByCode(admin, 'SH-HP');
    const r = await mgr.post('/api/v1/users', { username: 'sneaky1', name: '越权', org_id: hpOrg.id, roles: ['worker'], password: PW });
    envelope(r, 422, 'invalid_fields');
    assert.ok(r.json.error.fields.org_id);
  });
});

describe('organisations', () => {
  test('create, read, update, move with history, disable and delete', async () => {
    const street = await orgByCode(admin, 'SH-JD-01');
    const other = await orgByCode(admin, 'SH-JD-02');
    let r = await admin.post('/api/v1/orgs', { name: '测试党委', parent_id: street.id, type: 'committee', code: 'T-COM-1', contact_phone: '021-12345678', member_count: 30 });
    assert.equal(r.status, 201, r.body);
    const id = r.json.id;
    assert.equal(r.json.parent_id, street.id);
    r = await admin.post('/api/v1/orgs', { name: '测试支部', parent_id: id, type: 'branch', code: 'T-BR-1' });
    assert.equal(r.status, 201);
    const branch = r.json.id;
    // duplicates and wrong nesting are refused with field reasons
    envelope(await admin.post('/api/v1/orgs', { name: '重复', parent_id: id, type: 'branch', code: 'T-BR-1' }), 422, 'invalid_fields');
    envelope(await admin.post('/api/v1/orgs', { name: '错层', parent_id: branch, type: 'district', code: 'T-X-1' }), 422, 'invalid_fields');
    r = await admin.patch(`/api/v1/orgs/${id}`, { name: '测试党委（改）', address: '嘉定区某路 1 号' });
    assert.equal(r.json.name, '测试党委（改）');
    // move under another street: the subtree follows
    r = await admin.post(`/api/v1/orgs/${id}/move`, { parent_id: other.id, reason: '区划调整' });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.parent_id, other.id);
    const tree = await admin.get(`/api/v1/orgs/${other.id}/tree`);
    const moved = tree.json.children.find((c) => c.id === id);
    assert.ok(moved);
    assert.equal(moved.children[0].id, branch);
    envelope(await admin.post(`/api/v1/orgs/${id}/move`, { parent_id: branch }), 422, 'invalid_fields');
    const hist = await admin.get(`/api/v1/orgs/${id}/history`);
    assert.deepEqual(hist.json.items.map((h) => h.action), ['move', 'update', 'create']);
    assert.equal(hist.json.items[0].reason, '区划调整');
    // disable needs the children disabled first; delete needs no children
    envelope(await admin.patch(`/api/v1/orgs/${id}`, { status: 'disabled' }), 409, 'conflict');
    envelope(await admin.del(`/api/v1/orgs/${id}`), 409, 'conflict');
    assert.equal((await admin.del(`/api/v1/orgs/${branch}`)).status, 204);
    assert.equal((await admin.patch(`/api/v1/orgs/${id}`, { status: 'disabled' })).json.status, 'disabled');
    envelope(await admin.get(`/api/v1/orgs/${branch}`), 404, 'not_found');
  });

  test('export is an .xlsx file', async () => {
    const r = await fetch(`${srv.base}/api/v1/orgs/export`, { headers: { cookie: admin.cookie } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /spreadsheetml/);
    const buf = Buffer.from(await r.arrayBuffer());
    assert.equal(buf.subarray(0, 2).toString(), 'PK');
  });
});

describe('organisation import', () => {
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const HEAD = ['组织编码', '组织名称', '组织类型', '上级编码', '简称', '联系人', '联系电话', '地址', '领域', '行业', '党员数', '状态'];
  const post = (client, body) => client.request('POST', '/api/v1/orgs/import', { raw: body, headers: { 'content-type': XLSX } });

  test('an export imported back changes nothing and reports every row as updated', async () => {
    const r = await fetch(`${srv.base}/api/v1/orgs/export?parent_id=${(await orgByCode(admin, 'SH-SJ')).id}`, { headers: { cookie: admin.cookie } });
    const file = Buffer.from(await r.arrayBuffer());
    const before = await admin.get(`/api/v1/orgs/${(await orgByCode(admin, 'SH-SJ-01')).id}`);
    const imp = await post(admin, file);
    assert.equal(imp.status, 200, imp.body);
    assert.equal(imp.json.created, 0);
    assert.equal(imp.json.updated, 13, 'district, 4 streets, 4 committees, 4 branches');
    const after = await admin.get(`/api/v1/orgs/${before.json.id}`);
    assert.equal(after.json.name, before.json.name);
    assert.equal(after.json.member_count, before.json.member_count);
  });

  test('new rows are created under parents named by code, a child may come before its parent', async () => {
    const rows = [HEAD,
      ['IMP-B1', '导入测试支部', '党支部', 'IMP-C1', null, '王五', '13900001111', null, '新兴领域', null, '12', null],
      ['IMP-C1', '导入测试党委', 'committee', 'SH-QP-01', null, null, null, '青浦区某路', null, '软件', '88', '启用']];
    const r = await post(admin, xlsx(rows));
    assert.equal(r.status, 200, r.body);
    assert.deepEqual([r.json.created, r.json.updated], [2, 0]);
    const b = await orgByCode(admin, 'IMP-B1');
    const c = await orgByCode(admin, 'IMP-C1');
    assert.equal(b.parent_id, c.id);
    assert.equal(b.member_count, 12);
    assert.equal(c.address, '青浦区某路');
    const hist = await admin.get(`/api/v1/orgs/${c.id}/history`);
    assert.equal(hist.json.items[0].action, 'create');
    const audit = await auditor.get('/api/v1/audit?action=org.import');
    assert.match(audit.json.items[0].detail, /新建 2 个/);
  });

  test('a file with bad rows is refused as a whole with the row numbers and reasons', async () => {
    const rows = [HEAD,
      ['IMP-OK', '本可导入', '党支部', 'SH-QP-02', null, null, null, null, null, null, null, null],
      ['IMP-X1', '类型错', '小组', 'SH-QP-02', null, null, null, null, null, null, null, null],
      ['IMP-X2', '无上级', '党支部', 'NO-SUCH', null, null, null, null, null, null, null, null],
      ['IMP-X3', '', '党支部', 'SH-QP-02', null, null, null, null, null, null, null, null],
      ['IMP-OK', '重复编码', '党支部', 'SH-QP-02', null, null, null, null, null, null, null, null],
      ['IMP-X4', '错层', '区', 'SH-QP-02', null, null, null, null, null, null, 'abc', null]];
    const r = await post(admin, xlsx(rows));
    assert.equal(r.status, 422, r.body);
    assert.equal(r.json.error.code, 'import_rejected');
    const byRow = Object.fromEntries(r.json.error.errors.map((e) => [e.row, e.message]));
    assert.deepEqual(Object.keys(byRow).map(Number).sort((a, b) => a - b), [3, 4, 5, 6, 7], r.body);
    assert.match(byRow[3], /类型/);
    assert.match(byRow[4], /上级编码不存在/);
    assert.match(byRow[6], /重复/);
    assert.equal(await orgByCode(admin, 'IMP-OK'), undefined, 'all or nothing');
  });

  test('not a workbook is 415/422; a district worker cannot import', async () => {
    assert.equal((await post(admin, Buffer.from('组织编码,组织名称\n'))).status, 415);
    const zipNotXlsx = xlsx([['x']]).subarray(0, 200);
    assert.ok([415, 422].includes((await post(admin, zipNotXlsx)).status));
    const worker = await srv.login('pudong_dangwu', 'Zhendi@Demo2026');
    envelope(await post(worker, xlsx([HEAD])), 403, 'forbidden');
  });
});

describe('tokens', () => {
  test('a token is shown once, acts only within its permissions, and stops when revoked', async () => {
    const expires = new Date(Date.now() + 86400000).toISOString();
    const r = await admin.post('/api/v1/auth/tokens', { name: '同步', permissions: ['org.read'], expires_at: expires }); // shown here, once
    assert.equal(r.status, 201, r.body);
    const token = r.json.token;
    assert.match(token, /^zdt_[0-9a-f]{40}$/);
    const list = await track(admin.get('/api/v1/auth/tokens'));
    assert.ok(!list.body.includes(token));
    secrets.push(token);
    const bot = srv.bearer(token);
    assert.equal((await bot.get('/api/v1/orgs')).status, 200);
    envelope(await bot.post('/api/v1/orgs', { name: 'x', type: 'branch', code: 'tok-1', parent_id: 1 }), 403, 'forbidden');
    envelope(await bot.get('/api/v1/users'), 403, 'forbidden');
    // permissions beyond the creator's are refused
    envelope(await admin.post('/api/v1/auth/tokens', { name: 'x', permissions: ['audit.read'], expires_at: expires }), 422, 'invalid_fields');
    assert.equal((await admin.del(`/api/v1/auth/tokens/${r.json.id}`)).status, 204);
    envelope(await bot.get('/api/v1/orgs'), 401, 'unauthenticated');
  });
});

describe('three-role separation', () => {
  test('the system administrator cannot read the audit log nor grant security powers', async () => {
    envelope(await admin.get('/api/v1/audit'), 403, 'forbidden');
    envelope(await admin.get('/api/v1/security/policy'), 403, 'forbidden');
    const org = await orgByCode(admin, 'SH-FX');
    envelope(await admin.post('/api/v1/users', { username: 'want_sec', name: 'x', org_id: org.id, roles: ['security_admin'], password: PW }), 403, 'forbidden');
    envelope(await admin.patch(`/api/v1/users/${admin.me.user.id}`, { roles: ['sys_admin', 'audit_admin'] }), 403, 'forbidden');
    // nor reset the security administrator's password
    const sec = (await admin.get('/api/v1/users?q=secadmin')).json.items[0];
    envelope(await admin.post(`/api/v1/users/${sec.id}/reset-password`, {}), 403, 'forbidden');
  });

  test('the security administrator manages roles and policy but not the audit log', async () => {
    envelope(await secadmin.get('/api/v1/audit'), 403, 'forbidden');
    assert.equal((await secadmin.get('/api/v1/security/policy')).status, 200);
    const r = await secadmin.post('/api/v1/roles', { name: 'mixed', title: '混合', permissions: ['audit.read', 'user.write'], data_scope: 'all' });
    envelope(r, 422, 'invalid_fields');
    assert.match(r.json.error.fields.permissions, /三员分立/);
  });

  test('the audit administrator only reads and exports the audit log', async () => {
    envelope(await auditor.post('/api/v1/orgs', { name: 'x', type: 'branch', code: 'aud-1', parent_id: 1 }), 403, 'forbidden');
    envelope(await auditor.get('/api/v1/users'), 403, 'forbidden');
    const r = await auditor.get('/api/v1/audit?action=org&page_size=50');
    assert.equal(r.status, 200);
    assert.ok(r.json.items.some((a) => a.action === 'org.create' && a.username === 'admin'));
    const ex = await fetch(`${srv.base}/api/v1/audit/export?action=auth.login`, { headers: { cookie: auditor.cookie } });
    assert.equal(ex.status, 200);
    assert.match(ex.headers.get('content-type'), /spreadsheetml/);
  });
});

describe('audit', () => {
  test('logins, failures, changes and denials are recorded with user, address and outcome', async () => {
    const r = await auditor.get('/api/v1/audit?action=auth.login&outcome=failure&page_size=200');
    assert.ok(r.json.items.some((a) => a.detail.includes('lock_me')));
    const d = await auditor.get('/api/v1/audit?outcome=denied&page_size=200');
    assert.ok(d.json.items.some((a) => a.action === 'access.denied' && a.username === 'admin'));
    const one = await auditor.get(`/api/v1/audit/${r.json.items[0].id}`);
    assert.equal(one.json.ip, '127.0.0.1');
    assert.match(one.json.hash, /^[0-9a-f]{64}$/);
    const upd = await auditor.get('/api/v1/audit?action=org.update&page_size=5');
    const full = await auditor.get(`/api/v1/audit/${upd.json.items[0].id}`);
    assert.ok(full.json.before && full.json.after, 'before/after summary');
  });

  test('the chain verifies; a record changed by hand is named by `zhendi audit verify`', async () => {
    const v = await auditor.get('/api/v1/audit/verify');
    assert.equal(v.json.ok, true, v.body);
    assert.ok(v.json.checked > 10);
    let cli = srv.cli(['audit', 'verify']);
    assert.equal(cli.status, 0, cli.stderr);
    // the database refuses updates; an intruder with file access drops the trigger
    assert.throws(() => srv.sql(`UPDATE audit_log SET detail = 'x' WHERE id = 5`), /append-only/);
    srv.sql(`DROP TRIGGER audit_log_no_update${srv.db ? ' ON audit_log' : ''}; UPDATE audit_log SET detail = '篡改' WHERE id = 5`);
    cli = srv.cli(['audit', 'verify']);
    assert.notEqual(cli.status, 0);
    assert.match(cli.stderr, /record 5\b/);
    const v2 = await auditor.get('/api/v1/audit/verify');
    assert.equal(v2.json.ok, false);
    assert.equal(v2.json.first_broken_id, 5);
  });
});

test('organisations are found by the pinyin of their names, full syllables or initials, only within the caller’s scope', async () => {
  const pd = await srv.login('pudong_dangwu', 'Zhendi@Demo2026');
  const names = async (who, q) => (await who.get(`/api/v1/orgs?q=${encodeURIComponent(q)}&page_size=50`)).json.items.map((o) => o.name);
  assert.ok((await names(pd, 'ljz')).includes('浦东新区陆家嘴街道党（工）委'), 'initials');
  assert.ok((await names(pd, 'LuJiaZui')).includes('浦东新区陆家嘴街道党（工）委'), 'full syllables, any case');
  assert.deepEqual(await names(pd, 'hpq'), [], 'Huangpu is outside Pudong’s scope');
  assert.ok((await names(admin, 'hpq')).some((n) => n.includes('黄浦区')), 'the city sees it');
  // a polyphone read as it is in place names: 长宁 is chang ning
  assert.ok((await names(admin, 'changning')).some((n) => n.includes('长宁')));
  // a renamed organisation is found by its new name's pinyin
  const o = (await admin.get('/api/v1/orgs?q=ljz')).json.items[0];
  const r = await admin.patch(`/api/v1/orgs/${o.id}`, { name: '浦东新区陆家嘴金融城街道党（工）委' });
  assert.equal(r.status, 200, r.body);
  assert.ok((await names(pd, 'jrc')).includes('浦东新区陆家嘴金融城街道党（工）委'));
  assert.equal((await admin.patch(`/api/v1/orgs/${o.id}`, { name: o.name })).status, 200);
});
