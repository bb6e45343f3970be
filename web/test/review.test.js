// The review module's logic (web/src/modules/review/): the version
// comparison (lines, then characters inside changed lines; HTML as read),
// the chain's steps from an item, the statistics' names and months, and the
// menu badges (stores/badges.js: polled while shown, refreshed on demand,
// dropped at logout).
import { describe, it, expect, beforeEach, vi, afterEach } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { htmlToText, diffText, diffStats, compareSnapshots, valueText } from '../src/modules/review/diff.js';
import { chainSteps, activeStep, lastDecision, waitText, avgText } from '../src/modules/review/chain.js';
import { groupName, monthsBetween, defaultMonths } from '../src/modules/review/stats.js';
import { useBadges } from '../src/stores/badges.js';
import { buildMenu, menuBadges } from '../src/utils/menu.js';
import { layoutRoutes, menuGroups } from '../src/router/routes.js';

const join = (parts, pick) => parts.filter(pick).map((p) => p.value).join('');

describe('version comparison', () => {
  it('reads HTML as text: paragraphs as lines, pictures as [图片]', () => {
    expect(htmlToText('<p>第一段<b>加粗</b></p><p>第二段<br>换行</p><p><img src="/x.png" alt="合影"></p>')).toBe('第一段加粗\n第二段\n换行\n[图片：合影]');
    expect(htmlToText('')).toBe('');
    expect(htmlToText('<script>alert(1)</script><p>正文</p>')).toBe('正文');
  });

  it('finds changed characters inside a changed line, unchanged lines stay whole', () => {
    const a = '社区开展主题党日活动。\n参加人数三十人。\n结束。';
    const b = '社区开展主题党日活动。\n参加人数四十五人。\n结束。';
    const parts = diffText(a, b);
    expect(join(parts, (p) => !p.added)).toBe(a); // the old text: unchanged + removed
    expect(join(parts, (p) => !p.removed)).toBe(b); // the new text: unchanged + added
    expect(join(parts, (p) => p.removed)).toBe('三');
    expect(join(parts, (p) => p.added)).toBe('四五');
    expect(diffStats(parts)).toEqual({ added: 2, removed: 1 });
  });

  it('reports equal texts as one unchanged piece, and an emptied field as removed', () => {
    expect(diffText('相同', '相同')).toEqual([{ value: '相同', added: false, removed: false }]);
    expect(diffText('', '')).toEqual([]);
    expect(diffText('旧标题', '')).toEqual([{ value: '旧标题', added: false, removed: true }]);
  });

  it('compares snapshots field by field, in the given order, HTML as text, with formats and hidden keys', () => {
    const a = { title: '标题一', category: 'news', body_html: '<p>原来的正文</p>', images: [1], extra: 'x' };
    const b = { title: '标题一', category: 'story', body_html: '<p>修改后的正文</p>', images: [1, 2], extra: 'x' };
    const rows = compareSnapshots(a, b, [
      { key: 'title', label: '标题' },
      { key: 'category', label: '栏目', format: (v) => ({ news: '工作动态', story: '先锋故事' })[v] },
      { key: 'body_html', label: '正文', html: true },
    ], { labels: { extra: '其他' }, hidden: ['images'] });
    expect(rows.map((r) => [r.key, r.label, r.changed])).toEqual([
      ['title', '标题', false],
      ['category', '栏目', true],
      ['body_html', '正文', true],
      ['extra', '其他', false],
    ]);
    expect(join(rows[1].parts, (p) => p.added)).toBe('先锋故事');
    expect(join(rows[2].parts, (p) => p.removed)).toBe('原来');
    expect(join(rows[2].parts, (p) => p.added)).toBe('修改后');
    expect(rows[2].parts.some((p) => p.value.includes('<p>'))).toBe(false);
  });

  it('shows values as words: lists one per line, objects by name, booleans', () => {
    expect(valueText(['甲', '乙'])).toBe('甲\n乙');
    expect(valueText({ title: '合影', id: 3 })).toBe('合影');
    expect(valueText(true)).toBe('是');
    expect(valueText(null)).toBe('');
  });
});

const LEVELS = [{ org_type: 'district', title: '区级审核' }, { org_type: 'city', title: '市级审核' }];
const h = (id, action, level, version, name = '某人') => ({ id, action, level, version, actor_name: name, created_at: '2026-03-01T10:00:00+08:00' });

