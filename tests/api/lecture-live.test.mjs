// A lecture goes live (讲堂直播, issue 13): the organiser of a published
// lecture opens a live broadcast for a session — an external platform's
// HLS/FLV address or a push to the platform's own nginx-rtmp — and the
// members who may see the lecture see 即将直播 / 直播中 / 直播已结束 on its
// page, play it by the session's id (never the key) and are counted as
// viewers through the live module's heartbeat. Another district's organiser
// cannot open or see it, the stream is not reviewed a second time (the
// lecture's review reached the city), the district's one channel still
// refuses an overlapping broadcast, and closing the broadcast or cancelling
// the lecture cancels the stream. The push part is skipped, saying why, only
// when nginx, the RTMP module or ffmpeg is missing (as live-ingest.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { makeUser } from './lib/contract.mjs';
import { missing, startRtmp, push } from './lib/rtmp.mjs';

const DEMO = 'Zhendi@Demo2026';
const why = missing();
if (why) process.stderr.write(`lecture-live.test.mjs: the push test is skipped: ${why}\n`);
const secret = randomBytes(16).toString('hex');
let srv, rtmp, admin, pd, hp, pdReviewer, city, member, hpMember, auditor, pdOrg;

before(async () => {
  srv = await startServer({ args: ['--demo'], env: { ZHENDI_LIVE_INGEST_SECRET: secret } });
  if (!why) rtmp = await startRtmp({ zhendiUrl: srv.base, secret, hlsDir: join(srv.data, 'live-hls') });
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdReviewer = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  auditor = await srv.login('auditor');
  member = await makeUser(srv, admin, { username: 'live_m1', orgId: (await srv.login('dangyuan01', DEMO)).me.user.org_id, roles: ['member'] });
  hpMember = await makeUser(srv, admin, { username: 'live_hp1', orgId: hp.me.user.org_id, roles: ['member'] });
  pdOrg = pd.me.user.org_id;
});

after(async () => {
  await rtmp?.stop();
  await srv?.stop();
});

const iso = (ms) => new Date(ms).toISOString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${rtmp?.log() || ''}`);
    await sleep(250);
  }
}

// a lecture of Pudong published through its review (区级 → 市级)
async function published(title, startsIn, hours = 1) {
  const when = Date.now() + startsIn;
  const d = await pd.post('/api/v1/lecture/lectures', {
    title, speaker: '王老师', place: '浦东新区党群服务中心', capacity: 10,
    starts_at: iso(when), ends_at: iso(when + hours * 3600000), org_id: pdOrg,
  });
  assert.equal(d.status, 201, d.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${d.json.id}/submit`)).status, 200);
  for (const who of [pdReviewer, city]) {
    const r = await who.post(`/api/v1/review/items/${d.json.review_id}/decision`, { action: 'approve', opinion: '同意' });
    assert.equal(r.status, 200, r.body);
  }
  return (await pd.get(`/api/v1/lecture/lectures/${d.json.id}`)).json;
}

