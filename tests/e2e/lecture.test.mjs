// 初心讲堂 in a real browser. On a phone (390×844, touch, the members' pages
// under /m/): a party member logs in, finds a published lecture by search,
// books a session, sees it in 我的预约 and cancels it; scanning a session's
// check-in code opens /m/checkin and records attendance; the pages fit a
// 360 px screen. In the console: the organiser approves a pending booking
// with an opinion and shows a session's check-in QR code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsole, PHONE, withPage, login, until } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
let ctx, pd, member, lecture, soon, pending;

async function publish(extra, starts) {
  const r = await pd.post('/api/v1/lecture/lectures', {
    title: '讲堂', speaker: '王老师', place: '浦东新区党群服务中心', capacity: 3, org_id: pd.me.user.org_id,
    starts_at: new Date(starts).toISOString(), ends_at: new Date(starts + 2 * 3600000).toISOString(), ...extra,
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${r.json.id}/submit`)).status, 200);
  for (const who of ['pudong_shenhe', 'shi_shenhe']) {
    const c = await ctx.srv.login(who, DEMO);
    const d = await c.post(`/api/v1/review/items/${r.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(d.status, 200, d.body);
  }
  return (await pd.get(`/api/v1/lecture/lectures/${r.json.id}`)).json;
}

// a poster, uploaded through tus as the console does
async function poster() {
  const dir = mkdtempSync(join(tmpdir(), 'zhendi-e2e-lecture-'));
  try {
    const jpg = join(dir, 'p.jpg');
    execFileSync('convert', ['-size', '300x400', 'gradient:red-gold', jpg]);
    const bytes = readFileSync(jpg);
    const meta = `filename ${Buffer.from('海报.jpg').toString('base64')},purpose ${Buffer.from('photo').toString('base64')}`;
    const c = await pd.request('POST', '/api/v1/uploads', { headers: { 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': meta } });
    const url = c.headers.get('location');
    await pd.request('PATCH', url, { raw: bytes, headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' } });
    for (;;) {
      const r = (await pd.get(url)).json;
      if (r.status === 'done') return r.file_id;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  pd = await ctx.srv.login('pudong_dangwu', DEMO);
  member = await ctx.srv.login('dangyuan01', DEMO);
  lecture = await publish({ title: '端到端测试讲堂：学习党章', poster_file_id: await poster() }, Date.now() + 3 * 86400000);
  soon = await publish({ title: '马上开讲的讲堂' }, Date.now() + 10 * 60000);
  pending = await publish({ title: '需要审核的讲堂', needs_approval: true }, Date.now() + 4 * 86400000);
});

after(async () => {
  await ctx?.stop();
});

async function mobileLogin(page, next = '/m/') {
  await page.goto(ctx.base + next);
  await page.waitForURL(/\/m\/login/);
  await page.locator('[data-test=m-username] input').fill('dangyuan01');
  await page.locator('[data-test=m-password] input').fill(DEMO);
  await page.locator('[data-test=m-login-submit]').tap();
}

test('on a phone a member logs in, books a session, sees it in 我的预约 and cancels it', async (t) => {
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page);
    await page.waitForSelector('[data-test=m-tabbar]');
    assert.equal(new URL(page.url()).pathname, '/m/');
    await page.getByText('讲堂', { exact: true }).tap();
    await page.locator('[data-test=m-search] input').fill('学习党章');
    await page.locator('[data-test=m-search] input').press('Enter');
    const card = page.locator('[data-test=m-lecture-card]', { hasText: '端到端测试讲堂' });
    await card.tap();
    await page.waitForURL(new RegExp(`/m/lectures/${lecture.id}$`));
    await until(() => page.locator('[data-test=m-poster]').evaluate((img) => img.complete && img.naturalWidth > 0), 'the poster shows');
    await page.locator('[data-test=m-book]').first().tap();
    await page.getByText('预约成功').waitFor();
    assert.equal((await page.locator('[data-test=m-my-status]').first().textContent()).trim(), '已确认');
    await page.goto(`${ctx.base}/m/bookings`);
    const booking = page.locator('[data-test=m-booking]', { hasText: '端到端测试讲堂' });
    assert.equal((await booking.locator('[data-test=m-booking-status]').textContent()).trim(), '已确认');
    await booking.locator('[data-test=m-booking-cancel]').tap();
    await page.locator('.van-dialog__confirm').tap();
    await page.getByText('已取消预约').waitFor();
    await until(async () => (await booking.locator('[data-test=m-booking-status]').textContent()).trim() === '已取消', 'the booking shows 已取消');
    assert.equal(await booking.locator('[data-test=m-booking-cancel]').count(), 0, 'nothing left to cancel');
    const api = (await member.get('/api/v1/lecture/my-bookings')).json.items.find((b) => b.lecture_id === lecture.id);
    assert.equal(api.status, 'cancelled');
  }, PHONE);
});

test('scanning a session\'s check-in code on a phone records attendance, after logging in if needed', async (t) => {
  const sid = soon.sessions[0].id;
  assert.equal((await member.post(`/api/v1/lecture/sessions/${sid}/book`)).status, 201);
  const { path } = (await pd.get(`/api/v1/lecture/sessions/${sid}/checkin-code`)).json;
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page, path); // the camera opens the code's address; the login comes back to it
    await page.waitForSelector('[data-test=m-checkin-ok]');
    assert.match(await page.locator('[data-test=m-checkin-ok]').textContent(), /签到成功[\s\S]*马上开讲的讲堂/);
    const b = (await member.get('/api/v1/lecture/my-bookings')).json.items.find((x) => x.session_id === sid);
    assert.equal(b.status, 'attended');
    await page.goto(`${ctx.base}/m/checkin?token=1.bad`);
    await page.waitForSelector('[data-test=m-checkin-failed]');
    assert.match(await page.textContent('[data-test=m-checkin-failed]'), /签到码无效/);
  }, PHONE);
});

test('the members\' pages fit a 360 px phone without sideways scrolling', async (t) => {
  await withPage(t, ctx, async (page) => {
    await mobileLogin(page, `/m/lectures/${lecture.id}`);
    await page.waitForSelector('[data-test=m-session]');
    for (const p of [`/m/lectures/${lecture.id}`, '/m/lectures', '/m/bookings', '/m/']) {
      await page.goto(ctx.base + p);
      await page.waitForLoadState('networkidle');
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(w <= 360, `${p}: ${w}px wide`);
    }
  }, { ...PHONE, viewport: { width: 360, height: 740 } });
});

test('in the console the organiser approves a pending booking with an opinion and shows the check-in QR code', async (t) => {
  const sid = pending.sessions[0].id;
  const b = await member.post(`/api/v1/lecture/sessions/${sid}/book`);
  assert.equal(b.json.status, 'pending');
  await withPage(t, ctx, async (page) => {
    await login(page, ctx.base, 'pudong_dangwu', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/lecture/lectures`);
    await page.locator('[data-test=lecture-row-title]', { hasText: '需要审核的讲堂' }).click();
    await page.waitForSelector('[data-test=lecture-detail-title]');
    await page.locator('[data-test=lecture-bookings]').first().click();
    await page.locator('[data-test=booking-approve]').click();
    await page.locator('[data-test=booking-decide] textarea').fill('欢迎参加，请提前十分钟到场');
    await page.locator('[data-test=booking-decide-ok]').click();
    await until(async () => (await member.get('/api/v1/lecture/my-bookings')).json.items.find((x) => x.id === b.json.id).status === 'confirmed', 'the booking is confirmed');
    const mine = (await member.get('/api/v1/lecture/my-bookings')).json.items.find((x) => x.id === b.json.id);
    assert.equal(mine.opinion, '欢迎参加，请提前十分钟到场');
    // the decision dialog gone first, then the list closed (an Escape while
    // the dialog is still closing reaches the dialog, not the list)
    await page.locator('[data-test=booking-decide]').waitFor({ state: 'hidden' });
    await page.keyboard.press('Escape');
    await page.locator('.el-drawer[data-test=lecture-bookings-drawer]').waitFor({ state: 'hidden' });
    await page.locator('[data-test=lecture-qr]').first().click();
    const img = page.locator('[data-test=lecture-qr-img]');
    await img.waitFor();
    assert.match(await img.getAttribute('src'), /^data:image\/png;base64,/);
    assert.match(await page.locator('[data-test=lecture-qr-dialog] input').inputValue(), /\/m\/checkin\?token=\d+\.[0-9a-f]{32}$/);
    // 讲堂统计: the lecture with its confirmed booking, by lecture
    await page.goto(`${ctx.base}/lecture/stats`);
    const row = page.locator('[data-test=lecture-stats-table] tr', { hasText: '需要审核的讲堂' });
    await row.waitFor();
    assert.match(await row.textContent(), /需要审核的讲堂/);
  });
});
