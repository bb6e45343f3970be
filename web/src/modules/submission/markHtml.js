// Proofreading findings marked in place in a rendered HTML body (an
// article's preview and detail page). The server checks the body's text
// (its HTML read as plain text, paragraphs on their own lines) and gives
// each finding as code point offsets into that text, with the matched
// words. The rendered HTML's text nodes hold the same characters apart from
// the whitespace between blocks, so the two are aligned on their
// non-whitespace characters; where they differ (the body was edited since
// the check) a finding is looked for by its words, nearest to where it was.
// Unit-tested in test/submission.test.js.
import { severityRank } from '@/utils/highlight.js';

const WS = /\s/;

function textNodes(root) {
  const out = [];
  const walk = (n) => {
    for (const c of n.childNodes) {
      if (c.nodeType === 3) out.push(c);
      else if (c.nodeType === 1 && c.tagName !== 'SCRIPT' && c.tagName !== 'STYLE') walk(c);
    }
  };
  walk(root);
  return out;
}

/** indices of the non-whitespace code points */
function solid(cps) {
  const out = [];
  cps.forEach((ch, i) => {
    if (!WS.test(ch)) out.push(i);
  });
  return out;
}

/** the first k with arr[k] >= x */
function lowerBound(arr, x) {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const CONTEXT = 8;
const bare = (cps) => cps.filter((ch) => !WS.test(ch));
/** how many of the few characters before and after agree (whitespace aside) */
function around(aCps, aStart, aEnd, bCps, bStart, bEnd) {
  if (!aCps.length) return 0;
  const before = (cps, at) => bare(cps.slice(Math.max(0, at - CONTEXT * 2), at)).slice(-CONTEXT).reverse();
  const after = (cps, at) => bare(cps.slice(at, at + CONTEXT * 2)).slice(0, CONTEXT);
  let n = 0;
  const [a1, b1, a2, b2] = [before(aCps, aStart), before(bCps, bStart), after(aCps, aEnd), after(bCps, bEnd)];
  for (let i = 0; i < a1.length && a1[i] === b1[i]; i++) n++;
  for (let i = 0; i < a2.length && a2[i] === b2[i]; i++) n++;
  return n;
}

/**
 * locate(flatCps, text, findings) → [[start, end] | null] per finding: the
 * code point range in the rendered text (flatCps) of each finding given in
 * offsets into `text`.
 */
export function locate(flatCps, text, findings) {
  const tCps = Array.from(text || '');
  const sT = solid(tCps);
  const sF = solid(flatCps);
  const aligned = sT.length === sF.length && sT.every((i, k) => tCps[i] === flatCps[sF[k]]);
  const flat = flatCps.join('');
  // UTF-16 index → code point index, for the fallback search
  const cpAt = (u16) => Array.from(flat.slice(0, u16)).length;
  return findings.map((f) => {
    if (!f || !Number.isInteger(f.start) || !Number.isInteger(f.end) || f.end <= f.start) return null;
    if (aligned && f.end <= tCps.length && (typeof f.text !== 'string' || tCps.slice(f.start, f.end).join('') === f.text)) {
      const k1 = lowerBound(sT, f.start);
      const k2 = lowerBound(sT, f.end) - 1;
      if (k1 <= k2 && k1 < sF.length) return [sF[k1], sF[k2] + 1];
    }
    // the words themselves: the occurrence whose surroundings match those in
    // the checked text best, then the one nearest to where they were
    if (typeof f.text !== 'string' || !f.text) return null;
    const len = Array.from(f.text).length;
    let best = null;
    for (let at = flat.indexOf(f.text); at >= 0; at = flat.indexOf(f.text, at + 1)) {
      const cp = cpAt(at);
      const score = around(tCps, f.start, f.start + len, flatCps, cp, cp + len);
      const dist = Math.abs(cp - f.start);
      if (!best || score > best.score || (score === best.score && dist < best.dist)) best = { score, dist, range: [cp, cp + len] };
    }
    return best ? best.range : null;
  });
}

/**
 * markFindings(root, text, findings, {ids}) → how many findings were marked.
 * Wraps the characters of each finding in <mark class="hl sev-…"
 * data-ids="…"> (pieces covered by several findings once, in the colour of
 * the worst, with all their ids). ids: the numbers to write for each
 * finding (default its index), e.g. its index in a larger list.
 */
export function markFindings(root, text, findings, { ids } = {}) {
  if (!root || !findings?.length) return 0;
  const nodes = textNodes(root);
  const flatCps = [];
  const starts = [];
  for (const n of nodes) {
    starts.push(flatCps.length);
    for (const ch of n.nodeValue) flatCps.push(ch);
  }
  const ranges = locate(flatCps, text, findings);
  const cover = new Map(); // code point index → [finding index]
  let marked = 0;
  ranges.forEach((r, i) => {
    if (!r) return;
    marked++;
    for (let p = r[0]; p < r[1]; p++) {
      if (!cover.has(p)) cover.set(p, []);
      cover.get(p).push(i);
    }
  });
  if (!marked) return 0;
  const doc = root.ownerDocument;
  nodes.forEach((node, ni) => {
    const cps = Array.from(node.nodeValue);
    const base = starts[ni];
    if (!cps.some((_, k) => cover.has(base + k))) return;
    const frag = doc.createDocumentFragment();
    let run = '';
    let key = '';
    let covering = [];
    const flush = () => {
      if (!run) return;
      if (!covering.length) frag.appendChild(doc.createTextNode(run));
      else {
        const m = doc.createElement('mark');
        const worst = covering.reduce((w, i) => (severityRank(findings[i].severity) > severityRank(w) ? findings[i].severity : w), '');
        m.className = `hl sev-${worst || 'info'}${covering.length > 1 ? ' overlap' : ''}`;
        m.setAttribute('data-ids', covering.map((i) => (ids ? ids[i] : i)).join(','));
        m.setAttribute('data-test', 'body-mark');
        m.setAttribute('title', covering.map((i) => findings[i].message || findings[i].suggestion || findings[i].text || '').filter(Boolean).join('；'));
        m.textContent = run;
        frag.appendChild(m);
      }
      run = '';
    };
    cps.forEach((ch, k) => {
      const c = cover.get(base + k) || [];
      const ck = c.join(',');
      if (ck !== key) {
        flush();
        key = ck;
        covering = c;
      }
      run += ch;
    });
    flush();
    node.parentNode.replaceChild(frag, node);
  });
  return marked;
}
