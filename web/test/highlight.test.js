// The highlight logic of 校真 (utils/highlight.js): findings are cut into
// pieces that know every finding covering them (overlaps), offsets are code
// points and not UTF-16 units (astral characters), and applying a
// suggestion moves the findings after it.
import { describe, it, expect } from 'vitest';
import { segments, applySuggestion, applyAll, charCount, codePoints, findingMatches, context, utf8Length } from '../src/utils/highlight.js';

const F = (start, end, text, severity = 'warn', extra = {}) => ({ start, end, text, severity, category: 'typo', ...extra });
// what a reader sees: [plain text] and {marked text|ids}
const draw = (text, findings) => segments(text, findings).map((s) => (s.ids.length ? `{${s.text}|${s.ids.join(',')}}` : s.text)).join('');

describe('segments', () => {
  it('covers the whole text, plain pieces without findings', () => {
    const t = '请按装最新版本';
    expect(draw(t, [F(1, 3, '按装')])).toBe('请{按装|0}最新版本');
    expect(segments(t, []).map((s) => s.text)).toEqual([t]);
    expect(segments('', [])).toEqual([]);
  });

  it('draws overlapping findings once per piece, each piece listing all its findings', () => {
    // 0..4 "中国特色" (formulation, block) overlaps 2..6 "特色社会" (typo, info); a third nested 3..4
    const t = '中国特色社会主义';
    const fs = [F(0, 4, '中国特色', 'block'), F(2, 6, '特色社会', 'info'), F(3, 4, '色', 'warn')];
    expect(draw(t, fs)).toBe('{中国|0}{特|0,1}{色|0,1,2}{社会|1}主义');
    const segs = segments(t, fs);
    // the worst severity colours the piece
    expect(segs.map((s) => s.severity)).toEqual(['block', 'block', 'block', 'info', null]);
    // edges: where each finding starts and ends
    expect(segs[0].first).toEqual([0]);
    expect(segs[1].first).toEqual([1]);
    expect(segs[2].first).toEqual([2]);
    expect(segs[2].last).toEqual([0, 2]);
    expect(segs[3].last).toEqual([1]);
  });

  it('keeps identical spans from two categories on the same piece', () => {
    const fs = [F(0, 2, '法轮', 'block', { category: 'sensitive' }), F(0, 2, '法轮', 'info', { category: 'custom' })];
    expect(draw('法轮功', fs)).toBe('{法轮|0,1}功');
  });

  it('counts code points, not UTF-16 units: astral characters before a finding', () => {
    // 𠮷 (U+20BB7) and 😀 are two UTF-16 units each but one character for the server
    const t = '𠮷野家😀按装软件';
    expect(t.length).toBe(10);
    expect(charCount(t)).toBe(8);
    const f = F(4, 6, '按装');
    expect(codePoints(t).slice(4, 6).join('')).toBe('按装');
    expect(draw(t, [f])).toBe('𠮷野家😀{按装|0}软件');
    // the same offsets read as UTF-16 indices would have marked the wrong characters
    expect(t.slice(4, 6)).not.toBe('按装');
  });

  it('a finding that is itself an astral character is drawn whole', () => {
    const t = 'a😀b';
    expect(draw(t, [F(1, 2, '😀')])).toBe('a{😀|0}b');
  });

  it('leaves out findings whose span does not fit the text (stale results)', () => {
    expect(draw('短文', [F(1, 5, '文字'), F(-1, 1, '短'), F(1, 1, '')])).toBe('短文');
  });
});

