// 校真 in a real browser: the playground highlights a typo and taking the
// suggestion fixes the text; a lexicon is created in the console, words are
// imported from a .txt file and the next check finds them (a duplicate word
// is refused in place); a user without lexicon.read sees 校真 but not 词库管理
// and gets the 403 page by URL; a sensitive word rendered into a picture is
// found and boxed where it is drawn; a video is checked as a job and a time
// code seeks the local copy. One server for all, steps in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsole, withPage, signIn, login } from './lib/console.mjs';

const FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
let ctx, work;
before(async () => {
  ctx = await startConsole();
  work = mkdtempSync(join(tmpdir(), 'zhendi-e2e-proofread-'));
});
after(async () => {
  await ctx?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// the API with the page's session (cookie + CSRF token), for set-up steps
async function apiOf(page) {
  const me = await (await page.request.get(`${ctx.base}/api/v1/auth/me`)).json();
  const headers = { 'X-CSRF-Token': me.csrf_token };
  const json = async (r) => ({ status: r.status(), json: await r.json().catch(() => null) });
  return {
    me,
    get: async (p) => json(await page.request.get(ctx.base + p)),
    post: async (p, data) => json(await page.request.post(ctx.base + p, { data, headers })),
    raw: async (p, body, type) => json(await page.request.post(ctx.base + p, { data: body, headers: { ...headers, 'Content-Type': type } })),
  };
}

async function check(page, text) {
  await page.locator('textarea[data-test=proofread-input]').fill(text);
  await page.locator('[data-test=proofread-check]').click();
  await page.locator('[data-test=verdict]').waitFor();
}

test('the playground highlights a typo in place and taking the suggestion fixes the text', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/proofread');
    // astral characters before the typo: the mark must still sit on 按装
    await check(page, '𠮷祥物😀请尽快按装最新版本。');
    const mark = page.locator('[data-test=hl-mark]', { hasText: '按装' });
    await mark.waitFor();
    assert.equal((await mark.textContent()).trim(), '按装');
    assert.match(await mark.getAttribute('class'), /sev-warn/);
    await page.locator('[data-test=summary-typo]', { hasText: '1' }).waitFor();
    await mark.click();
    const pop = page.locator('[data-test=hl-popover]');
    await pop.getByText('错别字', { exact: true }).waitFor();
    await pop.getByText('安装', { exact: true }).waitFor();
    await pop.locator('[data-test=apply-suggestion]').click();
    assert.equal(await page.locator('textarea[data-test=proofread-input]').inputValue(), '𠮷祥物😀请尽快安装最新版本。');
    assert.equal(await page.locator('[data-test=hl-mark]', { hasText: '按装' }).count(), 0);
    // a fresh check of the fixed text passes
    await page.locator('[data-test=proofread-check]').click();
    await page.locator('[data-test=verdict]', { hasText: '未发现问题' }).waitFor();
  });
});

test('a 500,000-character check shows its first findings within a second and the page stays responsive', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/proofread');
    // 3,105 paragraphs of 20 sentences, each sentence with one typo: 62,100 marks
    const text = `${'我们要按装设备。'.repeat(20)}\n`.repeat(3105);
    // pasted at once (typing it in takes longer than the test)
    await page.locator('textarea[data-test=proofread-input]').evaluate((el, v) => {
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
    await page.locator('[data-test=char-count]', { hasText: '499,905 / 500,000' }).waitFor();
    // timed in the page: from the answer's body being read to the first mark on screen
    await page.evaluate(() => {
      const orig = window.fetch;
      window.__t = {};
      window.fetch = async (...a) => {
        const r = await orig(...a);
        if (String(a[0]).endsWith('/api/v1/proofread')) {
          const text = r.text.bind(r);
          r.text = async () => { const s = await text(); window.__t.body = performance.now(); return s; };
        }
        return r;
      };
      new MutationObserver(() => { if (!window.__t.mark && document.querySelector('mark.hl')) window.__t.mark = performance.now(); })
        .observe(document.body, { childList: true, subtree: true });
    });
    await page.locator('[data-test=proofread-check]').click();
    await page.locator('[data-test=hl-mark]').first().waitFor({ timeout: 60000 });
    const first = await page.evaluate(() => Math.round(window.__t.mark - window.__t.body));
    assert.ok(first < 1000, `first findings ${first} ms after the answer arrived`);
    const drawing = Date.now();
    await page.locator('[data-test=summary-typo]', { hasText: '62100' }).waitFor();
    // while the rest is being drawn, the page answers: a click opens a popover at once
    const t1 = Date.now();
    await page.locator('[data-test=hl-mark]').first().click();
    await page.locator('[data-test=hl-popover]').waitFor();
    const clicked = Date.now() - t1;
    assert.ok(clicked < 1000, `a click answered after ${clicked} ms`);
    await page.keyboard.press('Escape');
    // and every mark arrives
    await page.locator('[data-test=hl-rendering]').waitFor({ state: 'detached', timeout: 60000 });
    assert.equal(await page.locator('[data-test=hl-mark]').count(), 62100);
    t.diagnostic(`first findings after ${first} ms, a click answered in ${clicked} ms, all 62,100 marks drawn in ${Date.now() - drawing} ms`);
  });
});