test('an external HLS address: validated, scoped, approved at once, seen and counted by members, ended by the cancellation', async () => {
  const l = await published(`讲堂直播${Date.now()}`, 5 * 60000);
  const sid = l.sessions[0].id;
  assert.equal(l.sessions[0].live, null);
  assert.equal((await member.post(`/api/v1/lecture/sessions/${sid}/book`)).status, 201);

  // validation: the live module's rules for an address
  const open = (who, body) => who.post(`/api/v1/lecture/sessions/${sid}/live`, body);
  let r = await open(pd, { broadcast: 'url' });
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.stream_url);
  for (const bad of ['javascript:alert(1)//.m3u8', 'https://user@live.example.cn/a.m3u8', 'https://live.example.cn/a.mp4', 'ftp://live.example.cn/a.m3u8']) {
    r = await open(pd, { broadcast: 'url', stream_url: bad });
    assert.equal(r.status, 422, bad);
    assert.match(r.json.error.fields.stream_url, /[\u4e00-\u9fff]/);
  }
  assert.equal((await open(pd, { broadcast: 'tv', stream_url: 'https://live.example.cn/a.m3u8' })).status, 422);
  // permission and data scope: a member cannot, another district's organiser does not see the session
  const url = 'https://live.example.cn/lecture-1.m3u8';
  assert.equal((await open(member, { broadcast: 'url', stream_url: url })).status, 403);
  assert.equal((await open(hp, { broadcast: 'url', stream_url: url })).status, 404);
  assert.equal((await hp.get(`/api/v1/lecture/sessions/${sid}/live`)).status, 404);
  assert.equal((await pd.get(`/api/v1/lecture/sessions/${sid}/live`)).json.error.code, 'no_live');

  r = await open(pd, { broadcast: 'url', stream_url: url });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.ingest, false);
  assert.equal(r.json.phase, 'upcoming');
  assert.equal(r.json.play_url, url);
  assert.equal(r.json.push, null);
  assert.equal(r.json.notified, 1);
  const streamId = r.json.stream.id;
  assert.equal((await open(pd, { broadcast: 'url', stream_url: url })).json.error.code, 'already_live');

  // the stream is the live module's, approved without a second review
  const s = (await pd.get(`/api/v1/live/streams/${streamId}`)).json;
  assert.equal(s.status, 'approved');
  assert.equal(s.review_id, null);
  assert.equal(s.title, l.title);
  assert.equal(s.starts_at, l.sessions[0].starts_at);
  assert.equal(s.ends_at, l.sessions[0].ends_at);

  // the booked member is told, and sees it on the lecture's page
  const notes = (await member.get('/api/v1/notifications?page_size=50')).json.items;
  const note = notes.find((n) => n.kind === 'lecture.live');
  assert.ok(note, JSON.stringify(notes.map((n) => n.kind)));
  assert.equal(note.link, `/m/lectures/${l.id}`);
  let mine = (await member.get(`/api/v1/lecture/catalog/${l.id}`)).json.sessions[0].live;
  assert.equal(mine.phase, 'upcoming');
  assert.equal(mine.play_url, url);
  assert.equal(mine.stream, undefined);
  // the lecture is the city's: a member of another district sees it too; the audit administrator does not
  assert.equal((await hpMember.get(`/api/v1/lecture/catalog/${l.id}`)).json.sessions[0].live.play_url, url);
  assert.equal((await auditor.post(`/api/v1/lecture/live/${sid}/heartbeat`, { session: 'x1', watched_ms: 1000 })).status, 403);

  // viewers counted through the live module's heartbeat (the session's id)
  const beat = await member.post(`/api/v1/lecture/live/${sid}/heartbeat`, { session: 'lecture-live-1', watched_ms: 3000 });
  assert.equal(beat.status, 200, beat.body);
  assert.equal(beat.json.next_beat_s, 30);
  assert.equal((await member.post(`/api/v1/lecture/live/${sid}/heartbeat`, { session: 'bad session', watched_ms: 1 })).status, 422);
  assert.equal((await pd.get(`/api/v1/lecture/sessions/${sid}/live`)).json.viewers_now, 1);
  assert.equal((await pd.get(`/api/v1/live/streams/${streamId}/stats`)).json.participants, 1);
  // an external stream has no playlist here
  assert.equal((await member.get(`/api/v1/lecture/live/${sid}/hls/index.m3u8`)).status, 404);

  // the district's one channel: an overlapping broadcast of another Pudong lecture is refused
  const other = await published(`重叠讲堂${Date.now()}`, 20 * 60000);
  r = await pd.post(`/api/v1/lecture/sessions/${other.sessions[0].id}/live`, { broadcast: 'url', stream_url: 'https://live.example.cn/other.m3u8' });
  assert.equal(r.status, 409, r.body);
  assert.match(r.json.error.message, /时间冲突/);

  // close and open again
  r = await pd.post(`/api/v1/lecture/sessions/${sid}/live/close`, { reason: '改用本平台推流' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.phase, 'cancelled');
  assert.equal((await member.get(`/api/v1/lecture/catalog/${l.id}`)).json.sessions[0].live, null);
  assert.equal((await member.post(`/api/v1/lecture/live/${sid}/heartbeat`, { session: 'lecture-live-1', watched_ms: 1000 })).status, 404);
  assert.equal((await pd.post(`/api/v1/lecture/sessions/${sid}/live/close`, {})).status, 409);
  r = await open(pd, { broadcast: 'url', stream_url: 'https://live.example.cn/lecture-2.flv' });
  assert.equal(r.status, 201, r.body);
  const second = r.json.stream.id;
  assert.notEqual(second, streamId);

  // the lecture's cancellation cancels its broadcast
  r = await pd.post(`/api/v1/lecture/lectures/${l.id}/cancel`, { reason: '主讲人临时有事' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.live_closed, 1);
  const after = (await pd.get(`/api/v1/live/streams/${second}`)).json;
  assert.equal(after.state, 'cancelled');
  assert.equal((await pd.get(`/api/v1/lecture/sessions/${sid}/live`)).json.phase, 'cancelled');
  assert.equal((await member.get(`/api/v1/lecture/catalog/${l.id}`)).status, 404);
  assert.equal((await member.post(`/api/v1/lecture/live/${sid}/heartbeat`, { session: 'lecture-live-2', watched_ms: 1000 })).status, 404);
  // the overlapping lecture may now go live
  r = await pd.post(`/api/v1/lecture/sessions/${other.sessions[0].id}/live`, { broadcast: 'url', stream_url: 'https://live.example.cn/other.m3u8' });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/lecture/sessions/${other.sessions[0].id}/live/close`, {})).status, 200);

  // audited in the same transaction, never with a key
  const actions = (await auditor.get(`/api/v1/audit?target=lecture_session:${sid}&page_size=50`)).json.items.map((i) => i.action);
  assert.ok(actions.includes('lecture.live_open'), actions.join());
  assert.ok(actions.includes('lecture.live_close'), actions.join());
  // a draft lecture cannot go live
  const draft = (await pd.post('/api/v1/lecture/lectures', {
    title: '草稿讲堂', speaker: '王老师', place: '某地', capacity: 5, starts_at: iso(Date.now() + 86400000), ends_at: iso(Date.now() + 90000000), org_id: pdOrg,
  })).json;
  r = await pd.post(`/api/v1/lecture/sessions/${draft.sessions[0].id}/live`, { broadcast: 'url', stream_url: url });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'not_published');
});

test('a push to the platform: the key is the organiser\'s, members play the session live through the lecture by id', { skip: why || false }, async () => {
  const l = await published(`推流讲堂${Date.now()}`, 3 * 60000);
  const sid = l.sessions[0].id;
  const r = await pd.post(`/api/v1/lecture/sessions/${sid}/live`, { broadcast: 'ingest' });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.ingest, true);
  const key = r.json.push.stream_key;
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.equal(r.json.push.push_url, `${r.json.push.server_url}/${key}`);
  const playlist = `/api/v1/lecture/live/${sid}/hls/index.m3u8`;
  assert.equal(r.json.play_url, playlist);
  assert.equal((await member.post(`/api/v1/lecture/sessions/${sid}/book`)).status, 201);
  const started = async () => (await member.get('/api/v1/notifications')).json.items
    .filter((x) => x.kind === 'lecture.live' && x.title.startsWith('讲堂直播已开始') && x.title.includes(l.title));
  const page = await member.get(`/api/v1/lecture/catalog/${l.id}`);
  assert.ok(!page.body.includes(key), 'the members\' page does not carry the key');
  assert.equal(page.json.sessions[0].live.phase, 'upcoming');
  assert.equal((await member.get(playlist)).status, 404);
  // the audit record names no key
  assert.ok(!srv.sql(`SELECT COALESCE(detail, '') || COALESCE(after_json, '') FROM audit_log WHERE action = 'lecture.live_open'`).includes(key));

  const p = push(`rtmp://127.0.0.1:${rtmp.port}/live/${key}`, 90);
  try {
    const live = await until('the session to be live', async () => {
      const x = (await member.get(`/api/v1/lecture/catalog/${l.id}`)).json.sessions[0].live;
      return x?.phase === 'live' && x;
    });
    assert.equal(live.publishing, true);
    const told = await started();
    assert.equal(told.length, 1, 'the booked member is told once the push has begun');
    assert.equal(told[0].link, `/m/lectures/${l.id}`);
    const m3u8 = await until('the playlist', async () => {
      const x = await member.get(playlist);
      return x.status === 200 && /#EXTINF/.test(x.body) && x;
    });
    assert.match(m3u8.headers.get('content-type'), /mpegurl/);
    assert.ok(!m3u8.body.includes(key));
    const frag = m3u8.body.split('\n').find((x) => /^\d+\.ts$/.test(x.trim())).trim();
    const ts = await fetch(`${srv.base}/api/v1/lecture/live/${sid}/hls/${frag}`, { headers: { cookie: member.cookie } });
    assert.equal(ts.status, 200);
    const bytes = new Uint8Array(await ts.arrayBuffer());
    assert.ok(bytes.length > 1000 && bytes[0] === 0x47, 'an MPEG-TS fragment');
    assert.equal((await fetch(srv.base + playlist)).status, 401);
    assert.equal((await auditor.get(playlist)).status, 403);
    assert.equal((await member.get(`/api/v1/lecture/live/${sid}/hls/${key}`)).status, 404);
    const beat = await member.post(`/api/v1/lecture/live/${sid}/heartbeat`, { session: 'lecture-push-1', watched_ms: 2000 });
    assert.equal(beat.status, 200, beat.body);
    assert.equal(beat.json.next_beat_s, 10);
    const org = (await pd.get(`/api/v1/lecture/sessions/${sid}/live`)).json;
    assert.equal(org.phase, 'live');
    assert.equal(org.viewers_now, 1);
    assert.equal(org.push.publishing, true);

    // closing ends it for the viewers at once
    assert.equal((await pd.post(`/api/v1/lecture/sessions/${sid}/live/close`, { reason: '直播结束' })).status, 200);
    assert.equal((await member.get(playlist)).status, 404);
    assert.equal((await member.get(`/api/v1/lecture/catalog/${l.id}`)).json.sessions[0].live, null);
  } finally {
    await p.stop();
  }
});

