// A random initial password that satisfies any reasonable policy: 14
// characters from all four classes, no look-alikes (0/O, 1/l/I), drawn
// from crypto.getRandomValues.
const SETS = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!@#$%^&*-_=+?'];

function pick(set) {
  const b = new Uint32Array(1);
  crypto.getRandomValues(b);
  return set[b[0] % set.length];
}

export function generatePassword(length = 14) {
  const chars = SETS.map(pick);
  const all = SETS.join('');
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const b = new Uint32Array(1);
    crypto.getRandomValues(b);
    const j = b[0] % (i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

// The password rules of the security policy (GET /auth/me password_policy:
// {min_length, min_classes, history, max_age_days}) in words, and the same
// length and character-class checks the server makes, so a form can say
// what is wrong before sending. The server stays the judge (history, user
// name, …).

/** Rules in Chinese, one sentence each; [] without a policy. */
export function policyRules(p) {
  if (!p) return [];
  const out = [`长度不少于 ${p.min_length} 个字符`];
  if (p.min_classes > 1) out.push(`包含大写字母、小写字母、数字、符号中的至少 ${p.min_classes} 类`);
  if (p.history > 0) out.push(`不能与最近 ${p.history} 次使用过的密码相同`);
  out.push('不能包含用户名');
  out.push(p.max_age_days > 0 ? `密码有效期 ${p.max_age_days} 天，到期须修改` : '密码长期有效（不强制定期修改）');
  return out;
}

/** Character classes present (upper, lower, digit, other), as the server counts them. */
export function passwordClasses(pw) {
  let upper = 0, lower = 0, digit = 0, other = 0;
  for (const ch of pw || '') {
    if (ch >= 'a' && ch <= 'z') lower = 1;
    else if (ch >= 'A' && ch <= 'Z') upper = 1;
    else if (ch >= '0' && ch <= '9') digit = 1;
    else other = 1;
  }
  return upper + lower + digit + other;
}

/** '' when the password meets the policy's length and classes, else the reason. */
export function checkPassword(pw, p) {
  const len = Array.from(pw || '').length;
  const min = p?.min_length || 8;
  if (len < min) return `密码至少 ${min} 个字符`;
  if (p?.min_classes && passwordClasses(pw) < p.min_classes) return `须包含大写字母、小写字母、数字、符号中的至少 ${p.min_classes} 类`;
  return '';
}
