// Display rules of an account's security facts: the login before this one
// (上次登录) and the state of an API token. Labels of codes still come from
// the dictionary service; the caller passes the lookup in.
import { fmtTime } from './format.js';

/**
 * 上次登录 of the logged-in user: the login before the current one
 * (previous_login_at / previous_login_ip; last_login_at is this very login).
 * → {first: true, text: '首次登录'} when there was none, else
 *   {first: false, time: '2026-12-05 09:12:03', ip: '10.0.0.8', text: '2026-12-05 09:12:03（10.0.0.8）'}
 */
export function previousLogin(user) {
  const at = user?.previous_login_at;
  if (!at) return { first: true, time: '', ip: '', text: '首次登录' };
  const time = fmtTime(at);
  const ip = user.previous_login_ip || '';
  return { first: false, time, ip, text: ip ? `${time}（${ip}）` : time };
}

/**
 * The state of an API token (GET /users/{id}/tokens, /auth/tokens):
 * revoked (with why: the token_revoke_reason dictionary's label, or 本人吊销
 * when the owner revoked it — no reason recorded), expired, or live.
 * reasonLabel(code) is the dictionary lookup, e.g.
 *   (c) => dicts.label('token_revoke_reason', c)
 * → {live, text, tag, reason}
 */
export function tokenState(token, { now = Date.now(), reasonLabel = (c) => c } = {}) {
  if (token?.revoked_at) {
    return { live: false, text: '已吊销', tag: 'info', reason: token.revoked_reason ? reasonLabel(token.revoked_reason) : '本人吊销' };
  }
  if (token?.expires_at && new Date(token.expires_at).getTime() <= now) {
    return { live: false, text: '已过期', tag: 'warning', reason: '' };
  }
  return { live: true, text: '有效', tag: 'success', reason: '' };
}
