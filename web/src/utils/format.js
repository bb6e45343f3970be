// Display helpers: times in Shanghai style, sizes, durations. The words for
// codes (statuses, types, scopes) come from the server's dictionary service:
// stores/dicts.js and components/StatusTag.vue.

const pad = (n) => String(n).padStart(2, '0');

/** ISO time (or ms) → "2026-11-29 10:47:21" in the browser's zone; '' for empty. */
export function fmtTime(v) {
  if (v === null || v === undefined || v === '') return '';
  const d = typeof v === 'number' ? new Date(v) : new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Date → ISO 8601 with the local offset ("2026-11-29T10:47:21+08:00"). */
export function toIso(d) {
  if (!d) return '';
  d = d instanceof Date ? d : new Date(d);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

export function fmtBytes(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '';
  n = Number(n);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} 毫秒`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} 秒`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} 分 ${s % 60} 秒`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} 小时 ${m % 60} 分`;
  return `${Math.floor(h / 24)} 天 ${h % 24} 小时`;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Any value of a record for people (audit details, before/after):
 * null → '（空）', true/false → 是/否, ISO times → local time, arrays of
 * plain values → '甲、乙', objects → JSON. label(v) may name a code
 * (a role, a status) and is asked for strings first.
 */
export function fmtValue(v, label = null) {
  if (v === null || v === undefined || v === '') return '（空）';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'string') {
    if (ISO_TIME.test(v)) return fmtTime(v);
    return (label && label(v)) || v;
  }
  if (Array.isArray(v)) {
    if (!v.length) return '（无）';
    if (v.every((x) => x === null || typeof x !== 'object')) return v.map((x) => fmtValue(x, label)).join('、');
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
