// 全文检索 in a real browser: a district's worker types part of a word in
// traditional characters, sees the lecture with the match highlighted, narrows
// the hits with a facet and opens the lecture; another district's lecture
// never shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, hp, mine, theirs;

async function lecture(who, title, description) {
  const when = Date.now() + 5 * 86400000;
  const r = await who.post('/api/v1/lecture/lectures', {
    title, speaker: '周老师', place: '党群服务中心', capacity: 5, org_id: who.me.user.org_id, description,
    starts_at: new Date(when).toISOString(), ends_at: new Date(when + 3600000).toISOString(),
  });
  assert.equal(r.status, 201, r.body);
  return r.json;
}

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  hp = await ctx.srv.login('huangpu_dangwu', DEMO);
  mine = await lecture(pd, '端到端检索讲堂：基层治理创新', '围绕基层治理现代化开展专题研讨。');
  theirs = await lecture(hp, '黄浦区基层治理创新交流', '仅黄浦区可见。');
});

after(async () => {
  await ctx?.stop();
});

test('a worker finds a lecture by part of a word in traditional characters and opens it', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO, { redirect: '/search' });
    await page.waitForSelector('[data-test=search-q]');
    await page.locator('[data-test=search-q]').fill('層治理創');
    await page.locator('[data-test=search-q]').press('Enter');
    const hit = page.locator('[data-test=search-hit]', { hasText: '端到端检索讲堂' });
    await hit.waitFor();
    assert.match(await hit.locator('mark').first().textContent(), /层治理创|层治理/);
    assert.equal(await page.locator('[data-test=search-hit]', { hasText: '黄浦区基层治理创新交流' }).count(), 0,
      "another district's lecture never shows");
    // the kind facet counts only what the worker may see
    const facet = page.locator('[data-test=search-facet-kind] [data-test=search-facet-value]');
    await until(async () => (await facet.count()) === 1, 'one kind facet');
    assert.match(await facet.first().textContent(), /讲堂\s*\d+/);
    await facet.first().click();
    await hit.waitFor();
    // 混合检索: the same hit, with its keyword and vector scores (the demo corpus is fitted at start,
    // or the keyword index answers with a notice meanwhile)
    await page.locator('[data-test=search-mode]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '混合检索' }).click();
    await until(async () => /关键词 [\d.—]+ · 向量/.test(await hit.locator('[data-test=search-score]').textContent()), 'component scores');
    await hit.locator('[data-test=search-hit-link]').click();
    await until(async () => page.url().endsWith(`/lecture/lectures/${mine.id}`), 'the lecture opens');
  });
  assert.ok(theirs.id);
});
