// The submission pages' logic (web/src/modules/submission/): findings marked
// in place in a rendered HTML body — aligned with the checked text on its
// non-whitespace characters, overlaps drawn once, astral characters counted
// as one, and, when the body changed since the check, found by their words
// nearest to where they were; which findings belong to which part; a
// video's length and whether its page still follows the server.
import { describe, it, expect } from 'vitest';
import { locate, markFindings } from '../src/modules/submission/markHtml.js';
import { bySource, lastReturn, escapeHtml } from '../src/modules/submission/article.js';
import { clock, videoBusy } from '../src/modules/submission/video.js';

function render(html) {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}
const marks = (el) => [...el.querySelectorAll('mark')].map((m) => [m.textContent, m.className, m.dataset.ids]);

describe('findings marked in a rendered body', () => {
  it('aligns the checked text (paragraphs on lines) with the HTML and marks across elements', () => {
    const el = render('<p>坚决维护以<b>习近平总书记</b>为核心的党中央权威。</p><p>第二段有个措词。</p>');
    const text = '坚决维护以习近平总书记为核心的党中央权威。\n第二段有个措词。';
    const f = [
      { start: 4, end: 18, text: '以习近平总书记为核心的党中央', severity: 'block' },
      { start: 26, end: 28, text: '措词', severity: 'warn' },
    ];
    expect(markFindings(el, text, f)).toBe(2);
    expect(marks(el)).toEqual([
      ['以', 'hl sev-block', '0'],
      ['习近平总书记', 'hl sev-block', '0'],
      ['为核心的党中央', 'hl sev-block', '0'],
      ['措词', 'hl sev-warn', '1'],
    ]);
    expect(el.querySelector('b').textContent).toBe('习近平总书记'); // the structure stays
    expect(el.textContent).toBe('坚决维护以习近平总书记为核心的党中央权威。第二段有个措词。');
  });

  it('draws overlaps once, in the worst colour, with every id; ids can be the page’s own', () => {
    const el = render('<p>甲乙丙丁</p>');
    markFindings(el, '甲乙丙丁', [{ start: 0, end: 3, severity: 'info' }, { start: 1, end: 4, severity: 'block' }], { ids: [7, 9] });
    expect(marks(el)).toEqual([
      ['甲', 'hl sev-info', '7'],
      ['乙丙', 'hl sev-block overlap', '7,9'],
      ['丁', 'hl sev-block', '9'],
    ]);
  });

  it('counts astral characters as one code point', () => {
    const el = render('<p>𠮷野家的错别字</p>');
    markFindings(el, '𠮷野家的错别字', [{ start: 4, end: 7, text: '错别字', severity: 'warn' }]);
    expect(marks(el)).toEqual([['错别字', 'hl sev-warn', '0']]);
  });

  it('finds the words nearest to their old place when the body changed', () => {
    const flat = Array.from('新加的一句。措词一。措词二。');
    // checked before the first sentence was added: the second 措词 (at 4) is
    // the one followed by 二, though the first is nearer to 4 now
    expect(locate(flat, '措词一。措词二。', [{ start: 4, end: 6, text: '措词', severity: 'warn' }])).toEqual([[10, 12]]);
    // without the checked text: the nearest
    expect(locate(flat, '', [{ start: 4, end: 6, text: '措词', severity: 'warn' }])).toEqual([[6, 8]]);
    expect(locate(flat, '', [{ start: 0, end: 2, text: '不存在', severity: 'warn' }])).toEqual([null]);
    const el = render('<p>新加的一句。措词一。</p>');
    expect(markFindings(el, '', [{ start: 0, end: 2, text: '措词', severity: 'warn' }])).toBe(1);
  });

  it('leaves a body without findings alone', () => {
    const el = render('<p>正文</p>');
    expect(markFindings(el, '正文', [])).toBe(0);
    expect(el.innerHTML).toBe('<p>正文</p>');
  });
});

describe('article helpers', () => {
  it('splits findings by where they are, keeping their places in the whole list', () => {
    const f = [{ source: 'title' }, { source: 'body' }, { source: 'image' }, { source: 'body' }];
    expect(bySource(f, 'body').ids).toEqual([1, 3]);
    expect(bySource(null, 'title')).toEqual({ list: [], ids: [] });
  });
  it('finds the opinion of the last return of the current round', () => {
    const h = (action, opinion) => ({ action, opinion });
    expect(lastReturn({ history: [h('submit'), h('return', '请补充')] }).opinion).toBe('请补充');
    expect(lastReturn({ history: [h('submit'), h('return', '旧'), h('submit')] })).toBe(null);
    expect(escapeHtml('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
  });
  it('says a video’s length and follows it until transcoded and checked', () => {
    expect(clock(65000)).toBe('1:05');
    expect(clock(3723000)).toBe('1:02:03');
    expect(clock(null)).toBe('');
    expect(videoBusy({ file_id: 1, file: { media_status: 'processing' }, check_status: 'done' })).toBe(true);
    expect(videoBusy({ file_id: 1, file: { media_status: 'ready' }, check_status: 'running' })).toBe(true);
    expect(videoBusy({ file_id: 1, file: { media_status: 'ready' }, check_status: 'done' })).toBe(false);
    expect(videoBusy({ file_id: 1, file: { media_status: 'failed' }, check_status: 'failed' })).toBe(false);
    expect(videoBusy({ file_id: null, file: null, check_status: 'pending' })).toBe(false); // no file yet
  });
});
