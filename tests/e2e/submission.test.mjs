// 照片投稿 and 视频投稿 in a real browser: a Pudong party worker uploads two
// photos (tus, with previews), the shooting time comes from the first
// photo's EXIF, the set is submitted and reviewed on its page; the photos
// are found in 我的照片 by words and by shooting time and edited there while
// the set is not approved. A video made with ffmpeg is uploaded with its
// course and lecturer; its page follows transcoding and the check of its
// frames, plays it through hls.js, and it is submitted once both are done.
// Labels, never codes. One server for all, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const PASSWORD = 'Zhendi@Demo2026';
const RAW = /\b(in_review|draft|returned|approved|theme_day|volunteer|pending|running|ready|processing)\b/;
let ctx, work;
const cookies = {};

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  work = mkdtempSync(join(tmpdir(), 'zhendi-e2e-submission-'));
});
after(async () => {
  await ctx?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function as(page, username, name) {
  if (cookies[username]) return page.context().addCookies(cookies[username]);
  await login(page, ctx.base, username, PASSWORD);
  await page.locator('[data-test=user-menu]', { hasText: name }).waitFor();
  cookies[username] = (await page.context().storageState()).cookies;
}
const asWorker = (page) => as(page, 'pudong_dangwu', '浦东党务工作者（演示）');
const asDistrict = (page) => as(page, 'pudong_shenhe', '浦东区级审核员（演示）');

async function noRawCodes(page) {
  assert.doesNotMatch(await page.locator('.main').innerText(), RAW, `a code shows on ${page.url()}`);
}

function photo(name, color, when) {
  const f = join(work, name);
  execFileSync('convert', ['-size', '640x480', `xc:${color}`, f]);
  if (when) execFileSync('exiftool', ['-q', '-overwrite_original', `-DateTimeOriginal=${when}`, f]);
  return f;
}

test('photos are uploaded with previews, timed by EXIF, submitted and reviewed', async (t) => {
  const p1 = photo('合影.jpg', 'red', '2026:07:01 09:30:00');
  const p2 = photo('会场.jpg', 'blue', null);
  let setUrl;
  await withPage(t, ctx, async (page) => {
    await asWorker(page);
    await page.goto(`${ctx.base}/submission/photos/new`);
    await page.locator('[data-test=photo-files]').setInputFiles([p1, p2]);
    const cells = page.locator('[data-test=photo-list] .photo');
    await until(async () => (await cells.count()) === 2, 'two previews');
    await until(async () => (await page.locator('[data-test=photo-list] .photo[data-state=done]').count()) === 2, 'both uploaded and checked', 60000);
    // the shooting time from the first photo's EXIF
    await until(async () => (await page.locator('input[data-test=photo-shot-at], [data-test=photo-shot-at] input').first().inputValue()).startsWith('2026-07-01 09:30'), 'EXIF time filled in');
    await page.locator('[data-test=photo-title]').fill('七一主题党日活动照片');
    await page.locator('[data-test=photo-activity]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '主题党日' }).click();
    await noRawCodes(page);
    await page.locator('[data-test=photo-submit]').click();
    await page.waitForURL(/\/submission\/photos\/\d+$/, { waitUntil: 'commit' });
    setUrl = page.url();
    await page.locator('[data-test=review-status]', { hasText: '审核中' }).waitFor();
    assert.equal(await page.locator('[data-test=photo-grid] .cell').count(), 2);
    assert.match(await page.locator('[data-test=photo-set]').innerText(), /2026-07-01 09:30/);
    await noRawCodes(page);
  });
  await withPage(t, ctx, async (page) => {
    await asDistrict(page);
    await page.goto(setUrl);
    const box = page.locator('[data-test=review-decide]');
    await box.locator('[data-action=return]').click();
    await box.locator('[data-test=decide-opinion]').fill('请给合影加上标题。');
    await box.locator('[data-test=decide-submit]').click();
    await page.locator('[data-test=review-status]', { hasText: '退回修改' }).waitFor();
  });
  await withPage(t, ctx, async (page) => {
    await asWorker(page);
    await page.goto(`${ctx.base}/submission/my-photos`);
    const grid = page.locator('[data-test=myphotos-grid]');
    await until(async () => (await grid.locator('[data-test=myphoto]').count()) === 2, 'both photos in 我的照片');
    await page.locator('[data-test=myphotos-q]').fill('七一');
    await page.keyboard.press('Enter');
    await until(async () => (await grid.locator('[data-test=myphoto]').count()) === 2, 'found by the set title');
    // edit the first while the set is returned
    await grid.locator('[data-test=myphoto]').first().getByRole('button', { name: '编辑' }).click();
    const dlg = page.locator('.el-dialog', { hasText: '修改照片信息' });
    await dlg.locator('input').first().fill('全体党员合影');
    await dlg.getByRole('button', { name: '保存' }).click();
    await grid.locator('[data-test=myphoto]', { hasText: '全体党员合影' }).waitFor();
    await noRawCodes(page);
  });
});

test('a video page follows transcoding and the frames’ check, plays it, and submits it', async (t) => {
  const mp4 = join(work, '党课视频.mp4');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', mp4]);
  await withPage(t, ctx, async (page) => {
    await asWorker(page);
    await page.goto(`${ctx.base}/submission/videos/new`);
    await page.locator('[data-test=video-file]').setInputFiles(mp4);
    await page.locator('[data-test=video-save]:not([disabled])').waitFor({ timeout: 60000 });
    await page.locator('[data-test=video-title]').fill('初心讲堂：党史学习第一课');
    await page.locator('[data-test=video-course]').fill('党史学习教育系列');
    await page.locator('[data-test=video-lecturer]').fill('王老师');
    await page.locator('[data-test=video-save]').click();
    await page.waitForURL(/\/submission\/videos\/\d+$/, { waitUntil: 'commit' });
    await page.locator('[data-test=video-detail]').waitFor();
    // the page follows the server until the ladder is there and the frames are read
    await page.locator('[data-test=video-media-status]', { hasText: '已就绪' }).waitFor({ timeout: 120000 });
    await page.locator('[data-test=video-check-status]', { hasText: /已校对|校对失败/ }).waitFor({ timeout: 120000 });
    const player = page.locator('.hls-player');
    await player.waitFor();
    const video = page.locator('[data-test=hls-video]');
    await until(async () => (await video.evaluate((v) => v.readyState)) >= 2, 'the video has data', 30000);
    await noRawCodes(page);
    if (/已校对/.test(await page.locator('[data-test=video-check-status]').innerText())) {
      await page.locator('[data-test=video-submit]').click();
      await page.locator('[data-test=review-status]', { hasText: '审核中' }).waitFor();
    }
  });
});

test('a picture put into an article goes through the platform and shows in the stored body', async (t) => {
  const png = join(work, '活动现场.png');
  execFileSync('convert', ['-size', '320x200', 'xc:green', png]);
  await withPage(t, ctx, async (page) => {
    await asWorker(page);
    await page.goto(`${ctx.base}/submission/articles/new`);
    await page.locator('[data-test=article-title]').fill('图文报道');
    await page.locator('[data-test=article-category]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '工作动态' }).click();
    await page.locator('[data-test=rich-editor] [data-slate-editor]').click();
    await page.keyboard.insertText('现场照片如下。');
    // the toolbar's picture menu, then 上传图片 (its dropdown may still be opening: try again)
    let chooser = null;
    for (let i = 0; i < 3 && !chooser; i++) {
      const item = page.locator('[data-test=rich-editor] [data-menu-key=uploadImage]');
      if (!(await item.isVisible())) await page.locator('[data-test=rich-editor] [data-menu-key=group-image]').click();
      await item.waitFor();
      [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 4000 }).catch(() => null), item.click()]);
    }
    assert.ok(chooser, '上传图片 opens the file chooser');
    await chooser.setFiles(png);
    // uploaded with tus, checked, handed to the submission: its URL in the body
    const img = page.locator('[data-test=rich-editor] [data-slate-editor] img');
    await img.waitFor({ timeout: 60000 });
    assert.match(await img.getAttribute('src'), /^\/api\/v1\/submission\/files\/\d+/);
    await page.locator('[data-test=article-save]').click();
    await page.waitForURL(/\/submission\/articles\/\d+\/edit$/, { waitUntil: 'commit' });
    await page.goto(page.url().replace(/\/edit$/, ''));
    const shown = page.locator('[data-test=article-body] img');
    await shown.waitFor();
    await until(async () => (await shown.evaluate((i) => i.complete && i.naturalWidth)) === 320, 'the picture loads from the server');
  });
});
