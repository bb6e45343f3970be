// Shaping GET /review/stats answers for 审核统计: a row's name in its
// grouping (a type or a category in words from the dictionaries, a month
// as 2026年3月), the months of a range without gaps, the default range.
// Unit-tested in test/review.test.js.

// the dictionary that labels each kind's categories (an article's column,
// a photo's activity type); the server stores the code
export const CATEGORY_DICTS = { article: 'article_category', photo: 'photo_activity_type' };

const pad = (n) => String(n).padStart(2, '0');

/** a row's name: {key, label} of group kind/category/district/org/month */
export function groupName(row, group, { dicts, kind } = {}) {
  const key = row?.key;
  if (group === 'kind') return (dicts && dicts.label('review_kind', key)) || row.label || String(key ?? '');
  if (group === 'category') {
    if (!key) return '未分类';
    const names = kind && CATEGORY_DICTS[kind] ? [CATEGORY_DICTS[kind]] : Object.values(CATEGORY_DICTS);
    for (const d of names) {
      const item = dicts?.index?.[d]?.get(String(key));
      if (item) return item.label;
    }
    return row.label || String(key);
  }
  if (group === 'month') {
    const m = /^(\d{4})-(\d{2})$/.exec(String(key || row.label || ''));
    return m ? `${m[1]}年${Number(m[2])}月` : String(key ?? '');
  }
  return row.label || (key ? `${group === 'district' ? '区' : '组织'} #${key}` : '');
}

/** "2026-01".."2026-04" → every month between, inclusive; [] when not given */
export function monthsBetween(from, to) {
  if (!from || !to) return [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  const out = [];
  while ((y < ty || (y === ty && m <= tm)) && out.length < 240) {
    out.push(`${y}-${pad(m)}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** the last twelve months up to this one: ["2025-12", "2026-11"] */
export function defaultMonths(now) {
  const d = new Date(now);
  const to = `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
  d.setDate(1);
  d.setMonth(d.getMonth() - 11);
  return [`${d.getFullYear()}-${pad(d.getMonth() + 1)}`, to];
}