test('a revision that moves a session moves its broadcast; one that would overlap another broadcast of the district does not take effect', async () => {
  const HOUR = 3600000;
  const l = await published(`改期直播${Date.now()}`, 40 * 86400000);
  const sid = l.sessions[0].id;
  const open = await pd.post(`/api/v1/lecture/sessions/${sid}/live`, { broadcast: 'url', stream_url: 'https://live.example.cn/moved.m3u8' });
  assert.equal(open.status, 201, open.body);
  const streamId = open.json.stream.id;
  const revise = async (starts) => {
    const r = await pd.put(`/api/v1/lecture/lectures/${l.id}/revision`, { sessions: [{ id: sid, starts_at: iso(starts), ends_at: iso(starts + HOUR), capacity: 10 }] });
    assert.equal(r.status, 200, r.body);
    assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 200);
  };
  const decide = (who) => who.post(`/api/v1/review/items/${l.review_id}/decision`, { action: 'approve', opinion: '同意' });
  const later = Date.parse(l.sessions[0].starts_at) + 86400000;
  await revise(later);
  for (const who of [pdReviewer, city]) assert.equal((await decide(who)).status, 200);
  let s = (await pd.get(`/api/v1/live/streams/${streamId}`)).json;
  assert.equal(Date.parse(s.starts_at), later, 'the broadcast follows its session');
  assert.equal(Date.parse(s.ends_at), later + HOUR);

  // another broadcast of Pudong two days later: moving the session onto it is refused at the city's approval
  const other = await published(`同区直播${Date.now()}`, 42 * 86400000);
  assert.equal((await pd.post(`/api/v1/lecture/sessions/${other.sessions[0].id}/live`, { broadcast: 'url', stream_url: 'https://live.example.cn/other.m3u8' })).status, 201);
  await revise(Date.parse(other.sessions[0].starts_at));
  assert.equal((await decide(pdReviewer)).status, 200);
  const refused = await decide(city);
  assert.equal(refused.status, 409, refused.body);
  assert.match(refused.json.error.message, /时间重叠/);
  s = (await pd.get(`/api/v1/live/streams/${streamId}`)).json;
  assert.equal(Date.parse(s.starts_at), later, 'nothing moved');
  assert.equal(Date.parse((await pd.get(`/api/v1/lecture/lectures/${l.id}`)).json.sessions[0].starts_at), later);
});
