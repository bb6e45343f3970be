// Durations of lessons and courses in words: "1小时05分", "12分30秒".
export function fmtDuration(ms) {
  const s = Math.round((ms || 0) / 1000);
  if (!s) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const p = (n) => String(n).padStart(2, '0');
  if (h) return `${h}小时${p(m)}分`;
  return m ? `${m}分${p(sec)}秒` : `${sec}秒`;
}
