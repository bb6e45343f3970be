// Small pieces the article pages share: which states the submitter may
// edit, findings of one part (title, body) with their places in the whole
// list, the reviewer's last opinion of a return, HTML escaping for a title
// shown with marks, and the fields of the version comparison.

/** states in which the submitter may edit, submit or delete (review_editable) */
export const EDITABLE = new Set(['draft', 'returned', 'withdrawn']);

/** {list, ids}: the findings whose source is `source`, and their indexes in `findings` */
export function bySource(findings, source) {
  const list = [];
  const ids = [];
  (findings || []).forEach((f, i) => {
    if (f.source === source) {
      list.push(f);
      ids.push(i);
    }
  });
  return { list, ids };
}

/** the review's last return decision ({opinion, level_title, actor_name, created_at}) or null */
export function lastReturn(review) {
  const h = review?.history || [];
  for (let i = h.length - 1; i >= 0; i--) {
    if (h[i].action === 'return') return h[i];
    if (h[i].action === 'submit') return null;
  }
  return null;
}

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** an article's snapshot for ReviewPanel's comparison */
export const ARTICLE_FIELDS = [
  { key: 'title', label: '标题' },
  { key: 'category', label: '栏目', dict: 'article_category' },
  { key: 'author_type', label: '作者类型', dict: 'author_type' },
  { key: 'author', label: '作者' },
  { key: 'org_name', label: '投稿组织' },
  { key: 'body_html', label: '正文', html: true },
];