describe('applySuggestion', () => {
  it('replaces the finding and moves later findings by the change in length', () => {
    const t = '请按装后再接再励';
    const fs = [F(1, 3, '按装', 'warn', { suggestion: '安装', byte_start: 3, byte_end: 9 }), F(4, 8, '再接再励', 'warn', { suggestion: '再接再厉', byte_start: 12, byte_end: 24 })];
    const r = applySuggestion(t, fs, 0);
    expect(r.text).toBe('请安装后再接再励');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ start: 4, end: 8, byte_start: 12, byte_end: 24 });
    // a longer suggestion shifts what follows, in characters and in UTF-8 bytes
    const fs2 = [F(0, 1, '党', 'info', { suggestion: '中国共产党', byte_start: 0, byte_end: 3 }), F(2, 4, '按装', 'warn', { byte_start: 6, byte_end: 12 })];
    const r2 = applySuggestion('党的按装', fs2, 0);
    expect(r2.text).toBe('中国共产党的按装');
    expect(r2.findings[0]).toMatchObject({ start: 6, end: 8, byte_start: 18, byte_end: 24 });
    expect(codePoints(r2.text).slice(6, 8).join('')).toBe('按装');
  });

  it('keeps earlier findings and drops those overlapping the replaced words', () => {
    const t = '按装中国特色社会主义';
    const fs = [F(0, 2, '按装', 'warn', { suggestion: '安装' }), F(2, 6, '中国特色', 'block', { suggestion: 'X' }), F(4, 8, '特色社会', 'info'), F(8, 10, '主义')];
    const r = applySuggestion(t, fs, 1);
    expect(r.text).toBe('按装X社会主义');
    expect(r.dropped).toBe(1);
    expect(r.findings.map((f) => [f.text, f.start, f.end])).toEqual([
      ['按装', 0, 2],
      ['主义', 5, 7],
    ]);
    expect(r.findings.every((f) => findingMatches(codePoints(r.text), f))).toBe(true);
  });

  it('works in code points around astral characters', () => {
    const t = '😀按装😀好';
    const r = applySuggestion(t, [F(1, 3, '按装', 'warn', { suggestion: '安装' }), F(4, 5, '好')], 0);
    expect(r.text).toBe('😀安装😀好');
    expect(r.findings[0]).toMatchObject({ start: 4, end: 5 });
    const r2 = applySuggestion('按装😀好', [F(0, 2, '按装', 'warn', { suggestion: '𠮷' }), F(3, 4, '好')], 0);
    expect(r2.text).toBe('𠮷😀好');
    expect(r2.findings[0]).toMatchObject({ start: 2, end: 3 });
  });

  it('refuses a finding that no longer matches the text, or one without a suggestion', () => {
    const f = F(1, 3, '按装', 'warn', { suggestion: '安装' });
    expect(() => applySuggestion('请安装', [f], 0)).toThrow(/重新检查/);
    expect(() => applySuggestion('请按装', [F(1, 3, '按装')], 0)).toThrow(/没有修改建议/);
  });

  it('a finding with interference characters inside is replaced whole', () => {
    const t = '这是法 轮\u200b功吗';
    const f = F(2, 7, '法 轮\u200b功', 'block', { suggestion: '**' });
    expect(applySuggestion(t, [f], 0).text).toBe('这是**吗');
  });
});

describe('helpers', () => {
  it('context gives a few characters either side', () => {
    expect(context('一二三四五按装六七八九十', F(5, 7, '按装'), 3)).toEqual({ before: '…三四五', word: '按装', after: '六七八…' });
  });
  it('utf8Length counts bytes as the server does', () => {
    expect(utf8Length('a按😀')).toBe(1 + 3 + 4);
  });
});

describe('applyAll (全部采用)', () => {
  it('takes every suggestion at once and moves what is left, astral characters included', () => {
    const t = '请按装𠀀软件，按装好设备，坚持真里。';
    const fs = [
      F(1, 3, '按装', 'warn', { suggestion: '安装', byte_start: 3, byte_end: 9 }),
      F(7, 9, '按装', 'warn', { suggestion: '安装', byte_start: 22, byte_end: 28 }),
      F(15, 17, '真里', 'warn', { byte_start: 46, byte_end: 52 }), // no suggestion: stays
    ];
    const r = applyAll(t, fs);
    expect(r.text).toBe('请安装𠀀软件，安装好设备，坚持真里。');
    expect(r.applied).toBe(2);
    expect(r.findings).toEqual([fs[2]]);
    expect(findingMatches(codePoints(r.text), r.findings[0])).toBe(true);
  });
  it('shifts later findings by the suggestions’ change of length, in characters and bytes', () => {
    const t = '一二三四五六';
    const fs = [F(1, 2, '二', 'warn', { suggestion: '贰贰贰', byte_start: 3, byte_end: 6 }), F(4, 5, '五', 'info', { byte_start: 12, byte_end: 15 })];
    const r = applyAll(t, fs);
    expect(r.text).toBe('一贰贰贰三四五六');
    expect(r.findings[0]).toMatchObject({ start: 6, end: 7, byte_start: 18, byte_end: 21 });
    expect(Array.from(r.text).slice(6, 7).join('')).toBe('五');
  });
  it('of overlapping findings the first wins and the others are dropped', () => {
    const t = '按装好设备';
    const fs = [F(0, 2, '按装', 'warn', { suggestion: '安装' }), F(1, 3, '装好', 'info', { suggestion: '装妥' }), F(3, 5, '设备', 'info')];
    const r = applyAll(t, fs);
    expect(r.text).toBe('安装好设备');
    expect(r.applied).toBe(1);
    expect(r.dropped).toBe(1);
    expect(r.findings.map((f) => f.text)).toEqual(['设备']);
  });
  it('leaves findings that no longer match the text, and changes nothing without suggestions', () => {
    const fs = [F(0, 2, '按装', 'warn', { suggestion: '安装' })];
    expect(applyAll('安装好', fs)).toMatchObject({ text: '安装好', applied: 0 });
  });
});
