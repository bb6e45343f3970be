// Date arithmetic of the live calendar, in the browser's zone (Shanghai for
// the console's users): weeks start on Monday, a month view shows the whole
// weeks around the month. Pure functions (tested in calendar.test.js).

const pad = (n) => String(n).padStart(2, '0');

/** 'YYYY-MM-DD' of a Date (local). */
export const dayKey = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** A Date at local midnight from 'YYYY-MM-DD' (or a Date), else null. */
export function parseDay(s) {
  if (s instanceof Date) return new Date(s.getFullYear(), s.getMonth(), s.getDate());
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 ? d : null;
}

export const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);

/** Monday of d's week. */
export function weekStart(d) {
  const day = (d.getDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(parseDay(d), -day);
}

/** The seven days of d's week, Monday first. */
export const weekDays = (d) => Array.from({ length: 7 }, (_, i) => addDays(weekStart(d), i));

/** [from, to) of what a view shows around d: month (whole weeks), week, or list (the month). */
export function viewRange(view, d) {
  if (view === 'week') {
    const from = weekStart(d);
    return [from, addDays(from, 7)];
  }
  const first = new Date(d.getFullYear(), d.getMonth(), 1);
  const next = new Date(d.getFullYear(), d.getMonth() + 1, 1);
  if (view === 'list') return [first, next];
  const from = weekStart(first);
  const last = addDays(next, -1);
  return [from, addDays(weekStart(last), 7)];
}

/** The date a step back or ahead in the view (a month, or a week). */
export function step(view, d, n) {
  if (view === 'week') return addDays(d, 7 * n);
  return new Date(d.getFullYear(), d.getMonth() + n, 1);
}

/** Events (with starts_at/ends_at) that touch the local day d, by start. */
export function eventsOn(events, d) {
  const from = parseDay(d).getTime();
  const to = addDays(parseDay(d), 1).getTime();
  return events
    .filter((e) => new Date(e.starts_at).getTime() < to && new Date(e.ends_at).getTime() > from)
    .sort((a, b) => new Date(a.starts_at) - new Date(b.starts_at));
}

/** "14:00–16:00" (a stream over midnight shows its dates). */
export function timeSpan(e) {
  const a = new Date(e.starts_at), b = new Date(e.ends_at);
  const hm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return dayKey(a) === dayKey(b) ? `${hm(a)}–${hm(b)}` : `${dayKey(a).slice(5)} ${hm(a)}–${dayKey(b).slice(5)} ${hm(b)}`;
}

/** The heading of a view: "2026年12月", "12月7日–12月13日". */
export function viewTitle(view, d) {
  if (view !== 'week') return `${d.getFullYear()}年${d.getMonth() + 1}月`;
  const [a, b] = [weekStart(d), addDays(weekStart(d), 6)];
  return `${a.getFullYear()}年${a.getMonth() + 1}月${a.getDate()}日–${b.getMonth() + 1}月${b.getDate()}日`;
}

/** A stream address's player: 'hls' (.m3u8), 'flv' (.flv) or '' (neither). */
export function streamFormat(url) {
  const path = String(url || '').split(/[?#]/)[0].toLowerCase();
  return path.endsWith('.m3u8') ? 'hls' : path.endsWith('.flv') ? 'flv' : '';
}
