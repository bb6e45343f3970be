// Findings drawn in place (校真). The server gives every finding's span as
// Unicode code point offsets into the checked text (start inclusive, end
// exclusive); JavaScript strings index UTF-16 units, so the text is handled
// as Array.from(text) — one element per code point, astral characters
// (𠮷, emoji) included. Findings may overlap (the same words in two
// categories, partly overlapping entries): segments() cuts the text at every
// finding boundary, so each piece knows all the findings covering it and is
// drawn once, in the colour of the worst of them.

/** The text's code points (one array element each). */
export const codePoints = (text) => Array.from(text ?? '');

/** Code point count (what the server's character limits count). */
export const charCount = (text) => {
  let n = 0;
  for (const _ch of text ?? '') n++;
  return n;
};

const SEVERITY_RANK = { info: 1, warn: 2, block: 3 };
export const severityRank = (s) => SEVERITY_RANK[s] || 0;

/** true when the finding's span lies inside a text of `length` code points. */
export function spanValid(f, length) {
  return !!f && Number.isInteger(f.start) && Number.isInteger(f.end) && f.start >= 0 && f.end > f.start && f.end <= length;
}

/** true when the finding still matches the text it was computed on. */
export function findingMatches(cps, f) {
  if (!spanValid(f, cps.length)) return false;
  return typeof f.text !== 'string' || cps.slice(f.start, f.end).join('') === f.text;
}

/**
 * segments(text, findings) → [{start, end, text, ids, severity, first, last}]
 * covering the whole text in order. `ids` are the indices (into findings) of
 * the findings covering the piece, ascending ([] for plain text); `severity`
 * the worst of them; `first`/`last` the ids of findings that start/end at this
 * piece (for drawing each finding's edges). Findings whose span does not fit
 * the text are left out (a stale result).
 */
export function segments(text, findings = []) {
  return segmenter(text, findings).next(Infinity);
}

/**
 * segmenter(text, findings) → {next(n), done, shownFindings}
 * The same pieces as segments(), made on demand: next(n) gives the next n
 * pieces in order (fewer at the end). A 500,000-character text with 60,000
 * findings shows its first pieces without cutting the whole text first.
 * shownFindings counts the findings that start in the pieces given so far,
 * total those that fit the text.
 */
export function segmenter(text, findings = []) {
  text = text ?? '';
  // code point offset → UTF-16 index (the pieces are string slices)
  const u16 = new Uint32Array(text.length + 1);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    u16[n++] = i;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  u16[n] = text.length;
  // the valid findings by start and by end (indices sorted by offset, then index)
  const valid = [];
  for (let i = 0; i < findings.length; i++) if (spanValid(findings[i], n)) valid.push(i);
  const byStart = Uint32Array.from(valid).sort((x, y) => findings[x].start - findings[y].start || x - y);
  const byEnd = Uint32Array.from(valid).sort((x, y) => findings[x].end - findings[y].end || x - y);
  const cuts = new Float64Array(valid.length * 2 + 2);
  cuts[0] = 0;
  cuts[1] = n;
  valid.forEach((i, k) => {
    cuts[2 + 2 * k] = findings[i].start;
    cuts[3 + 2 * k] = findings[i].end;
  });
  cuts.sort();
  const none = [];
  const active = new Set();
  let k = 0; // next cut
  let si = 0; // next in byStart
  let ei = 0; // next in byEnd
  const it = {
    done: false,
    total: valid.length, // findings that fit the text
    shownFindings: 0,
    next(count) {
      const out = [];
      while (out.length < count) {
        while (k + 1 < cuts.length && cuts[k + 1] === cuts[k]) k++;
        if (k + 1 >= cuts.length) {
          it.done = true;
          break;
        }
        const a = cuts[k];
        const b = cuts[k + 1];
        k++;
        while (ei < byEnd.length && findings[byEnd[ei]].end <= a) active.delete(byEnd[ei++]);
        while (si < byStart.length && findings[byStart[si]].start <= a) {
          active.add(byStart[si++]);
          it.shownFindings++;
        }
        const piece = text.slice(u16[a], u16[b]);
        if (!active.size) {
          out.push({ start: a, end: b, text: piece, ids: none, severity: null, first: none, last: none });
          continue;
        }
        if (active.size === 1) {
          const [i] = active;
          const f = findings[i];
          const ids = [i];
          out.push({ start: a, end: b, text: piece, ids, severity: f.severity in SEVERITY_RANK ? f.severity : 'info', first: f.start === a ? ids : none, last: f.end === b ? ids : none });
          continue;
        }
        const ids = [...active].sort((x, y) => x - y);
        let severity = null;
        for (const i of ids) if (severityRank(findings[i].severity) > severityRank(severity)) severity = findings[i].severity;
        out.push({
          start: a,
          end: b,
          text: piece,
          ids,
          severity: severity || 'info',
          first: ids.filter((i) => findings[i].start === a),
          last: ids.filter((i) => findings[i].end === b),
        });
      }
      if (k + 1 >= cuts.length) it.done = true;
      return out;
    },
  };
  return it;
}

