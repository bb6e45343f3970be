// 讲堂回放 in a real browser. In the console the organiser adds a recording
// (a video uploaded from the page, retried while the storage module makes
// its HLS ladder) to a lecture that took place and plays it; on a phone
// (390×844, touch, /m/) a member of the district opens the lecture, plays the
// recording — HLS through the lecture's route — and the player's heartbeat
// records the watch time on the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsole, PHONE, withPage, login, until } from './lib/console.mjs';
import { makeVideo } from '../api/lib/upload.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, member, lecture, work, mp4;
const iso = (ms) => new Date(ms).toISOString();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-e2e-playback-'));
  mp4 = join(work, '讲堂录像.mp4');
  writeFileSync(mp4, makeVideo(work, 20));
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  member = await ctx.srv.login('dangyuan01', DEMO);
  const when = Date.now() + 3 * 86400000;
  const r = await pd.post('/api/v1/lecture/lectures', {
    title: '端到端回放讲堂：红船精神', speaker: '陈老师', place: '浦东新区党群服务中心', capacity: 20,
    starts_at: iso(when), ends_at: iso(when + 7200000), org_id: pd.me.user.org_id,
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${r.json.id}/submit`)).status, 200);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    const d = await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(d.status, 200, d.body);
  }
  // it took place yesterday
  const past = Date.now() - 86400000;
  ctx.srv.sql(`UPDATE lecture_sessions SET starts_at = ${past}, ends_at = ${past + 7200000} WHERE lecture_id = ${r.json.id}`);
  lecture = r.json;
});

after(async () => {
  await ctx?.stop();
  rmSync(work, { recursive: true, force: true });
});

const recordings = async () => (await member.get(`/api/v1/lecture/catalog/${lecture.id}/recordings`)).json.items;

test('in the console the organiser uploads a recording of the lecture and plays it', async (t) => {
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/lecture/lectures/${lecture.id}`);
    await page.waitForSelector('[data-test=lecture-detail-title]');
    await page.locator('[data-test=lecture-recording-file]').setInputFiles(mp4);
    const card = page.locator('[data-test=lecture-recordings]');
    await until(async () => (await card.textContent()).includes('讲堂录像'), 'the recording is added', 120000);
    await page.locator('[data-test=lecture-play-recording]').first().click();
    const video = page.locator('[data-test=hls-video]');
    await until(() => video.evaluate((v) => v.readyState >= 1 && v.duration > 15), 'the recording loads (HLS)', 20000);
  });
});

test('on a phone a member of the district plays the recording and the watch time reaches the server', async (t) => {
  const [rec] = await recordings();
  assert.ok(rec, 'the console added it');
  await withPage(t, ctx, async (page) => {
    await page.goto(`${ctx.base}/m/lectures/${lecture.id}`);
    await page.waitForURL(/\/m\/login/);
    await page.locator('[data-test=m-username] input').fill('dangyuan01');
    await page.locator('[data-test=m-password] input').fill(DEMO);
    await page.locator('[data-test=m-login-submit]').tap();
    await page.waitForURL(new RegExp(`/m/lectures/${lecture.id}$`));
    await page.locator('[data-test=m-recording]', { hasText: '讲堂录像' }).tap();
    const video = page.locator('[data-test=m-player]');
    await until(() => video.evaluate((v) => v.readyState >= 1 && v.duration > 15), 'the recording loads', 20000);
    await video.evaluate((v) => { v.muted = true; return v.play(); });
    await until(async () => (await video.evaluate((v) => v.currentTime)) > 1, 'playback starts');
    // the player beats every 5 s while playing
    await until(async () => (await recordings())[0].watched_ms >= 4000, 'the watch time reaches the server', 20000);
    await video.evaluate((v) => v.pause());
  }, PHONE);
  const s = (await pd.get('/api/v1/lecture/stats?group=lecture')).json.items.find((i) => i.key === String(lecture.id));
  assert.ok(s.watched_ms >= 4000 && s.viewers === 1, JSON.stringify(s));
});
