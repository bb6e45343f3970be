// 全文检索 in a real browser: a district's worker types part of a word in
// traditional characters, sees the lecture with the match highlighted, narrows
// the hits with a facet and opens the lecture; another district's lecture
// never shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until, enterAsAdmin } from './lib/console.mjs';
import { startFakeEmbeddings } from '../api/lib/fake-embeddings.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, hp, mine, theirs, fake;

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
  fake = await startFakeEmbeddings({ key: 'sk-e2e-key', dim: 32 });
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  hp = await ctx.srv.login('huangpu_dangwu', DEMO);
  mine = await lecture(pd, '端到端检索讲堂：基层治理创新', '围绕基层治理现代化开展专题研讨。');
  theirs = await lecture(hp, '黄浦区基层治理创新交流', '仅黄浦区可见。');
});

after(async () => {
  await ctx?.stop();
  await fake?.close();
});

test('the administrator sets up the openai embedding service: 测试连接 reports the failure, then success; the key is never shown', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(`${ctx.base}/search/embedding`);
    await page.waitForSelector('[data-test=embedding-url]');
    await page.locator('[data-test=embedding-url]').fill(fake.url);
    await page.locator('[data-test=embedding-key]').fill('sk-wrong');
    await page.locator('[data-test=embedding-model]').fill('fake-embed');
    await page.locator('[data-test=embedding-dim] input').fill('32');
    await page.locator('[data-test=embedding-test]').click();
    const result = page.locator('[data-test=embedding-test-result]');
    await until(async () => /连接失败.*401/.test(await result.textContent().catch(() => '')), 'the failure with the reason');
    await page.locator('[data-test=embedding-key]').fill('sk-e2e-key');
    await page.locator('[data-test=embedding-test]').click();
    await until(async () => /连接成功.*32 维/.test(await result.textContent().catch(() => '')), 'success');
    await page.locator('[data-test=embedding-save]').click();
    await until(async () => /已设置/.test(await page.locator('[data-test=embedding-key]').getAttribute('placeholder')), 'saved: the key is set, not shown');
    assert.equal(await page.locator('[data-test=embedding-key]').inputValue(), '');
  });
  assert.equal(ctx.srv.sql('SELECT url FROM search_embed_settings WHERE id = 1'), fake.url);
  const sealed = ctx.srv.sql('SELECT key_sealed FROM search_embed_settings WHERE id = 1');
  assert.ok(sealed && !sealed.includes('sk-e2e-key'), 'the key is sealed');
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
