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
