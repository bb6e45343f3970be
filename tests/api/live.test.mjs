// Live streams (远教直播, M1.3), as their users meet them: a district books a
// stream, the city approves it through the review engine and it appears in
// the city's calendar; two approved streams of one district never overlap —
// refused at submission, at approval, and by the database itself when two
// approvals race; an approved stream can be called off; the player's
// heartbeats add up to the viewer statistics; the bookings export to .xlsx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, BIN } from './lib/server.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, city, member, pdOrg, hpOrg, pdStreet, work;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-live-'));
  srv = await startServer({ args: ['--demo'] });
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  member = await srv.login('dangyuan01', DEMO);
  pdOrg = pd.me.user.org_id;
  hpOrg = hp.me.user.org_id;
  const streets = await pd.get(`/api/v1/orgs?parent_id=${pdOrg}&page_size=50`);
  pdStreet = streets.json.items.find((o) => o.type === 'street').id;
});

after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

// A time slot `day` days from a UTC midnight 40 days ahead (clear of the demo's).
const BASE = Math.ceil(Date.now() / 86400000) * 86400000 + 40 * 86400000;
const iso = (ms) => new Date(ms).toISOString();
const slot = (day, hour, hours = 2) => ({
  starts_at: iso(BASE + day * 86400000 + hour * 3600000),
  ends_at: iso(BASE + day * 86400000 + (hour + hours) * 3600000),
});
let n = 0;
async function book(client, org, times, extra = {}) {
  const r = await client.post('/api/v1/live/streams', {
    title: `远教直播${++n}`, speaker: '王老师', source_type: 'url', stream_url: `https://live.example.cn/s${n}.m3u8`,
    org_id: org, ...times, ...extra,
  });
  assert.equal(r.status, 201, r.body);
  return r.json;
}
const submit = (client, id) => client.post(`/api/v1/live/streams/${id}/submit`);
const decide = (client, s, action = 'approve') =>
  client.post(`/api/v1/review/items/${s.review_id}/decision`, { action, opinion: action === 'approve' ? '同意' : '请修改' });
async function approved(client, org, times, extra) {
  const s = await book(client, org, times, extra);
  const sub = await submit(client, s.id);
  assert.equal(sub.status, 200, sub.body);
  const d = await decide(city, s);
  assert.equal(d.status, 200, d.body);
  return (await client.get(`/api/v1/live/streams/${s.id}`)).json;
}
async function calendar(client, day0, day1) {
  const q = `from=${encodeURIComponent(iso(BASE + day0 * 86400000))}&to=${encodeURIComponent(iso(BASE + day1 * 86400000))}`;
  const r = await client.get(`/api/v1/live/calendar?${q}`);
  assert.equal(r.status, 200, r.body);
  return r.json.items.map((e) => e.id);
}

test('a district books a stream, the city approves it and it is published in the calendar; only approved streams are', async () => {
  const a = await book(pd, pdOrg, slot(0, 10), { audience: '浦东新区全体党员' });
  assert.equal(a.status, 'draft');
  assert.ok(a.review_id, 'the booking has its review item');
  const b = await book(pd, pdOrg, slot(0, 15));
  const sub = await submit(pd, a.id);
  assert.equal(sub.status, 200, sub.body);
  assert.equal(sub.json.status, 'in_review');
  assert.equal(sub.json.review_level, 1);
  assert.deepEqual((await calendar(pd, 0, 1)).filter((id) => id === a.id || id === b.id), [], 'nothing approved yet');
  // the booker's district does not approve: the city does
  assert.equal((await decide(pd, a)).status, 403);
  const d = await decide(city, a);
  assert.equal(d.status, 200, d.body);
  assert.equal(d.json.status, 'approved');
  for (const who of [pd, hp, city, member]) {
    const ids = await calendar(who, 0, 1);
    assert.ok(ids.includes(a.id), 'the approved stream is in everyone\'s calendar');
    assert.ok(!ids.includes(b.id), 'a draft is not');
  }
  const detail = (await pd.get(`/api/v1/live/streams/${a.id}`)).json;
  assert.equal(detail.state, 'approved');
  assert.equal(detail.phase, 'upcoming');
  assert.deepEqual(detail.review.history.map((h) => h.action), ['submit', 'approve']);
  assert.equal(detail.can_cancel, true);
  assert.equal(detail.can_edit, false);
  const watch = await member.get(`/api/v1/live/calendar/${a.id}`);
  assert.equal(watch.status, 200, watch.body);
  assert.equal(watch.json.stream_url, a.stream_url);
  assert.equal((await member.get(`/api/v1/live/calendar/${b.id}`)).status, 404, 'a draft cannot be watched');
  // while approved, the booking is not edited any more
  assert.equal((await pd.patch(`/api/v1/live/streams/${a.id}`, { speaker: '李老师' })).status, 409);
});

