// Periods of the activity pages: a date range picked as YYYY-MM-DD days is
// sent as from (inclusive) and to, the day after the last (exclusive).

// "2026-11-30" → "2026-12-01" (calendar arithmetic, no time zone involved)
export function dayAfter(day) {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + 1));
  return t.toISOString().slice(0, 10);
}

// the period of the month holding `now`: [first day, first day of next month)
export function thisMonth(now = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  const y = now.getFullYear(), m = now.getMonth() + 1;
  return [`${y}-${p(m)}-01`, `${y}-${p(m)}-${p(new Date(y, m, 0).getDate())}`];
}

// the last n months up to this one, as ["YYYY-MM", "YYYY-MM"] (a monthrange)
export function lastMonths(n, now = new Date()) {
  const p = (x) => String(x).padStart(2, '0');
  const first = new Date(now.getFullYear(), now.getMonth() - (n - 1), 1);
  return [`${first.getFullYear()}-${p(first.getMonth() + 1)}`, `${now.getFullYear()}-${p(now.getMonth() + 1)}`];
}

// a monthrange ["YYYY-MM", "YYYY-MM"] as {from, to}: the first day of the
// first month, the first day after the last month (exclusive)
export function monthsPeriod(range) {
  if (!range?.[0] || !range?.[1]) return {};
  const [y, m] = range[1].split('-').map(Number);
  const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  return { from: `${range[0]}-01`, to: next };
}