/** UTF-8 length in bytes of a string. */
export function utf8Length(s) {
  let n = 0;
  for (const ch of s ?? '') {
    const c = ch.codePointAt(0);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * applySuggestion(text, findings, index, replacement = finding.suggestion)
 *   → {text, findings, dropped}
 * Replaces the finding's span by the replacement. Findings after it move by
 * the change in length (code points, and UTF-8 bytes when they carry
 * byte_start/byte_end); findings before it stay; findings overlapping the
 * replaced span (their words changed) and the applied one are dropped —
 * `dropped` counts the former. Throws when the finding no longer matches
 * the text (it was edited since the check).
 */
export function applySuggestion(text, findings, index, replacement) {
  const f = findings[index];
  const rep = replacement ?? f?.suggestion;
  if (typeof rep !== 'string') throw new Error('该问题没有修改建议');
  const cps = codePoints(text);
  if (!findingMatches(cps, f)) throw new Error('文本已修改，该标注已失效，请重新检查');
  const repLen = codePoints(rep).length;
  const delta = repLen - (f.end - f.start);
  const oldBytes = Number.isInteger(f.byte_start) && Number.isInteger(f.byte_end) ? f.byte_end - f.byte_start : utf8Length(f.text ?? cps.slice(f.start, f.end).join(''));
  const byteDelta = utf8Length(rep) - oldBytes;
  const out = [];
  let dropped = 0;
  findings.forEach((g, i) => {
    if (i === index) return;
    if (g.end <= f.start) out.push(g);
    else if (g.start >= f.end) {
      const moved = { ...g, start: g.start + delta, end: g.end + delta };
      if (Number.isInteger(g.byte_start)) moved.byte_start = g.byte_start + byteDelta;
      if (Number.isInteger(g.byte_end)) moved.byte_end = g.byte_end + byteDelta;
      out.push(moved);
    } else dropped++;
  });
  return { text: cps.slice(0, f.start).join('') + rep + cps.slice(f.end).join(''), findings: out, dropped };
}

/** 全部采用: every suggestion at once. Findings are taken by position (the
 *  first of overlapping ones wins; a finding without a suggestion, or no
 *  longer matching the text, is left). Returns {text, findings (those left,
 *  moved), applied, dropped (overlapping a taken one)}; linear in the
 *  findings and the text, for tens of thousands of findings. */
export function applyAll(text, findings) {
  const cps = codePoints(text);
  const order = findings.map((_, i) => i).sort((a, b) => findings[a].start - findings[b].start || findings[a].end - findings[b].end);
  const taken = [];
  let reach = 0;
  for (const i of order) {
    const f = findings[i];
    if (typeof f.suggestion === 'string' && f.end > f.start && f.start >= reach && findingMatches(cps, f)) {
      taken.push(i);
      reach = f.end;
    }
  }
  if (!taken.length) return { text, findings, applied: 0, dropped: 0 };
  const parts = [];
  // after the k-th taken finding: its end, and the shift in characters and bytes so far
  const ends = [], starts = [], shift = [], byteShift = [];
  let pos = 0, d = 0, bd = 0;
  for (const i of taken) {
    const f = findings[i];
    parts.push(cps.slice(pos, f.start).join(''), f.suggestion);
    pos = f.end;
    const old = cps.slice(f.start, f.end).join('');
    d += codePoints(f.suggestion).length - (f.end - f.start);
    bd += utf8Length(f.suggestion) - utf8Length(old);
    starts.push(f.start);
    ends.push(f.end);
    shift.push(d);
    byteShift.push(bd);
  }
  parts.push(cps.slice(pos).join(''));
  const isTaken = new Set(taken);
  const out = [];
  let dropped = 0;
  findings.forEach((g, i) => {
    if (isTaken.has(i)) return;
    // the last taken finding starting before g ends
    let lo = 0, hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < Math.max(g.end, g.start + 1)) lo = mid + 1;
      else hi = mid;
    }
    const k = lo - 1;
    if (k >= 0 && ends[k] > g.start) {
      dropped++;
      return;
    }
    if (k < 0) return out.push(g);
    const moved = { ...g, start: g.start + shift[k], end: g.end + shift[k] };
    if (Number.isInteger(g.byte_start)) moved.byte_start = g.byte_start + byteShift[k];
    if (Number.isInteger(g.byte_end)) moved.byte_end = g.byte_end + byteShift[k];
    out.push(moved);
  });
  return { text: parts.join(''), findings: out, applied: taken.length, dropped };
}

/** A few characters either side of a finding, for lists: {before, word, after}.
 *  `text` may be given as its code points already (many findings, one text). */
export function context(text, f, width = 8) {
  const cps = Array.isArray(text) ? text : codePoints(text);
  if (!spanValid(f, cps.length)) return { before: '', word: f?.text || '', after: '' };
  return {
    before: (f.start > width ? '…' : '') + cps.slice(Math.max(0, f.start - width), f.start).join(''),
    word: cps.slice(f.start, f.end).join(''),
    after: cps.slice(f.end, f.end + width).join('') + (f.end + width < cps.length ? '…' : ''),
  };
}
