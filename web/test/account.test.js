// 上次登录 is the login before the current one; an API token's state and
// why it was revoked (utils/account.js).
import { describe, it, expect } from 'vitest';
import { previousLogin, tokenState } from '../src/utils/account.js';
import { fmtTime } from '../src/utils/format.js';
import fixture from './fixtures/dicts.json';

describe('previousLogin', () => {
  it('is the previous login, not this one (last_login_at)', () => {
    const u = { last_login_at: '2026-12-05T10:00:00+08:00', last_login_ip: '10.0.0.9', previous_login_at: '2026-12-04T08:30:00+08:00', previous_login_ip: '10.0.0.8' };
    const p = previousLogin(u);
    expect(p.first).toBe(false);
    expect(p.time).toBe(fmtTime(u.previous_login_at));
    expect(p.text).toBe(`${fmtTime(u.previous_login_at)}（10.0.0.8）`);
    expect(p.text).not.toContain('10.0.0.9');
  });

  it('says 首次登录 when there was none', () => {
    expect(previousLogin({ last_login_at: '2026-12-05T10:00:00+08:00', previous_login_at: null })).toMatchObject({ first: true, text: '首次登录' });
    expect(previousLogin({}).text).toBe('首次登录');
    expect(previousLogin(null).text).toBe('首次登录');
  });

  it('leaves out a missing address', () => {
    expect(previousLogin({ previous_login_at: '2026-12-04T08:30:00+08:00', previous_login_ip: null }).text).toBe(fmtTime('2026-12-04T08:30:00+08:00'));
  });
});

describe('tokenState', () => {
  const now = Date.parse('2026-12-05T10:00:00+08:00');
  const reasons = new Map(fixture.dicts.token_revoke_reason.items.map((x) => [x.value, x.label]));
  const reasonLabel = (c) => reasons.get(c) || c;

  it('a live token can be revoked', () => {
    expect(tokenState({ expires_at: '2027-01-01T00:00:00+08:00', revoked_at: null }, { now })).toMatchObject({ live: true, text: '有效' });
    expect(tokenState({ expires_at: null, revoked_at: null }, { now }).live).toBe(true);
  });

  it('an expired one cannot', () => {
    expect(tokenState({ expires_at: '2026-12-01T00:00:00+08:00', revoked_at: null }, { now })).toMatchObject({ live: false, text: '已过期' });
  });

  it('a revoked one says why, in words: the dictionary, or 本人吊销 when the owner did it', () => {
    const t = (revoked_reason) => tokenState({ expires_at: '2027-01-01T00:00:00+08:00', revoked_at: '2026-12-02T00:00:00+08:00', revoked_reason }, { now, reasonLabel });
    expect(t(null)).toMatchObject({ live: false, text: '已吊销', reason: '本人吊销' });
    const want = { revoked_by_admin: '管理员吊销', password_reset: '重置密码', disabled: '账号停用', roles_changed: '角色变更', forced: '强制下线', totp_reset: '重置动态口令' };
    for (const [code, label] of Object.entries(want)) expect(t(code).reason, code).toBe(label);
  });

  it('revoked wins over expired', () => {
    expect(tokenState({ expires_at: '2026-12-01T00:00:00+08:00', revoked_at: '2026-11-30T00:00:00+08:00', revoked_reason: 'forced' }, { now, reasonLabel })).toMatchObject({ text: '已吊销', reason: '强制下线' });
  });
});