test('a lexicon created in the console, filled from a .txt file, is used by the next check', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/lexicons');
    await page.locator('[data-test=engine-entries]').waitFor();
    assert.equal(await page.getByText('自动机状态数').count(), 0, 'engine internals are on the system page');
    await page.locator('[data-test=lexicon-create]').click();
    const dlg = page.locator('.el-dialog', { hasText: '新建词库' });
    await dlg.locator('input[data-test=lexicon-name]').fill('端到端专项词库');
    await dlg.locator('[data-test=lexicon-category]').getByText('敏感词').click();
    await dlg.locator('[data-test=lexicon-severity]').getByText('阻断').click();
    await dlg.locator('[data-test=lexicon-pinyin]').click(); // also in pinyin and homophones
    await dlg.locator('[data-test=lexicon-save]').click();
    await dlg.waitFor({ state: 'hidden' });
    await page.locator('.el-table__body tr', { hasText: '端到端专项词库' }).locator('[data-test=lexicon-pinyin-tag]').waitFor();
    await page.locator('[data-test=lexicon-link]', { hasText: '端到端专项词库' }).click();
    await page.locator('[data-test=lexicon-title]', { hasText: '端到端专项词库' }).waitFor();
    // import: a UTF-8 file with a word, a word with a suggestion, a blank line and a duplicate
    const txt = join(work, 'words.txt');
    writeFileSync(txt, '违规测试词甲\n违规测试词乙\t合规说法\n\n违规测试词甲\n');
    await page.locator('[data-test=entry-import]').click();
    const imp = page.locator('.el-dialog', { hasText: '批量导入词条' });
    await imp.locator('[data-test=upload-input]').setInputFiles(txt);
    await imp.getByRole('button', { name: '开始导入' }).click();
    await imp.locator('[data-test=import-added]', { hasText: '2' }).waitFor();
    assert.match(await imp.locator('[data-test=import-result]').innerText(), /重复 1 条/);
    await imp.locator('.el-dialog__footer').getByRole('button', { name: '关闭' }).click();
    await page.locator('[data-test=lexicon-count]', { hasText: '2' }).waitFor();
    await page.locator('[data-test=entries-table] .el-table__body tr', { hasText: '合规说法' }).waitFor();
    // the same word again is refused in place
    await page.locator('[data-test=entry-create]').click();
    const add = page.locator('.el-dialog', { hasText: '新增词条' });
    await add.locator('input[data-test=entry-word]').fill('违规 测试词甲');
    await add.locator('[data-test=entry-save]').click();
    await add.locator('.el-form-item', { hasText: '词条' }).locator('.el-form-item__error', { hasText: '已有该词条' }).waitFor();
    await add.locator('.el-dialog__footer').getByRole('button', { name: '取消' }).click();
    // the history records the import
    await page.getByRole('tab', { name: '变更历史' }).click();
    await page.locator('[data-test=history-table] .el-table__body tr', { hasText: '批量导入' }).waitFor();
    // the next check finds the imported words
    await page.goto(ctx.base + '/proofread');
    await check(page, '这段文字里有违规测试词乙，需要处理。');
    const mark = page.locator('[data-test=hl-mark]', { hasText: '违规测试词乙' });
    await mark.waitFor();
    assert.match(await mark.getAttribute('class'), /sev-block/);
    await page.locator('[data-test=verdict]', { hasText: '不通过' }).waitFor();
    await page.locator('[data-test=findings-list]').getByText('合规说法').waitFor();
    // written in pinyin: found too, and the list says by which rule
    await check(page, '这段文字里有 wei gui ce shi ci yi，需要处理。');
    await page.locator('[data-test=hl-mark]', { hasText: 'wei gui ce shi ci yi' }).waitFor();
    await page.locator('[data-test=findings-list]').getByText('拼音或同音字匹配').first().waitFor();
  });
});

