// Comparing two submitted versions of a review item (their snapshots, the
// fields the reviewers saw): per field, what was deleted and what inserted.
// Text is compared line by line first (jsdiff's diffLines), then, inside
// each run of changed lines, character by character (diffChars): Chinese
// has no spaces between words, so a "word" diff would treat a whole
// sentence as one word. HTML fields (an article's body) are compared as the
// text a reader sees (paragraphs as lines, pictures as [图片]). Unit-tested
// in test/review.test.js.
import { diffLines, diffChars } from 'diff';

const BLOCK = new Set(['P', 'DIV', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'LI', 'TR', 'BLOCKQUOTE', 'PRE', 'TABLE', 'UL', 'OL', 'SECTION', 'ARTICLE', 'FIGURE']);

/** HTML → the text a reader sees: a line per paragraph (block), <br> a line break, pictures as [图片]. */
export function htmlToText(html) {
  if (!html) return '';
  const doc = new DOMParser().parseFromString(String(html), 'text/html');
  let out = '';
  const walk = (node) => {
    for (const n of node.childNodes) {
      if (n.nodeType === 3) out += n.nodeValue.replace(/\s*\n\s*/g, ' ');
      else if (n.nodeType === 1) {
        const tag = n.tagName;
        if (tag === 'BR') out += '\n';
        else if (tag === 'IMG') out += `[图片${n.getAttribute('alt') ? `：${n.getAttribute('alt')}` : ''}]`;
        else if (tag === 'VIDEO') out += '[视频]';
        else if (tag === 'SCRIPT' || tag === 'STYLE') continue;
        else {
          const block = BLOCK.has(tag);
          if (block && out && !out.endsWith('\n')) out += '\n';
          walk(n);
          if (block && !out.endsWith('\n')) out += '\n';
          if (tag === 'TD' || tag === 'TH') out += '\t';
        }
      }
    }
  };
  walk(doc.body);
  return out.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * diffText(a, b) → [{value, added, removed}] in order: unchanged, deleted
 * (removed) and inserted (added) pieces. Lines first; in a run of changed
 * lines, characters (when the run is not huge: past `maxChars` the lines
 * stay whole).
 */
export function diffText(a, b, { maxChars = 20000 } = {}) {
  a = a ?? '';
  b = b ?? '';
  if (a === b) return a ? [{ value: a, added: false, removed: false }] : [];
  const lines = diffLines(a, b);
  const out = [];
  const push = (value, added, removed) => {
    if (!value) return;
    const last = out[out.length - 1];
    if (last && last.added === added && last.removed === removed) last.value += value;
    else out.push({ value, added, removed });
  };
  for (let i = 0; i < lines.length; i++) {
    const p = lines[i];
    if (!p.added && !p.removed) {
      push(p.value, false, false);
      continue;
    }
    // a run of changes: removed lines and added lines, refined by characters
    let del = '';
    let ins = '';
    for (; i < lines.length && (lines[i].added || lines[i].removed); i++) {
      if (lines[i].removed) del += lines[i].value;
      else ins += lines[i].value;
    }
    i--;
    if (del && ins && del.length + ins.length <= maxChars) {
      for (const c of diffChars(del, ins)) push(c.value, !!c.added, !!c.removed);
    } else {
      push(del, false, true);
      push(ins, true, false);
    }
  }
  return out;
}

/** counts of a diff: {added, removed} characters (code points) */
export function diffStats(parts) {
  let added = 0;
  let removed = 0;
  for (const p of parts) {
    const n = Array.from(p.value).length;
    if (p.added) added += n;
    else if (p.removed) removed += n;
  }
  return { added, removed };
}

/** a snapshot value as text for comparison: HTML as read, lists one per line, objects by their title/name */
export function valueText(v, { html = false, format } = {}) {
  if (format) return String(format(v) ?? '');
  if (v === null || v === undefined) return '';
  if (html) return htmlToText(v);
  if (Array.isArray(v)) return v.map((x) => valueText(x)).join('\n');
  if (typeof v === 'object') {
    const name = v.title || v.name || v.label;
    if (name) return String(name);
    return Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined && x !== '')
      .map(([k, x]) => `${k}：${valueText(x)}`)
      .join('；');
  }
  if (typeof v === 'boolean') return v ? '是' : '否';
  return String(v);
}

/**
 * compareSnapshots(a, b, fields) → [{key, label, changed, parts, stats}]
 * fields: [{key, label, html?, format?(value)}] in display order; keys of the
 * snapshots not named there follow with `labels[key]` or the key itself.
 */
export function compareSnapshots(a, b, fields = [], { labels = {}, hidden = [] } = {}) {
  a = a || {};
  b = b || {};
  const known = new Set(fields.map((f) => f.key));
  const skip = new Set(hidden);
  const extra = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !known.has(k) && !skip.has(k))
    .map((k) => ({ key: k, label: labels[k] || k, html: /_html$|^html$/.test(k) }));
  return [...fields, ...extra]
    .filter((f) => f.key in a || f.key in b)
    .map((f) => {
      const parts = diffText(valueText(a[f.key], f), valueText(b[f.key], f));
      const stats = diffStats(parts);
      return { key: f.key, label: f.label, changed: stats.added + stats.removed > 0, parts, stats };
    });
}
