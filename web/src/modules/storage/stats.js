// Shaping GET /storage/stats answers for the charts and tables of 下载统计:
// a row's label in its grouping, and a day series without gaps (a day with
// no transfer is a zero on the line, not a missing point). Unit-tested.

const pad = (n) => String(n).padStart(2, '0');
/** a Date → "2026-11-29" in the browser's zone */
export function dayKey(d) {
  d = new Date(d);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** what a stats row ({key, label, downloads, …}) is about, in words: its day, its file, its organisation */
export function statLabel(row, group) {
  if (group === 'day') return String(row.label || '').slice(0, 10);
  return row.label || (row.key ? `${group === 'file' ? '文件' : '组织'} #${row.key}` : '');
}

/** rows of group=day → one row per day from..to, zeros where the server had none */
export function fillDays(rows, from, to) {
  const byDay = new Map((rows || []).map((r) => [statLabel(r, 'day'), r]));
  if (!from || !to) return [...byDay.entries()].sort().map(([day, r]) => ({ day, downloads: r.downloads || 0, uploads: r.uploads || 0 }));
  const out = [];
  const end = dayKey(to);
  const d = new Date(from);
  for (let i = 0; i < 3660; i++) {
    const k = dayKey(d);
    const r = byDay.get(k);
    out.push({ day: k, downloads: r?.downloads || 0, uploads: r?.uploads || 0 });
    if (k >= end) break;
    d.setDate(d.getDate() + 1);
  }
  return out;
}
