// 5-field cron expressions as the server reads them (src/jobs/cron.h):
// minute hour day-of-month month day-of-week; *, N, N-M, */S, N-M/S, N/S and
// comma lists; JAN–DEC and SUN–SAT names; 7 is Sunday; @hourly, @daily,
// @midnight, @weekly, @monthly, @yearly, @annually; when both day fields are
// restricted a day matching either fires. Used for the edit dialog's help:
// a plain-Chinese description and a preview of the next runs (the server's
// next_run_at, computed in its time zone, stays authoritative).

const MACROS = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS = [
  { name: '分钟', min: 0, max: 59 },
  { name: '小时', min: 0, max: 23 },
  { name: '日', min: 1, max: 31 },
  { name: '月', min: 1, max: 12, names: MONTHS, base: 1 },
  { name: '星期', min: 0, max: 7, names: DAYS, base: 0 },
];

function num(s, f) {
  if (/^\d+$/.test(s)) return Number(s);
  if (f.names) {
    const i = f.names.indexOf(s.toUpperCase());
    if (i >= 0) return i + f.base;
  }
  return NaN;
}

function parseField(text, f) {
  const set = new Set();
  let any = false;
  for (const part of text.split(',')) {
    if (!part) throw new Error(`${f.name}字段有空项`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`${f.name}字段格式错误：${part}`);
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : NaN;
      if (!(step >= 1)) throw new Error(`${f.name}字段的步长无效：${part}`);
    }
    let lo, hi;
    if (range === '*' || range === '?') {
      lo = f.min;
      hi = f.max === 7 ? 6 : f.max;
      if (stepText === undefined) any = true;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = num(a, f);
      hi = num(b, f);
    } else {
      lo = num(range, f);
      hi = stepText !== undefined ? (f.max === 7 ? 6 : f.max) : lo;
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < f.min || hi > f.max || lo > hi)
      throw new Error(`${f.name}字段超出范围（${f.min}–${f.max}）：${part}`);
    for (let v = lo; v <= hi; v += step) set.add(f.max === 7 && v === 7 ? 0 : v);
  }
  return { set, any };
}

/** parseCron(expr) → {minute, hour, dom, month, dow: Set, domAny, dowAny}; throws Error(中文原因). */
export function parseCron(expr) {
  let e = String(expr || '').trim();
  if (!e) throw new Error('请填写执行计划');
  if (e.startsWith('@')) {
    if (!MACROS[e.toLowerCase()]) throw new Error(`不支持的简写：${e}`);
    e = MACROS[e.toLowerCase()];
  }
  const parts = e.split(/\s+/);
  if (parts.length !== 5) throw new Error('应为 5 个字段：分 时 日 月 星期');
  const r = parts.map((p, i) => parseField(p, FIELDS[i]));
  return {
    minute: r[0].set,
    hour: r[1].set,
    dom: r[2].set,
    month: r[3].set,
    dow: r[4].set,
    domAny: r[2].any,
    dowAny: r[4].any,
  };
}

function dayMatches(c, d) {
  const domOk = c.dom.has(d.getDate());
  const dowOk = c.dow.has(d.getDay());
  if (c.domAny && c.dowAny) return true;
  if (c.domAny) return dowOk;
  if (c.dowAny) return domOk;
  return domOk || dowOk;
}

/** Next `count` firing times (Date, local zone) strictly after `after`. */
export function nextRuns(expr, count = 5, after = new Date()) {
  const c = typeof expr === 'string' ? parseCron(expr) : expr;
  const out = [];
  const d = new Date(after.getTime());
  d.setSeconds(0, 0);
  d.setMinutes(d.getMinutes() + 1);
  const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
  while (out.length < count && d.getTime() <= limit) {
    if (!c.month.has(d.getMonth() + 1)) {
      d.setMonth(d.getMonth() + 1, 1);
      d.setHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(c, d)) {
      d.setDate(d.getDate() + 1);
      d.setHours(0, 0, 0, 0);
      continue;
    }
    if (!c.hour.has(d.getHours())) {
      d.setHours(d.getHours() + 1, 0, 0, 0);
      continue;
    }
    if (!c.minute.has(d.getMinutes())) {
      d.setMinutes(d.getMinutes() + 1, 0, 0);
      continue;
    }
    out.push(new Date(d.getTime()));
    d.setMinutes(d.getMinutes() + 1, 0, 0);
  }
  return out;
}

const WEEK = ['日', '一', '二', '三', '四', '五', '六'];
const pad = (n) => String(n).padStart(2, '0');
const list = (set, fmt = String) => [...set].sort((a, b) => a - b).map(fmt).join('、');

/** A plain-Chinese reading of common expressions; falls back to the fields. */
export function describeCron(expr) {
  let c;
  try {
    c = parseCron(expr);
  } catch (e) {
    return e.message;
  }
  const full = (set, n) => set.size === n;
  let when;
  if (c.minute.size === 1 && c.hour.size === 1) {
    when = `${pad([...c.hour][0])}:${pad([...c.minute][0])}`;
  } else if (c.minute.size === 1 && full(c.hour, 24)) {
    when = `每小时第 ${[...c.minute][0]} 分`;
  } else if (full(c.minute, 60) && full(c.hour, 24)) {
    when = '每分钟';
  } else {
    when = `${full(c.hour, 24) ? '每小时' : `${list(c.hour)} 时`}的第 ${list(c.minute)} 分`;
  }
  let days = '每天';
  if (!c.domAny && !c.dowAny) days = `每月 ${list(c.dom)} 日及每周${list(c.dow, (d) => WEEK[d])}`;
  else if (!c.domAny) days = `每月 ${list(c.dom)} 日`;
  else if (!c.dowAny) days = `每周${list(c.dow, (d) => WEEK[d])}`;
  const months = full(c.month, 12) ? '' : `${list(c.month)} 月的`;
  return `${months}${days} ${when}`.replace('每天 每', '每');
}
