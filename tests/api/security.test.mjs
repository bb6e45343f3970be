// What an attacker found in identity (the security hardening issue), each
// attack reproduced: separation of duties, tokens and the second factor,
// user name enumeration, lockout and TOTP races, offices behind one address.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, totp } from './lib/server.mjs';
import { makeUser, administrators, PASSWORD } from './lib/contract.mjs';

let srv, admin, secadmin, auditor, district;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  [admin, secadmin, auditor] = (await administrators(srv)).map((a) => a.client);
  const d = await admin.get('/api/v1/orgs?type=district&page_size=50');
  district = Object.fromEntries(d.json.items.map((o) => [o.short_name, o.id]));
});

after(async () => {
  await srv?.stop();
});

const userId = async (name) => (await admin.get(`/api/v1/users?q=${name}`)).json.items.find((u) => u.username === name).id;
const login = (username, password, extra = {}) => srv.post('/api/v1/auth/login', { username, password, ...extra });

describe('separation of duties (三员分立)', () => {
  test('the system administrator cannot disable the audit administrator nor edit the security administrator', async () => {
    const aud = await userId('auditor'), sec = await userId('secadmin');
    for (const [id, body] of [[aud, { status: 'disabled' }], [sec, { name: '改名' }], [sec, { email: 'x@example.com' }], [aud, { org_id: district['黄浦区'] }]]) {
      const r = await admin.patch(`/api/v1/users/${id}`, body);
      assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.body}`);
    }
    assert.equal((await srv.login('auditor')).me.user.status, 'active');
  });

  test('a district user manager cannot disable the district\'s audit account', async () => {
    await secadmin.post('/api/v1/roles', { name: 'sec_hp_users', title: '区用户管理', permissions: ['user.read', 'user.write', 'org.read'], data_scope: 'subtree' });
    await secadmin.post('/api/v1/roles', { name: 'sec_hp_audit', title: '区审计', permissions: ['audit.read'], data_scope: 'subtree' });
    const mgr = await makeUser(srv, admin, { username: 'sec_hp_mgr', orgId: district['黄浦区'], roles: ['sec_hp_users'], grantBy: secadmin });
    await makeUser(srv, admin, { username: 'sec_hp_aud', orgId: district['黄浦区'], roles: ['sec_hp_audit'], grantBy: secadmin });
    const id = await userId('sec_hp_aud');
    assert.equal((await mgr.patch(`/api/v1/users/${id}`, { status: 'disabled' })).status, 403);
    assert.equal((await mgr.del(`/api/v1/users/${id}`)).status, 403);
    assert.equal((await mgr.post(`/api/v1/users/${id}/reset-password`, {})).status, 403);
  });

  test('the security administrator cannot give its own role system or business permissions, reads included', async () => {
    const own = (await secadmin.get('/api/v1/roles')).json.items.find((r) => r.name === 'security_admin');
    for (const extra of [['system.read'], ['job.read'], ['lexicon.write']]) {
      const r = await secadmin.patch(`/api/v1/roles/${own.id}`, { permissions: [...own.permissions, ...extra] });
      assert.ok([403, 422].includes(r.status), `${extra}: ${r.body}`); // refused for the mix (422) or for being its own (403)
    }
    // nobody changes a role they hold, even harmlessly
    const retitle = await secadmin.patch(`/api/v1/roles/${own.id}`, { title: '我的角色' });
    assert.equal(retitle.status, 403, retitle.body);
    // nor through a new role: security and system powers do not mix
    const mixed = await secadmin.post('/api/v1/roles', { name: 'sec_mixed', title: '混合', permissions: ['role.read', 'system.read'], data_scope: 'all' });
    assert.equal(mixed.status, 422, mixed.body);
    const mixed2 = await secadmin.post('/api/v1/roles', { name: 'sec_mixed2', title: '混合', permissions: ['audit.read', 'job.read'], data_scope: 'all' });
    assert.equal(mixed2.status, 422, mixed2.body);
    assert.deepEqual((await secadmin.get(`/api/v1/roles/${own.id}`)).json.permissions, own.permissions);
  });
});

describe('tokens and the second factor', () => {
  test('an API token cannot enrol TOTP, change the password or make tokens: account security needs a session', async () => {
    const u = await makeUser(srv, admin, { username: 'sec_tok', orgId: district['黄浦区'], roles: ['district_reviewer'] });
    const t = await u.post('/api/v1/auth/tokens', { name: 't', permissions: ['org.read'], expires_at: new Date(Date.now() + 86400000).toISOString() });
    assert.equal(t.status, 201, t.body);
    const bearer = srv.bearer(t.json.token);
    for (const [m, p, body] of [['post', '/api/v1/auth/totp/setup', {}], ['post', '/api/v1/auth/totp/enable', { code: '123456' }], ['post', '/api/v1/auth/password', { old_password: 'a', new_password: 'b' }], ['post', '/api/v1/auth/tokens', { name: 'x', permissions: ['org.read'], expires_at: new Date(Date.now() + 86400000).toISOString() }], ['get', '/api/v1/auth/tokens']]) {
      const r = m === 'get' ? await bearer.get(p) : await bearer.post(p, body);
      assert.equal(r.status, 403, `${p}: ${r.body}`);
      assert.equal(r.json.error.code, 'session_required', p);
    }
    assert.equal((await bearer.get('/api/v1/orgs')).status, 200, 'the token works for what it is for');
  });

  test('a password reset, a disable, a change of roles and a forced logout end the user\'s tokens', async () => {
    const acts = {
      reset: (id) => admin.post(`/api/v1/users/${id}/reset-password`, {}),
      disable: async (id) => {
        await admin.patch(`/api/v1/users/${id}`, { status: 'disabled' });
        return admin.patch(`/api/v1/users/${id}`, { status: 'active' }); // re-enabled: still no way in
      },
      roles: (id) => secadmin.patch(`/api/v1/users/${id}`, { roles: ['district_reviewer', 'member'] }),
      logout: (id) => secadmin.post(`/api/v1/users/${id}/logout`),
    };
    for (const [name, act] of Object.entries(acts)) {
      const u = await makeUser(srv, admin, { username: `sec_tok_${name}`, orgId: district['黄浦区'], roles: ['district_reviewer'] });
      const t = await u.post('/api/v1/auth/tokens', { name: 't', permissions: ['org.read'], expires_at: new Date(Date.now() + 86400000).toISOString() });
      const tok = srv.bearer(t.json.token);
      assert.equal((await tok.get('/api/v1/orgs')).status, 200);
      const r = await act(await userId(`sec_tok_${name}`));
      assert.ok(r.status < 300, `${name}: ${r.status} ${r.body}`);
      assert.equal((await tok.get('/api/v1/orgs')).status, 401, `${name}: the token no longer works`);
    }
  });

  test('the security administrator resets a user\'s TOTP and lists and revokes anyone\'s tokens; the records say which token acted', async () => {
    const u = await makeUser(srv, admin, { username: 'sec_totp', orgId: district['黄浦区'], roles: ['district_reviewer'] });
    const id = await userId('sec_totp');
    const setup = await u.post('/api/v1/auth/totp/setup');
    assert.equal((await u.post('/api/v1/auth/totp/enable', { code: totp(setup.json.secret) })).status, 204);
    assert.equal((await admin.get(`/api/v1/users/${id}`)).json.totp_enabled, true);
    assert.equal((await admin.post(`/api/v1/users/${id}/reset-totp`)).status, 403, 'not the system administrator\'s');
    const reset = await secadmin.post(`/api/v1/users/${id}/reset-totp`);
    assert.equal(reset.status, 204, reset.body);
    assert.equal((await admin.get(`/api/v1/users/${id}`)).json.totp_enabled, false);
    assert.equal((await auditor.get(`/api/v1/audit?action=user.reset_totp&target=user:${id}`)).json.total, 1);
    // tokens: listed and revoked by the security administrator
    const again = await srv.login('sec_totp', `${PASSWORD}x`);
    const t = await again.post('/api/v1/auth/tokens', { name: '同步', permissions: ['org.read'], expires_at: new Date(Date.now() + 86400000).toISOString() });
    const list = await secadmin.get(`/api/v1/users/${id}/tokens`);
    assert.equal(list.status, 200, list.body);
    assert.deepEqual(list.json.items.map((x) => x.name), ['同步']);
    assert.equal(list.json.items[0].token, undefined, 'never the secret');
    assert.equal((await secadmin.del(`/api/v1/users/${id}/tokens/${t.json.id}`)).status, 204);
    assert.equal((await srv.bearer(t.json.token).get('/api/v1/orgs')).status, 401);
    assert.equal((await auditor.get(`/api/v1/audit?action=user.revoke_token&target=user:${id}`)).json.total, 1);
    // an action through a token names the token in its audit record
    const at = await admin.post('/api/v1/auth/tokens', { name: '同步组织', permissions: ['org.write'], expires_at: new Date(Date.now() + 86400000).toISOString() });
    const changed = await srv.bearer(at.json.token).patch(`/api/v1/orgs/${district['黄浦区']}`, { contact_name: '令牌' });
    assert.equal(changed.status, 200, changed.body);
    const rec = (await auditor.get(`/api/v1/audit?action=org.update&target=org:${district['黄浦区']}`)).json.items[0];
    assert.equal(rec.token_id, at.json.id);
    assert.equal((await auditor.get(`/api/v1/audit/${rec.id}`)).json.token_id, at.json.id);
  });
});

describe('login', () => {
  test('unknown, wrong, locked and disabled-with-a-wrong-password all get the same status and body', async () => {
    const u = await makeUser(srv, admin, { username: 'sec_enum', orgId: district['黄浦区'], roles: ['worker'] });
    assert.ok(u);
    await makeUser(srv, admin, { username: 'sec_enum_off', orgId: district['黄浦区'], roles: ['worker'] });
    await admin.patch(`/api/v1/users/${await userId('sec_enum_off')}`, { status: 'disabled' });
    await makeUser(srv, admin, { username: 'sec_enum_lock', orgId: district['黄浦区'], roles: ['worker'] });
    for (let i = 0; i < 5; i++) await login('sec_enum_lock', `wrong-${i}`);
    const answers = [];
    for (const name of ['nobody_here', 'sec_enum', 'sec_enum_lock', 'sec_enum_off']) {
      const r = await login(name, 'Wrong-Password-1');
      answers.push([r.status, r.body]);
    }
    assert.equal(new Set(answers.map((a) => `${a[0]} ${a[1]}`)).size, 1, JSON.stringify(answers));
    assert.equal(answers[0][0], 401);
    assert.doesNotMatch(answers[0][1], /还可|次/);
    // the owner of the right password learns the state
    assert.equal((await login('sec_enum_lock', `${PASSWORD}x`)).status, 423);
    assert.equal((await login('sec_enum_off', `${PASSWORD}x`)).status, 403);
  });

  test('ten wrong passwords at once lock the account: the right one right after is refused', async () => {
    await makeUser(srv, admin, { username: 'sec_race', orgId: district['黄浦区'], roles: ['worker'] });
    srv.sql('DELETE FROM login_attempts');
    const wrong = await Promise.all(Array.from({ length: 10 }, (_, i) => login('sec_race', `wrong-${i}`)));
    assert.ok(wrong.every((r) => r.status === 401 || r.status === 429), wrong.map((r) => r.status).join());
    srv.sql('DELETE FROM login_attempts'); // the lock, not the rate limit, must refuse it
    const right = await login('sec_race', `${PASSWORD}x`);
    assert.equal(right.status, 423, right.body);
  });

  test('one TOTP code logs in once, however many parallel logins carry it', async () => {
    const u = await makeUser(srv, admin, { username: 'sec_replay', orgId: district['黄浦区'], roles: ['worker'] });
    srv.sql(`UPDATE users SET totp_last_step = 0 WHERE username = 'sec_replay'`);
    const setup = await u.post('/api/v1/auth/totp/setup');
    // enable with the previous time step, so that the current one is unused
    const code0 = totp(setup.json.secret, Date.now() - 30000);
    assert.equal((await u.post('/api/v1/auth/totp/enable', { code: code0 })).status, 204);
    const code = totp(setup.json.secret);
    const rs = await Promise.all(Array.from({ length: 8 }, () => login('sec_replay', `${PASSWORD}x`, { totp: code })));
    const ok = rs.filter((r) => r.status === 200).length;
    assert.equal(ok, 1, rs.map((r) => r.status).join());
    // the others are replays: failures (enough of them lock the account)
    assert.ok(rs.filter((r) => r.status !== 200).every((r) => ['totp_invalid', 'account_locked'].includes(r.json.error.code)), rs.map((r) => r.body).join('\n'));
  });

  test('fifty members of one office behind one address all log in within a minute', async () => {
    srv.sql('DELETE FROM login_attempts');
    const names = [];
    for (let i = 0; i < 50; i++) names.push(`sec_nat_${i}`);
    for (const n of names) {
      const r = await admin.post('/api/v1/users', { username: n, name: n, org_id: district['黄浦区'], roles: ['member'], password: PASSWORD });
      assert.equal(r.status, 201, r.body);
    }
    srv.sql('DELETE FROM login_attempts');
    const rs = await Promise.all(names.map((n) => login(n, PASSWORD)));
    assert.deepEqual([...new Set(rs.map((r) => r.status))], [200]);
    // and a guesser is still stopped: failures per (address, name)
    let last;
    for (let i = 0; i < 12; i++) last = await login('sec_nat_0', `wrong-${i}`);
    assert.equal(last.status, 429);
  });
});

describe('denial of service', () => {
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const HEAD = ['组织编码', '组织名称', '组织类型', '上级编码'];
  // a tree of n organisations, four children each, written child first (every
  // parent comes after its children in the file): committees hold the rest
  const chain = async (prefix, n, top) => {
    const parent = (i) => Math.floor((i - 2) / 4) + 1;
    const rows = [];
    for (let i = n; i >= 1; i--) {
      rows.push([`${prefix}-${i}`, `${prefix} 组织 ${i}`, 4 * i - 2 <= n ? '党委' : '党支部', i === 1 ? top : `${prefix}-${parent(i)}`]);
    }
    const { xlsx } = await import('./lib/xlsx.mjs');
    return xlsx([HEAD, ...rows]);
  };

  test('an import of child-first rows is linear, and a large one runs as a job while logins go on', async () => {
    const street = (await admin.get(`/api/v1/orgs?parent_id=${district['浦东新区']}&type=street`)).json.items[0];
    const small = await chain('DOS-S', 600, street.code);
    let t0 = Date.now();
    const r = await admin.request('POST', '/api/v1/orgs/import', { raw: small, headers: { 'content-type': XLSX } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.created, 600);
    const smallMs = Date.now() - t0;
    const large = await chain('DOS-L', 1500, street.code);
    t0 = Date.now();
    const q = await admin.request('POST', '/api/v1/orgs/import', { raw: large, headers: { 'content-type': XLSX } });
    assert.equal(q.status, 202, q.body);
    const jobId = q.json.job.id;
    // logins are not held up meanwhile
    const l0 = Date.now();
    assert.equal((await login('pudong_dangwu', 'Zhendi@Demo2026')).status, 200);
    const loginMs = Date.now() - l0;
    let job;
    for (let i = 0; i < 600; i++) {
      job = (await admin.get(`/api/v1/jobs/${jobId}`)).json;
      if (['done', 'dead'].includes(job.status)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const largeMs = Date.now() - t0;
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.result.created, 1500);
    assert.equal(job.result.errors.length, 0);
    console.log(`import: 600 rows ${smallMs} ms; 1500 rows as a job ${largeMs} ms; a login meanwhile ${loginMs} ms`);
    assert.ok(loginMs < 3000, `login took ${loginMs} ms`);
    assert.ok(largeMs < 30000, `the large import took ${largeMs} ms`);
    // recorded, under the user who asked
    const recs = (await auditor.get('/api/v1/audit?action=org.import&user=admin')).json.items;
    assert.ok(recs.some((x) => /新建 1500 个/.test(x.detail)), JSON.stringify(recs.map((x) => x.detail)));
  });
});
