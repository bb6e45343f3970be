// What the login page says for each refusal of POST /auth/login. The
// server's Chinese message is kept when it adds detail (e.g. until when an
// account is locked); the title says what happened and what to do.

const TABLE = {
  invalid_credentials: { type: 'error', title: '用户名或密码错误' },
  totp_invalid: { type: 'error', title: '动态验证码错误或已过期', text: '请输入身份验证器当前显示的 6 位数字。' },
  account_locked: { type: 'error', title: '账户已锁定', text: '密码连续错误次数过多，账户已被临时锁定。请稍后再试，或联系系统管理员解锁。' },
  account_disabled: { type: 'error', title: '账户已停用', text: '请联系本单位的系统管理员。' },
  password_expired: { type: 'warning', title: '密码已过期', text: '请联系系统管理员重置密码。' },
  too_many_requests: { type: 'warning', title: '登录尝试过于频繁', text: '为保护账户安全，请稍后再试。' },
  network_error: { type: 'error', title: '无法连接服务器', text: '请检查网络连接后重试。' },
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
  let text = base.text || '';
  // the server's message carries specifics (remaining tries, lock end): show it
  if (err?.message && err.message !== base.title && code !== 'network_error') text = err.message + (text ? ` ${text}` : '');
  if (code === 'too_many_requests' && err?.retryAfter) text += ` 约 ${err.retryAfter} 秒后可重试。`;
  return { type: base.type, title: base.title, text };
}