test('a user without lexicon.read sees 校真 but not 词库管理, and the lexicon page by URL is 403', async (t) => {
  const USER = { username: 'e2e_writer', name: '校对用户', password: 'Writer-Init-2026!', next: 'Writer-Next-2026#' };
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    const admin = await apiOf(page);
    const root = (await admin.get('/api/v1/orgs?root=true')).json.items[0];
    const r = await admin.post('/api/v1/users', { username: USER.username, name: USER.name, password: USER.password, org_id: root.id, roles: ['worker'] });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    // the first password must be changed: done through the API to keep the step short
    const u = await ctx.srv.login(USER.username, USER.password);
    assert.equal((await u.post('/api/v1/auth/password', { old_password: USER.password, new_password: USER.next })).status, 204);
  });
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, USER.username, USER.next);
    await page.locator('[data-test=user-menu]', { hasText: USER.name }).waitFor();
    const menu = await page.locator('.side-menu').evaluate((m) => [...m.querySelectorAll('.el-menu-item, .el-sub-menu__title')].map((e) => e.textContent.trim()));
    assert.ok(menu.includes('校真'), menu.join(','));
    assert.ok(!menu.includes('词库管理'), menu.join(','));
    await page.goto(ctx.base + '/lexicons');
    await page.locator('[data-test=forbidden]').waitFor();
    // and 校真 itself works for this user
    await page.goto(ctx.base + '/proofread');
    await check(page, '按装');
    await page.locator('[data-test=hl-mark]', { hasText: '按装' }).waitFor();
  });
});

test('a sensitive word rendered into a picture is found and boxed where it is drawn', async (t) => {
  const png = join(work, 'poster.png');
  execFileSync('convert', ['-size', '900x200', 'xc:white', '-font', FONT, '-pointsize', '48', '-fill', 'black', '-annotate', '+40+120', '图片中含有图片禁用词，请核实', png]);
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    const admin = await apiOf(page);
    const lex = await admin.post('/api/v1/lexicons', { name: '图片测试词库', category: 'sensitive', severity: 'block' });
    assert.equal(lex.status, 201, JSON.stringify(lex.json));
    assert.equal((await admin.raw(`/api/v1/lexicons/${lex.json.id}/import`, '图片禁用词\n', 'text/plain; charset=utf-8')).status, 200);
    await page.goto(ctx.base + '/proofread?tab=image');
    await page.locator('[data-test=upload-input]').setInputFiles(png);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/proofread/image'), { timeout: 30000 });
    await page.getByRole('button', { name: '识别并检查' }).click();
    const res = await (await answer).json();
    const f = res.findings.find((x) => x.lexicon_id === lex.json.id);
    assert.ok(f, JSON.stringify(res));
    const box = page.locator('[data-test=finding-box]').first();
    await box.waitFor({ timeout: 30000 });
    await page.locator('[data-test=image-result] [data-test=hl-mark]', { hasText: '图片禁用词' }).waitFor();
    // the box is where the word is, scaled to the picture as displayed
    const img = await page.locator('[data-test=image-boxes] img').boundingBox();
    const b = await box.boundingBox();
    const scale = img.width / res.ocr.width;
    assert.ok(Math.abs(b.x - img.x - f.box.x * scale) < 3, `box x ${b.x - img.x} vs ${f.box.x * scale}`);
    assert.ok(Math.abs(b.width - f.box.w * scale) < 3, `box w ${b.width} vs ${f.box.w * scale}`);
    assert.ok(f.box.x > 200 && f.box.x < 360, JSON.stringify(f.box));
    await page.locator('[data-test=verdict]', { hasText: '不通过' }).waitFor();
  });
});

test('a video check runs as a job with progress; a time code seeks the local copy and boxes the words on screen', async (t) => {
  const mp4 = join(work, 'clip.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=640x360:d=5:r=10',
    '-vf', `drawtext=fontfile=${FONT}:text='第二十届全国代表大会':fontsize=40:fontcolor=black:x=40:y=150:enable='between(t,2,3.9)'`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-y', mp4]);
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/proofread?tab=video');
    await page.locator('[data-test=video-interval] input').fill('1');
    await page.locator('[data-test=upload-input]').setInputFiles(mp4);
    await page.getByRole('button', { name: '上传并检查' }).click();
    // the job's bar, then the finding at 00:00:02 (the words are on screen from 2 s to 4 s)
    await page.locator('.job-progress').waitFor();
    const time = page.locator('[data-test=finding-time]', { hasText: '00:00:02' });
    await time.waitFor({ timeout: 60000 });
    await page.locator('[data-test=video-result] [data-test=verdict]', { hasText: '不通过' }).waitFor();
    await time.click();
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-test=video-player]');
      return v && Math.abs(v.currentTime - 2.05) < 0.1;
    });
    // the box lies over the words drawn at x = 40, y ≈ 150 on the 640×360 frame
    const box = await page.locator('[data-test=video-result] [data-test=finding-box]').boundingBox();
    const player = await page.locator('[data-test=video-player]').boundingBox();
    const scale = player.width / 640;
    assert.ok(box.x - player.x > 20 * scale && box.x - player.x < 80 * scale, `box at ${box.x - player.x} of ${player.width}`);
    assert.ok(box.width > 300 * scale, `box width ${box.width}`);
    // the check is in the URL: opened again (another console tab and back), the findings are there
    assert.match(page.url(), /[?&]job=\d+/);
    await page.goto(page.url());
    await page.locator('[data-test=finding-time]', { hasText: '00:00:02' }).waitFor();
    // the check is in the user's own list with its verdict; 查看 opens it from there
    await page.goto(ctx.base + '/proofread?tab=video');
    const row = page.locator('[data-test=video-history] .el-table__row', { hasText: 'clip.mp4' });
    await row.locator('.el-tag', { hasText: '不通过' }).waitFor();
    assert.equal(await page.locator('[data-test=finding-time]').count(), 0);
    await row.locator('[data-test=video-open]').click();
    await page.locator('[data-test=finding-time]', { hasText: '00:00:02' }).waitFor();
    assert.match(page.url(), /[?&]job=\d+/);
  });
});