test('an overlapping booking of the same district is refused at submission, and at approval when both were submitted first', async () => {
  const first = await approved(pd, pdOrg, slot(1, 10));
  const early = await book(pd, pdOrg, slot(1, 11));
  const r = await submit(pd, early.id);
  assert.equal(r.status, 409, r.body);
  assert.match(r.json.error.message, new RegExp(`与已批准的直播《${first.title}》时间冲突`));
  // one that merely touches (starts when the other ends) is fine
  const touching = await book(pd, pdOrg, slot(1, 12));
  assert.equal((await submit(pd, touching.id)).status, 200);
  // both in review before either is approved: the second approval is refused with a clear 409
  const d = await book(pd, pdOrg, slot(2, 10));
  const e = await book(pd, pdOrg, slot(2, 11));
  assert.equal((await submit(pd, d.id)).status, 200);
  assert.equal((await submit(pd, e.id)).status, 200);
  assert.equal((await decide(city, d)).status, 200);
  const refused = await decide(city, e);
  assert.equal(refused.status, 409, refused.body);
  assert.equal(refused.json.error.code, 'conflict');
  assert.match(refused.json.error.message, new RegExp(`与已批准的直播《${d.title}》时间冲突`));
  // nothing of the refused decision stays: still in review, no approval in its history
  const item = (await city.get(`/api/v1/review/items/${e.review_id}`)).json;
  assert.equal(item.status, 'in_review');
  assert.deepEqual(item.history.map((h) => h.action), ['submit']);
  assert.equal((await pd.get(`/api/v1/live/streams/${e.id}`)).json.status, 'in_review');
  // the city can still send it back for another time
  assert.equal((await decide(city, e, 'return')).status, 200);
  assert.equal((await pd.patch(`/api/v1/live/streams/${e.id}`, slot(2, 13))).status, 200);
  assert.equal((await submit(pd, e.id)).status, 200);
  assert.equal((await decide(city, e)).status, 200);
});

test('two overlapping approvals at once: exactly one gets in, and the database itself refuses a second overlap', async () => {
  const f = await book(pd, pdOrg, slot(3, 10));
  const g = await book(pd, pdOrg, slot(3, 11));
  assert.equal((await submit(pd, f.id)).status, 200);
  assert.equal((await submit(pd, g.id)).status, 200);
  const [rf, rg] = await Promise.all([decide(city, f), decide(city, g)]);
  assert.deepEqual([rf.status, rg.status].sort(), [200, 409], `${rf.body} ${rg.body}`);
  const loser = rf.status === 409 ? f : g;
  const approvedIds = (await calendar(pd, 3, 4));
  assert.equal(approvedIds.filter((id) => id === f.id || id === g.id).length, 1);
  // the guarantee is the database's: a write that bypasses every check is refused
  assert.throws(() => srv.sql(`UPDATE live_streams SET status = 'approved' WHERE id = ${loser.id}`), /live_streams_no_overlap/);
  assert.throws(() => srv.sql(
    `INSERT INTO live_streams (org_id, district_id, title, speaker, starts_at, ends_at, source_type, platform, room_id, status, created_by, created_at, updated_at)
     SELECT org_id, district_id, 'x', 'y', starts_at + 60000, ends_at, 'platform', 'p', 'r', 'approved', created_by, 0, 0 FROM live_streams WHERE id = ${loser.id}`),
  /live_streams_no_overlap/);
  assert.equal(srv.sql(`SELECT status FROM live_streams WHERE id = ${loser.id}`), 'in_review');
});

test('different districts may hold streams at the same time', async () => {
  const a = await approved(pd, pdOrg, slot(4, 10));
  const b = await approved(hp, hpOrg, slot(4, 10));
  const ids = await calendar(member, 4, 5);
  assert.ok(ids.includes(a.id) && ids.includes(b.id));
  const day = (await member.get(`/api/v1/live/calendar?district_id=${hpOrg}&from=${encodeURIComponent(slot(4, 0).starts_at)}&to=${encodeURIComponent(slot(5, 0).starts_at)}`)).json.items;
  assert.deepEqual(day.map((e) => e.id), [b.id], 'one district\'s calendar');
  assert.equal(day[0].district_name, '黄浦区');
});

