// A lecture goes live, in chromium (issue 13): the organiser opens the
// broadcast of a published lecture's session in the console (开通直播, 本平台
// 推流: the key shown to them), ffmpeg pushes a lavfi test picture to a real
// nginx-rtmp with that key, and on a phone (390×844, touch, /m/) a member
// opens the lecture, sees 直播中 on the session and plays it in the page — the
// video's currentTime advances, fetched by the session's id, never the key —
// while the organiser's dialog counts the viewer. Skipped, saying why, only
// when nginx, its RTMP module or ffmpeg is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startConsole, PHONE, withPage, login, until } from './lib/console.mjs';
import { missing, startRtmp, push } from '../api/lib/rtmp.mjs';

const DEMO = 'Zhendi@Demo2026';
const why = missing();
if (why) process.stderr.write(`e2e/lecture-live.test.mjs skipped: ${why}\n`);
const secret = randomBytes(16).toString('hex');
const iso = (ms) => new Date(ms).toISOString();
let ctx, rtmp, pusher, pd, lecture, key;

before(async () => {
  if (why) return;
  ctx = await startConsole({ args: ['--demo'], env: { ZHENDI_LIVE_INGEST_SECRET: secret } });
  rtmp = await startRtmp({ zhendiUrl: ctx.base, secret, hlsDir: join(ctx.srv.data, 'live-hls') });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  const when = Date.now() + 3 * 60000;
  const r = await pd.post('/api/v1/lecture/lectures', {
    title: '端到端直播讲堂：红船精神', speaker: '陈老师', place: '浦东新区党群服务中心', capacity: 20,
    starts_at: iso(when), ends_at: iso(when + 3600000), org_id: pd.me.user.org_id,
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${r.json.id}/submit`)).status, 200);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    const d = await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(d.status, 200, d.body);
  }
  lecture = r.json;
});

after(async () => {
  await pusher?.stop();
  await rtmp?.stop();
  await ctx?.stop();
});

test('the organiser opens the session\'s broadcast in the console; a member plays it live on a phone', { skip: why || false }, async (t) => {
  await withPage(t, ctx, async (org) => {
    await login(org, ctx.base, 'pudong_dangwu', DEMO);
    await org.waitForSelector('[data-test=user-menu]');
    await org.goto(`${ctx.base}/lecture/lectures/${lecture.id}`);
    await org.waitForSelector('[data-test=lecture-detail-title]');
    await org.locator('[data-test=lecture-live]', { hasText: '开通直播' }).first().click();
    const dialog = org.locator('[data-test=lecture-live-dialog]');
    await dialog.locator('[data-test=lecture-live-open]').click();
    key = (await dialog.locator('[data-test=lecture-live-key]').textContent()).trim();
    assert.match(key, /^[0-9a-f]{32}$/);
    assert.equal((await dialog.locator('[data-test=lecture-live-phase]').textContent()).trim(), '即将直播');

    pusher = push(`rtmp://127.0.0.1:${rtmp.port}/live/${key}`, 120);
    const sid = lecture.sessions?.[0]?.id ?? (await pd.get(`/api/v1/lecture/lectures/${lecture.id}`)).json.sessions[0].id;
    await until(async () => {
      const m = await pd.get(`/api/v1/lecture/live/${sid}/hls/index.m3u8`);
      return m.status === 200 && /#EXTINF/.test(m.body);
    }, `a playlist (${pusher.output()})`, 30000);

    await withPage(t, ctx, async (page) => {
      await page.goto(`${ctx.base}/m/lectures/${lecture.id}`);
      await page.waitForURL(/\/m\/login/);
      await page.locator('[data-test=m-username] input').fill('dangyuan01');
      await page.locator('[data-test=m-password] input').fill(DEMO);
      await page.locator('[data-test=m-login-submit]').tap();
      await page.waitForURL(new RegExp(`/m/lectures/${lecture.id}$`));
      await page.locator('[data-test=m-live-phase]', { hasText: '直播中' }).waitFor();
      await page.locator('[data-test=m-live-watch]').tap();
      const clock = () => page.evaluate(() => {
        const v = document.querySelector('video[data-test=live-video]');
        return v && !v.paused ? v.currentTime : -1;
      });
      await until(async () => (await clock()) > 2, 'the live video to play', 30000);
      const t0 = await clock();
      await page.waitForTimeout(1500);
      const t1 = await clock();
      assert.ok(t1 > t0, `currentTime advances (${t0} → ${t1})`);
      const src = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /hls/.test(n)));
      assert.ok(src.some((n) => n.includes(`/api/v1/lecture/live/${sid}/hls/`)), src.join('\n'));
      assert.ok(!src.some((n) => n.includes(key)), 'the key never reaches the member');
      // the member's beat (2 s after playing) shows in the organiser's dialog (refreshed every 5 s)
      await org.locator('[data-test=lecture-live-phase]', { hasText: '直播中' }).waitFor({ timeout: 20000 });
      await org.locator('[data-test=lecture-live-viewers]', { hasText: /^1$/ }).waitFor({ timeout: 20000 });
    }, PHONE);
  });
});
