// What the login page says for each refusal, and the router guard's
// decisions (login redirect with the way back, forced password change, 403).
import { describe, it, expect } from 'vitest';
import { loginErrorNotice } from '../src/utils/loginErrors.js';
import { guard } from '../src/router/index.js';
import { ApiError } from '../src/api/client.js';
import { canAccess } from '../src/utils/menu.js';

describe('login messages', () => {
  it('locked accounts, rate limits and wrong passwords are told apart', () => {
    expect(loginErrorNotice(new ApiError({ status: 423, code: 'account_locked', message: '账户已锁定，请 15 分钟后再试' })).title).toBe('账户已锁定');
    expect(loginErrorNotice(new ApiError({ status: 423, code: 'account_locked', message: '账户已锁定，请 15 分钟后再试' })).text).toContain('15 分钟');
    const rl = loginErrorNotice(new ApiError({ status: 429, code: 'too_many_requests', message: '请求过于频繁', retryAfter: 42 }));
    expect(rl.title).toBe('登录尝试过于频繁');
    expect(rl.text).toContain('42 秒');
    expect(loginErrorNotice(new ApiError({ status: 401, code: 'invalid_credentials', message: '用户名或密码错误' })).title).toBe('用户名或密码错误');
    expect(loginErrorNotice(new ApiError({ status: 403, code: 'account_disabled', message: '账户已停用' })).title).toBe('账户已停用');
  });

  it('a wrong password says only that: no remaining tries, no account state, whatever the server adds', () => {
    for (const message of ['用户名或密码错误', '密码错误，还可尝试 2 次', '']) {
      const n = loginErrorNotice(new ApiError({ status: 401, code: 'invalid_credentials', message }));
      expect(n).toEqual({ type: 'error', title: '用户名或密码错误', text: '' });
    }
    // a 401 without a code is the same refusal
    expect(loginErrorNotice(new ApiError({ status: 401, message: '未登录或登录已过期' })).text).toBe('');
  });

  it('the right password learns of a lock or a disable, once, in the server\'s words', () => {
    const lock = loginErrorNotice(new ApiError({ status: 423, code: 'account_locked', message: '密码错误次数过多，账号已锁定，请 15 分钟后再试或联系管理员解锁' }));
    expect(lock.text).toBe('密码错误次数过多，账号已锁定，请 15 分钟后再试或联系管理员解锁');
    expect(loginErrorNotice(new ApiError({ status: 423, code: 'account_locked' })).text).toContain('联系系统管理员解锁');
    const off = loginErrorNotice(new ApiError({ status: 403, code: 'account_disabled', message: '账号已停用，请联系管理员' }));
    expect(off).toEqual({ type: 'error', title: '账户已停用', text: '账号已停用，请联系管理员' });
    const rl = loginErrorNotice(new ApiError({ status: 429, code: 'too_many_requests', message: '登录尝试过于频繁，请一分钟后再试', retryAfter: 60 }));
    expect(rl.text).toBe('登录尝试过于频繁，请一分钟后再试');
    const code = loginErrorNotice(new ApiError({ status: 401, code: 'totp_invalid', message: '动态口令错误或已使用过' }));
    expect(code.text).toBe('动态口令错误或已使用过。请输入身份验证器当前显示的 6 位数字。');
  });

  it('no message promises a count of remaining attempts', () => {
    const cases = [
      [401, 'invalid_credentials'], [401, 'totp_invalid'], [423, 'account_locked'], [403, 'account_disabled'],
      [429, 'too_many_requests'], [403, 'password_expired'], [0, 'network_error'],
    ];
    for (const [status, code] of cases) {
      const n = loginErrorNotice(new ApiError({ status, code }));
      expect(`${n.title} ${n.text}`, code).not.toMatch(/还可|剩余|还有 ?\d+ ?次/);
    }
  });

  it('an unknown status code still says something useful', () => {
    const n = loginErrorNotice(new ApiError({ status: 500, code: 'internal', message: '服务器内部错误', requestId: 'x1' }));
    expect(n.title).toBe('服务器内部错误');
    expect(n.text).toContain('x1');
  });
});

function fakeAuth({ loggedIn = false, perms = [], must = false, meFails = null } = {}) {
  const a = {
    loaded: loggedIn,
    loggedIn,
    mustChangePassword: must,
    reset() { this.loggedIn = false; this.loaded = true; },
    can: (p) => canAccess(p, perms),
    async fetchMe() {
      if (meFails) throw meFails;
      this.loggedIn = true;
      this.loaded = true;
    },
  };
  return a;
}

describe('router guard', () => {
  const to = (fullPath, meta = {}, name = 'x', query = {}) => ({ fullPath, meta, name, query });

  it('sends the anonymous to login with the way back', async () => {
    const r = await guard(to('/users?q=张', { perm: 'user.read' }), fakeAuth({ meFails: new ApiError({ status: 401 }) }));
    expect(r).toEqual({ name: 'login', query: { redirect: '/users?q=张' } });
  });

  it('holds a session that must change its password on the change page', async () => {
    const r = await guard(to('/orgs', { perm: 'org.read' }), fakeAuth({ loggedIn: true, perms: ['org.read'], must: true }));
    expect(r).toEqual({ name: 'change-password', query: { redirect: '/orgs' } });
  });

  it('answers 403 for a page outside the permissions, keeping the URL', async () => {
    const r = await guard(to('/system', { perm: 'system.read' }), fakeAuth({ loggedIn: true, perms: ['org.read'] }));
    expect(r).toMatchObject({ name: 'forbidden', query: { from: '/system' } });
  });

  it('lets an allowed page through and a logged-in user skip /login', async () => {
    expect(await guard(to('/orgs', { perm: 'org.read' }), fakeAuth({ loggedIn: true, perms: ['org.read'] }))).toBe(true);
    expect(await guard(to('/login', { public: true }, 'login', { redirect: '/orgs' }), fakeAuth({ loggedIn: true }))).toBe('/orgs');
  });
});