test('cancelling an approved stream takes it off the calendar, tells its audience and frees its time', async () => {
  const s = await approved(pd, pdOrg, slot(5, 10), { audience_org_ids: [pdOrg, pdStreet] });
  assert.deepEqual(s.audience_orgs.map((o) => o.id).sort((x, y) => x - y), [pdOrg, pdStreet].sort((x, y) => x - y));
  assert.equal((await hp.post(`/api/v1/live/streams/${s.id}/cancel`, { reason: '不是我的' })).status, 404);
  const c = await pd.post(`/api/v1/live/streams/${s.id}/cancel`, { reason: '主讲人临时有事' });
  assert.equal(c.status, 200, c.body);
  assert.equal(c.json.state, 'cancelled');
  assert.equal(c.json.status, 'approved', 'the review stays approved');
  assert.equal(c.json.cancel_reason, '主讲人临时有事');
  assert.deepEqual(c.json.notified, { orgs: 2, booker: false });
  assert.ok(!(await calendar(member, 5, 6)).includes(s.id));
  assert.equal((await pd.post(`/api/v1/live/streams/${s.id}/cancel`, { reason: '再取消一次' })).status, 409);
  const list = (await pd.get('/api/v1/live/streams?status=cancelled')).json.items.map((x) => x.id);
  assert.ok(list.includes(s.id));
  // the slot is free again
  const again = await approved(pd, pdOrg, slot(5, 10));
  assert.ok((await calendar(member, 5, 6)).includes(again.id));
  // the city (the level that approves) may call a stream off too; the booker is told
  const byCity = await city.post(`/api/v1/live/streams/${again.id}/cancel`, { reason: '场地调整' });
  assert.equal(byCity.status, 200, byCity.body);
  assert.deepEqual(byCity.json.notified, { orgs: 0, booker: true });
  // a member may watch, not cancel
  const third = await approved(pd, pdOrg, slot(5, 14));
  assert.equal((await member.post(`/api/v1/live/streams/${third.id}/cancel`, { reason: '不想看' })).status, 404);
  const audit = await (await srv.login('auditor', 'Zhendi-Test-2026!')).get('/api/v1/audit?action=live.cancel');
  assert.equal(audit.json.total, 2);
});

test('the viewers\' heartbeats add up to participants, watch time, interactions and concurrent viewers', async () => {
  const now = Date.now();
  const s = await approved(pd, pdOrg, { starts_at: iso(now + 10 * 60000), ends_at: iso(now + 70 * 60000) });
  const beat = (client, session, watched_ms, interactions = 0) =>
    client.post(`/api/v1/live/streams/${s.id}/heartbeat`, { session, watched_ms, interactions });
  const t0 = Date.now();
  const a1 = await beat(member, 'tab-a1', 30000, 2);
  assert.equal(a1.status, 200, a1.body);
  assert.equal(a1.json.counted_ms, 30000);
  assert.equal((await beat(pd, 'tab-b1', 45000, 1)).status, 200);
  assert.equal((await beat(pd, 'tab-b2', 15000)).status, 200);
  let st = await city.get(`/api/v1/live/streams/${s.id}/stats`);
  assert.equal(st.status, 200, st.body);
  assert.equal(st.json.participants, 2);
  assert.equal(st.json.sessions, 3);
  assert.equal(st.json.watch_ms_total, 90000);
  assert.equal(st.json.watch_ms_avg, 45000);
  assert.equal(st.json.interactions, 3);
  assert.equal(st.json.concurrent, 3);
  assert.equal(st.json.peak, 3);
  assert.ok(st.json.timeline.length >= 1);
  // a hurried beat adds no more than the clock allows
  const hurried = await beat(member, 'tab-a1', 120000);
  assert.equal(hurried.status, 200);
  assert.ok(hurried.json.counted_ms <= 10000 + (Date.now() - t0), `counted ${hurried.json.counted_ms}`);
  assert.ok(hurried.json.counted_ms < 120000);
  st = await city.get(`/api/v1/live/streams/${s.id}/stats`);
  assert.equal(st.json.watch_ms_total, 90000 + hurried.json.counted_ms);
  assert.equal(st.json.sessions, 3, 'the same session');
  // what the player may not send
  assert.equal((await beat(member, 'a b', 1000)).status, 422);
  assert.equal((await beat(member, 'tab-x', 200000)).status, 422);
  // only approved streams in their time are watched
  const later = await approved(pd, pdOrg, slot(6, 10));
  const notYet = await member.post(`/api/v1/live/streams/${later.id}/heartbeat`, { session: 'tab-z', watched_ms: 1000 });
  assert.equal(notYet.status, 409);
  assert.equal(notYet.json.error.code, 'not_live');
  const draft = await book(pd, pdOrg, slot(6, 14));
  assert.equal((await member.post(`/api/v1/live/streams/${draft.id}/heartbeat`, { session: 'tab-z', watched_ms: 1000 })).status, 404);
  // members watch; the figures are for the bookers and the reviewers
  assert.equal((await member.get(`/api/v1/live/streams/${s.id}/stats`)).status, 403);
  // heartbeats are not audited
  const audit = await (await srv.login('auditor', 'Zhendi-Test-2026!')).get('/api/v1/audit?action=live.heartbeat');
  assert.equal(audit.json.total, 0);
});