describe('the chain as steps', () => {
  it('in review at level 2: submission and level 1 done, level 2 current', () => {
    const item = { status: 'in_review', level: 2, version: 1, levels: LEVELS, history: [h(1, 'submit', 0, 1), h(2, 'approve', 1, 1, '区审核员')] };
    const s = chainSteps(item);
    expect(s.map((x) => [x.title, x.status])).toEqual([['提交', 'finish'], ['区级审核', 'finish'], ['市级审核', 'process']]);
    expect(s[1].decision.actor_name).toBe('区审核员');
    expect(activeStep(item)).toBe(2);
  });

  it('returned at level 1: back with the submitter, level 1 in red', () => {
    const item = { status: 'returned', level: 0, version: 1, levels: LEVELS, history: [h(1, 'submit', 0, 1), h(2, 'return', 1, 1)] };
    expect(chainSteps(item).map((x) => x.status)).toEqual(['process', 'error', 'wait']);
    expect(activeStep(item)).toBe(0);
  });

  it('a new version after a return starts again: last round’s decisions are not shown', () => {
    const item = { status: 'in_review', level: 1, version: 2, levels: LEVELS, history: [h(1, 'submit', 0, 1), h(2, 'return', 1, 1), h(3, 'submit', 0, 2)] };
    const s = chainSteps(item);
    expect(s.map((x) => x.status)).toEqual(['finish', 'process', 'wait']);
    expect(s[1].decision).toBe(null);
    expect(lastDecision(item.history, 1, 1).action).toBe('return');
  });

  it('rejected at level 2 and approved at the end', () => {
    const rej = { status: 'rejected', level: 2, version: 1, levels: LEVELS, history: [h(1, 'submit', 0, 1), h(2, 'approve', 1, 1), h(3, 'reject', 2, 1)] };
    expect(chainSteps(rej).map((x) => x.status)).toEqual(['finish', 'finish', 'error']);
    expect(activeStep(rej)).toBe(2);
    const ok = { status: 'approved', level: 2, version: 1, levels: LEVELS, history: [h(1, 'submit', 0, 1), h(2, 'approve', 1, 1), h(3, 'approve', 2, 1)] };
    expect(chainSteps(ok).map((x) => x.status)).toEqual(['finish', 'success', 'success']);
    expect(activeStep(ok)).toBe(3);
    expect(chainSteps({ status: 'draft', version: 0, levels: LEVELS, history: [] }).map((x) => x.status)).toEqual(['process', 'wait', 'wait']);
  });

  it('says waiting times and averages in words', () => {
    expect(waitText(30000)).toBe('不到 1 分钟');
    expect(waitText(25 * 60000)).toBe('25 分钟');
    expect(waitText(3 * 3600000 + 5 * 60000)).toBe('3 小时 5 分');
    expect(waitText(52 * 3600000)).toBe('2 天 4 小时');
    expect(avgText(0)).toBe('—');
    expect(avgText(90 * 60000)).toBe('1.5 小时');
    expect(avgText(3 * 86400000)).toBe('3.0 天');
  });
});

describe('statistics', () => {
  const dicts = {
    label: (d, v) => ({ review_kind: { article: '文章' } })[d]?.[v] || v,
    index: { article_category: new Map([['news', { label: '工作动态' }]]), photo_activity_type: new Map([['study', { label: '学习教育' }]]) },
  };
  it('names rows by their grouping, codes through the dictionaries', () => {
    expect(groupName({ key: 'article', label: '文章' }, 'kind', { dicts })).toBe('文章');
    expect(groupName({ key: 'news', label: 'news' }, 'category', { dicts })).toBe('工作动态');
    expect(groupName({ key: 'study', label: 'study' }, 'category', { dicts, kind: 'photo' })).toBe('学习教育');
    expect(groupName({ key: '', label: '未分类' }, 'category', { dicts })).toBe('未分类');
    expect(groupName({ key: '2026-03', label: '2026-03' }, 'month')).toBe('2026年3月');
    expect(groupName({ key: 7, label: '浦东新区' }, 'district')).toBe('浦东新区');
  });
  it('fills the months of a range and defaults to the last twelve', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('', '2026-02')).toEqual([]);
    expect(defaultMonths(new Date(2026, 2, 31))).toEqual(['2025-04', '2026-03']);
  });
});

describe('menu badges', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });
  afterEach(() => {
    useBadges().stop();
    vi.useRealTimers();
  });

  it('polls each watched badge at once and every minute, refreshes on demand, stops when no longer shown', async () => {
    const b = useBadges();
    let n = 3;
    const fetch = vi.fn(async () => n);
    b.watch([{ key: 'q', fetch }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.count('q')).toBe(3);
    n = 5;
    await vi.advanceTimersByTimeAsync(59000);
    expect(b.count('q')).toBe(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(b.count('q')).toBe(5);
    n = 4;
    await b.refresh('q');
    expect(b.count('q')).toBe(4);
    b.watch([{ key: 'q', fetch }]); // the same badge again: no second timer
    const calls = fetch.mock.calls.length;
    await vi.advanceTimersByTimeAsync(60000);
    expect(fetch.mock.calls.length).toBe(calls + 1);
    b.watch([]);
    expect(b.count('q')).toBe(0);
    await vi.advanceTimersByTimeAsync(120000);
    expect(fetch.mock.calls.length).toBe(calls + 1);
  });

  it('keeps the last number when a fetch fails, and forgets everything at stop()', async () => {
    const b = useBadges();
    let fail = false;
    b.watch([{ key: 'q', fetch: async () => { if (fail) throw new Error('offline'); return 7; } }]);
    await vi.advanceTimersByTimeAsync(0);
    fail = true;
    await b.refresh('q');
    expect(b.count('q')).toBe(7);
    b.stop();
    expect(b.count('q')).toBe(0);
  });

  it('the review queue entry carries its badge to reviewers only', () => {
    const reviewer = buildMenu(layoutRoutes, menuGroups, ['review.read', 'review.district']);
    expect(menuBadges(reviewer).map((x) => x.key)).toEqual(['review.queue']);
    const worker = buildMenu(layoutRoutes, menuGroups, ['review.read']);
    expect(menuBadges(worker)).toEqual([]);
    const group = reviewer.find((m) => m.key === 'review');
    expect(group.children.map((c) => c.title)).toEqual(['审核工作台', '审核记录', '审核链配置']);
  });
});
