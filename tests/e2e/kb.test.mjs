// 知识库 in a real browser: a district's worker opens the demo knowledge base,
// adds a text and watches its indexing state reach 已完成, previews a chunking
// rule, edits a chunk (the earlier version shows in its history) and finds
// the edit at once on the hit-test page (召回测试) with the match highlighted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, kb;

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  kb = (await pd.get('/api/v1/kb')).json.items.find((k) => k.name === '党建政策知识库');
  assert.ok(kb, 'the demo knowledge base');
});

after(async () => {
  await ctx?.stop();
});

test('a worker adds a text, edits a chunk and finds it on the hit-test page', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO, { redirect: '/kb' });
    await page.locator('[data-test=kb-row-name]', { hasText: '党建政策知识库' }).click();
    await page.waitForSelector('[data-test=kb-title]');
    // add a text; its state goes to 已完成 by itself
    await page.locator('[data-test=kb-add-text]').click();
    await page.locator('[data-test=kb-text-title]').fill('端到端测试文档');
    await page.locator('[data-test=kb-text-body]').fill('志愿服务积分制度：党员每参加一次志愿服务记两分。');
    await page.locator('[data-test=kb-text-save]').click();
    const row = page.locator('[data-test=kb-docs] .el-table__row', { hasText: '端到端测试文档' });
    await row.waitFor();
    await until(async () => /已完成/.test(await row.locator('[data-test=kb-doc-status]').textContent()), 'the document is indexed', 30000);
    // the chunk preview of a rule
    await page.locator('.el-tabs__item', { hasText: '分段预览' }).click();
    await page.locator('[data-test=kb-preview-text]').fill('# 第一章\n\n总则内容。\n\n# 第二章\n\n分则内容。');
    await page.locator('[data-test=kb-preview-run]').click();
    await until(async () => (await page.locator('[data-test=kb-preview-chunk]').count()) === 2, 'two chunks previewed');
    // edit the chunk
    await page.locator('.el-tabs__item', { hasText: /^分段$/ }).click();
    const chunk = page.locator('[data-test=kb-chunk-row]', { hasText: '志愿服务积分' });
    await chunk.waitFor();
    await page.locator('[data-test=kb-chunks] .el-table__row', { hasText: '志愿服务积分' }).locator('[data-test=kb-chunk-edit]').click();
    await page.locator('[data-test=kb-chunk-content]').fill('社区服务积分制度：党员每参加一次社区服务记三分。');
    await page.locator('[data-test=kb-chunk-save]').click();
    await page.locator('[data-test=kb-chunk-row]', { hasText: '社区服务积分' }).waitFor();
    await page.locator('[data-test=kb-chunks] .el-table__row', { hasText: '社区服务积分' }).locator('[data-test=kb-chunk-edit]').click();
    await page.locator('[data-test=kb-chunk-history]', { hasText: '志愿服务积分' }).waitFor();
    await page.keyboard.press('Escape');
    // the hit test finds the edit, highlighted
    await page.locator('.el-tabs__item', { hasText: '召回测试' }).click();
    await page.locator('[data-test=kb-hit-q]').fill('社區服務');
    await page.locator('[data-test=kb-hit-run]').click();
    const hit = page.locator('[data-test=kb-hit]').first();
    await hit.waitFor();
    assert.match(await hit.locator('mark').first().textContent(), /社区服务/);
    // hybrid by default for a base with the local model: both component scores are shown
    assert.match(await hit.locator('[data-test=kb-hit-kw]').textContent(), /关键词 \d/);
    assert.match(await hit.locator('[data-test=kb-hit-vec]').textContent(), /向量 ([\d.]+|—)/);
    await page.locator('[data-test=kb-hit-history]', { hasText: '社區服務' }).waitFor();
  });
});