test('the bookings export to an .xlsx workbook, audited', async () => {
  const s = await book(pd, pdOrg, slot(7, 10), { title: '导出用的直播' });
  const r = await fetch(`${srv.base}/api/v1/live/streams/export?q=${encodeURIComponent('导出用')}`, { headers: { cookie: pd.cookie } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  const buf = Buffer.from(await r.arrayBuffer());
  assert.equal(buf.subarray(0, 4).toString('hex'), '504b0304', 'a zip');
  const f = join(work, 'live.xlsx');
  writeFileSync(f, buf);
  const names = execFileSync('unzip', ['-Z1', f], { encoding: 'utf8' });
  assert.match(names, /xl\/worksheets\/sheet1\.xml/);
  const content = execFileSync('unzip', ['-p', f], { encoding: 'utf8' });
  assert.ok(content.includes(s.title) && content.includes('直播主题'));
  const audit = await (await srv.login('auditor', 'Zhendi-Test-2026!')).get('/api/v1/audit?action=live.export');
  assert.equal(audit.json.total, 1);
});

test('a booking is its district\'s: another district\'s user gets 404 on it', async () => {
  const s = await book(pd, pdOrg, slot(8, 10));
  for (const [m, p, body] of [
    ['GET', `/api/v1/live/streams/${s.id}`],
    ['PATCH', `/api/v1/live/streams/${s.id}`, { speaker: '别人' }],
    ['POST', `/api/v1/live/streams/${s.id}/submit`],
    ['DELETE', `/api/v1/live/streams/${s.id}`],
    ['GET', `/api/v1/live/streams/${s.id}/stats`],
  ]) {
    const r = await hp.request(m, p, body ? { body } : undefined);
    assert.equal(r.status, 404, `${m} ${p}: ${r.status} ${r.body}`);
  }
  assert.ok(!(await hp.get('/api/v1/live/streams?page_size=200')).json.items.some((x) => x.id === s.id));
  // and may not book for it either
  const r = await hp.post('/api/v1/live/streams', { title: 't', speaker: 's', source_type: 'url', stream_url: 'https://a.cn/x.m3u8', org_id: pdOrg, ...slot(8, 14) });
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.org_id);
});

test('the booking form\'s rules: times, the stream\'s address, the platform room', async () => {
  const base = { title: '规则', speaker: '王', source_type: 'url', stream_url: 'https://live.example.cn/a.m3u8', org_id: pdOrg };
  const bad = async (body, field) => {
    const r = await pd.post('/api/v1/live/streams', { ...base, ...body });
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.body}`);
    assert.ok(r.json.error.fields[field], `${field} in ${r.body}`);
  };
  const t = slot(9, 10);
  await bad({ starts_at: t.ends_at, ends_at: t.starts_at }, 'ends_at');
  await bad({ starts_at: t.starts_at, ends_at: t.starts_at }, 'ends_at');
  await bad({ starts_at: iso(Date.now() - 3600000), ends_at: iso(Date.now() + 3600000) }, 'starts_at');
  await bad({ ...slot(9, 0, 25) }, 'ends_at');
  for (const url of ['javascript:alert(1)//x.m3u8', 'data:text/html,x.m3u8', 'ftp://a.cn/x.m3u8', 'https://a.cn/video.mp4',
    'https:///x.m3u8', 'https://a.cn/x y.m3u8', 'https://user@a.cn/x.m3u8'])
    await bad({ ...t, stream_url: url }, 'stream_url');
  await bad({ ...t, source_type: 'platform', stream_url: undefined, platform: '东方网直播' }, 'room_id');
  await bad({ ...t, audience_org_ids: [999999] }, 'audience_org_ids');
  for (const url of ['https://live.example.cn/a/b.M3U8?token=1', 'http://10.0.0.1:8080/live/x.flv'])
    await book(pd, pdOrg, t, { stream_url: url });
  const p = await book(pd, pdOrg, t, { source_type: 'platform', stream_url: 'https://ignored.cn/x.m3u8', platform: '东方网直播', room_id: '1234' });
  assert.equal(p.stream_url, null, 'a platform room keeps no address');
  // a returned or withdrawn booking is edited and submitted again
  assert.equal((await submit(pd, p.id)).status, 200);
  assert.equal((await pd.patch(`/api/v1/live/streams/${p.id}`, { speaker: '李' })).status, 409);
  const w = await pd.post(`/api/v1/live/streams/${p.id}/withdraw`);
  assert.equal(w.status, 200, w.body);
  assert.equal(w.json.status, 'withdrawn');
  const e = await pd.patch(`/api/v1/live/streams/${p.id}`, { speaker: '李' });
  assert.equal(e.status, 200, e.body);
  assert.equal(e.json.speaker, '李');
  assert.equal((await submit(pd, p.id)).status, 200);
  // a draft may be deleted; it leaves the list
  const gone = await book(pd, pdOrg, t);
  assert.equal((await pd.del(`/api/v1/live/streams/${gone.id}`)).status, 204);
  assert.equal((await pd.get(`/api/v1/live/streams/${gone.id}`)).status, 404);
});

test('the demo bookings: approved streams in the coming days and drafts that can be submitted', async () => {
  const cal = (await member.get('/api/v1/live/calendar')).json.items;
  assert.ok(cal.length >= 3, `${cal.length} demo streams`);
  const drafts = (await pd.get('/api/v1/live/streams?status=draft&page_size=200')).json.items.filter((s) => !s.review_id);
  assert.ok(drafts.length >= 1);
  const r = await submit(pd, drafts[0].id);
  assert.equal(r.status, 200, r.body);
  assert.ok(r.json.review_id);
  assert.ok((await city.get('/api/v1/review/queue?kind=live')).json.items.some((i) => i.ref_id === drafts[0].id));
});

test('with live_stream_sources set, the console may play streams from those sites only, and bookings must use them', async () => {
  const s2 = await startServer({ args: ['--demo', '--live-stream-sources', 'https://live.example.cn https://*.eastday.com:8443'] });
  try {
    const csp = (await s2.get('/healthz')).headers.get('content-security-policy');
    assert.match(csp, /connect-src 'self' https:\/\/live\.example\.cn https:\/\/\*\.eastday\.com:8443;/);
    assert.match(csp, /media-src 'self' blob: https:\/\/live\.example\.cn https:\/\/\*\.eastday\.com:8443;/);
    const w = await s2.login('pudong_dangwu', DEMO);
    const body = (url) => ({ title: '来源', speaker: '王', source_type: 'url', stream_url: url, org_id: w.me.user.org_id, ...slot(0, 10) });
    for (const url of ['https://live.example.cn/a.m3u8', 'https://v.eastday.com:8443/b.flv', 'HTTPS://LIVE.EXAMPLE.CN/c.m3u8'])
      assert.equal((await w.post('/api/v1/live/streams', body(url))).status, 201, url);
    for (const url of ['https://other.cn/a.m3u8', 'http://live.example.cn/a.m3u8', 'https://v.eastday.com/b.flv', 'https://eastday.com:8443/b.flv',
      'https://live.example.cn.evil.cn/a.m3u8']) {
      const r = await w.post('/api/v1/live/streams', body(url));
      assert.equal(r.status, 422, url);
      assert.match(r.json.error.fields.stream_url, /不在平台允许播放的直播来源中/);
    }
  } finally {
    await s2.stop();
  }
  // a source that is not an origin stops the start with a reason
  const bad = spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', join(work, 'bad'), '--live-stream-sources', "https://a.cn 'unsafe-inline'"],
    { encoding: 'utf8', timeout: 30000, env: { ...process.env, ZHENDI_ADMIN_PASSWORD: 'Zhendi-Test-2026!' } });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /live_stream_sources: 'unsafe-inline' is not an origin/);
});