test('a Word document is checked, every suggestion is taken at once, and the check reopens from 校对记录 with its report', async (t) => {
  const { docx } = await import('../api/lib/docfixtures.mjs');
  const file = join(work, '安装通知.docx');
  writeFileSync(file, docx([{ heading: '安装通知' }, '请按装新的软件。', '请尽快按装最新版本。']));
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    await page.goto(ctx.base + '/proofread');
    await page.locator('[data-test=proofread-file]').setInputFiles(file);
    await page.locator('[data-test=doc-name]', { hasText: '安装通知.docx' }).waitFor();
    await page.locator('[data-test=verdict]').waitFor();
    const input = page.locator('textarea[data-test=proofread-input]');
    assert.match(await input.inputValue(), /请按装新的软件。[\s\S]*请尽快按装最新版本。/);
    assert.equal(await page.locator('[data-test=hl-mark]', { hasText: '按装' }).count(), 2);

    // the findings report of the kept check
    await page.locator('[data-test=export-report]').click();
    const dl = page.waitForEvent('download');
    await page.locator('[data-test=report-docx]').click();
    assert.equal((await dl).suggestedFilename(), '校对报告-安装通知.docx.docx');

    // 全部采用
    await page.locator('[data-test=apply-all]', { hasText: '2 处' }).click();
    const fixed = await input.inputValue();
    assert.match(fixed, /请安装新的软件。[\s\S]*请尽快安装最新版本。/);
    assert.doesNotMatch(fixed, /按装/);
    assert.ok(await page.locator('[data-test=export-report]').isDisabled(), 'the report is of the text as checked');

    // 校对记录: reopen the document as it was checked
    await page.locator('[data-test=tab-history]').click();
    const row = page.locator('[data-test=history-table] .el-table__row', { hasText: '安装通知.docx' });
    await row.waitFor();
    await row.locator('[data-test=history-open]').click();
    await page.locator('[data-test=hl-mark]', { hasText: '按装' }).first().waitFor();
    assert.match(await input.inputValue(), /请按装新的软件/);
    assert.match(page.url(), /tab=text/);

    // and delete it
    await page.locator('[data-test=tab-history]').click();
    await row.locator('[data-test=history-delete]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click();
    await row.waitFor({ state: 'detached' });
  });
});

test('selected lexicon entries are deleted in one batch, with one message', async (t) => {
  await withPage(t, ctx, async (page) => {
    await signIn(ctx, page, 'admin');
    const admin = await apiOf(page);
    const lex = await admin.post('/api/v1/lexicons', { name: '批量删除测试词库', category: 'custom', severity: 'warn' });
    assert.equal(lex.status, 201);
    assert.equal((await admin.raw(`/api/v1/lexicons/${lex.json.id}/import`, '批量甲\n批量乙\n批量丙\n', 'text/plain; charset=utf-8')).status, 200);
    await page.goto(`${ctx.base}/lexicons/${lex.json.id}`);
    const rows = page.locator('[data-test=entries-table] .el-table__body-wrapper .el-table__row');
    await rows.filter({ hasText: '批量丙' }).waitFor();
    for (const w of ['批量甲', '批量乙']) await rows.filter({ hasText: w }).locator('.el-checkbox').click();
    await page.locator('[data-test=entries-batch-delete]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '批量删除' }).click();
    await page.locator('.el-message', { hasText: '已删除 2 条' }).waitFor();
    await rows.filter({ hasText: '批量甲' }).waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 1);
    assert.equal((await admin.get(`/api/v1/lexicons/${lex.json.id}/entries`)).json.total, 1);
  });
});
