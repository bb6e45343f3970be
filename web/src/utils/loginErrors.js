// What the login page says for each refusal of POST /auth/login. The title
// says what happened; the text what to do. The server's Chinese message is
// shown where it carries specifics (until when an account is locked, when to
// try again). A wrong password, an unknown user name and a locked account
// with a wrong password all get the same 401 invalid_credentials: the page
// says only 用户名或密码错误, never how many tries remain or whether the
// account exists or is locked (only the right password learns of a lock,
// 423, or a disable, 403).

import { STATUS_TEXT } from '@/api/client.js';

// the client's stand-ins when an answer had no message of its own: not specifics
const GENERIC = new Set([...Object.values(STATUS_TEXT), '请求失败']);

// server: how the server's message is used — 'never' (the title says it
// all), 'replace' (it replaces the text: it is the text, with specifics),
// 'prepend' (before the text)
const TABLE = {
  invalid_credentials: { type: 'error', title: '用户名或密码错误', text: '', server: 'never' },
  totp_invalid: { type: 'error', title: '动态验证码错误或已过期', text: '请输入身份验证器当前显示的 6 位数字。', server: 'prepend' },
  account_locked: { type: 'error', title: '账户已锁定', text: '密码连续错误次数过多，账户已被临时锁定。请稍后再试，或联系系统管理员解锁。', server: 'replace' },
  account_disabled: { type: 'error', title: '账户已停用', text: '请联系本单位的系统管理员。', server: 'replace' },
  password_expired: { type: 'warning', title: '密码已过期', text: '请联系系统管理员重置密码。', server: 'prepend' },
  too_many_requests: { type: 'warning', title: '登录尝试过于频繁', text: '为保护账户安全，请稍后再试。', server: 'replace' },
  network_error: { type: 'error', title: '无法连接服务器', text: '请检查网络连接后重试。', server: 'never' },
};

/** loginErrorNotice(ApiError) → {type, title, text} for the el-alert. */
export function loginErrorNotice(err) {
  let code = err?.code;
  if (!TABLE[code]) {
    if (err?.status === 423) code = 'account_locked';
    else if (err?.status === 429) code = 'too_many_requests';
    else if (err?.status === 401) code = 'invalid_credentials';
  }
  const base = TABLE[code];
  if (!base) {
    return { type: 'error', title: err?.message || '登录失败', text: err?.requestId ? `请求编号：${err.requestId}` : '' };
  }
  let text = base.text;
  const msg = err?.message && err.message !== base.title && !GENERIC.has(err.message) ? err.message : '';
  if (msg && base.server === 'replace') text = msg;
  else if (msg && base.server === 'prepend') text = `${msg}。${text}`.replace(/。。/g, '。');
  if (code === 'too_many_requests' && err?.retryAfter && !/[秒分]/.test(text)) text += ` 约 ${err.retryAfter} 秒后可重试。`;
  return { type: base.type, title: base.title, text };
}
