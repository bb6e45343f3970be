// Editing a published lecture as a new version (修订, issue 13): the
// organiser saves a revision beside the published lecture, submits it to the
// same review chain, and members keep seeing the published lecture until
// the last level approves; then the changes go live in one transaction and
// every member booked on a session whose time (or the lecture's place)
// changed is told. A return leaves the published lecture as it was; a
// capacity below the seats held is refused; another district's organiser
// gets 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { makeUser } from './lib/contract.mjs';

const DEMO = 'Zhendi@Demo2026';
let srv, pd, hp, pdReviewer, city, member, pdOrg;
const members = [];

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdReviewer = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  member = await srv.login('dangyuan01', DEMO);
  const admin = await srv.admin();
  members.push(member, await makeUser(srv, admin, { username: 'revision_m1', orgId: member.me.user.org_id, roles: ['member'] }));
  pdOrg = pd.me.user.org_id;
});

after(async () => {
  await srv?.stop();
});

const iso = (ms) => new Date(ms).toISOString();
const DAY = 86400000, HOUR = 3600000;
let n = 0;
const decide = (who, l, action = 'approve') =>
  who.post(`/api/v1/review/items/${l.review_id}/decision`, { action, opinion: action === 'approve' ? '同意' : '请修改' });
async function published(extra = {}) {
  const when = Date.now() + 3 * DAY;
  const r = await pd.post('/api/v1/lecture/lectures', {
    title: `修订讲堂${++n}`, speaker: '王老师', place: '浦东新区党群服务中心', capacity: 10,
    starts_at: iso(when), ends_at: iso(when + 2 * HOUR), org_id: pdOrg, ...extra,
  });
  assert.equal(r.status, 201, r.body);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${r.json.id}/submit`)).status, 200);
  for (const who of [pdReviewer, city]) assert.equal((await decide(who, r.json)).status, 200);
  const got = await pd.get(`/api/v1/lecture/lectures/${r.json.id}`);
  assert.equal(got.json.status, 'approved');
  assert.equal(got.json.can_revise, true);
  assert.equal(got.json.revision, null);
  return got.json;
}
const revise = (l, body) => pd.put(`/api/v1/lecture/lectures/${l.id}/revision`, body);
const catalog = async (l) => (await member.get(`/api/v1/lecture/catalog/${l.id}`)).json;

test('publish → revise → members still see the published lecture → approve → members see the new one', async () => {
  const l = await published({ description: '原来的简介' });
  assert.equal((await pd.patch(`/api/v1/lecture/lectures/${l.id}`, { speaker: '李老师' })).status, 409, 'a published lecture is not edited in place');
  const s = await revise(l, { speaker: '李老师', title: l.title, description: '新的简介' });
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.revision.status, 'editing');
  assert.deepEqual(s.json.revision.changes, { speaker: '李老师', description: '新的简介' }, 'only what differs is kept');
  assert.equal(s.json.status, 'approved');
  assert.equal(s.json.speaker, '王老师');
  const sub = await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`);
  assert.equal(sub.status, 200, sub.body);
  assert.equal(sub.json.revision.status, 'in_review');
  assert.equal(sub.json.revision.review_level, 1);
  assert.equal(sub.json.status, 'approved', 'the module row stays published');
  assert.equal((await revise(l, { speaker: '赵老师' })).status, 409, 'not changed while in review');
  // members keep the published version throughout
  let seen = await catalog(l);
  assert.equal(seen.speaker, '王老师');
  assert.equal(seen.description, '原来的简介');
  assert.ok((await member.get('/api/v1/lecture/catalog?page_size=200')).json.items.some((x) => x.id === l.id));
  // the reviewers see what changes
  const item = await pdReviewer.get(`/api/v1/review/items/${l.review_id}`);
  assert.equal(item.json.status, 'in_review');
  assert.equal(item.json.revision.status, 'in_review');
  assert.equal(item.json.can_decide, true);
  const v = await pdReviewer.get(`/api/v1/review/items/${l.review_id}/versions/${item.json.version}`);
  assert.equal(v.status, 200, v.body);
  const diff = v.json.snapshot.revision;
  assert.deepEqual(diff.find((d) => d.field === 'speaker'), { field: 'speaker', title: '主讲人', before: '王老师', after: '李老师' });
  assert.equal(v.json.snapshot.speaker, '李老师', 'the snapshot shows the lecture as it will be');
  const queue = await pdReviewer.get('/api/v1/review/queue?kind=lecture');
  assert.equal(queue.json.items.find((x) => x.id === l.review_id)?.revision_status, 'in_review');
  assert.equal((await decide(pdReviewer, l)).status, 200);
  seen = await catalog(l);
  assert.equal(seen.speaker, '王老师', 'still the published version after the first level');
  const mid = await pd.get(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(mid.json.revision.review_level, 2);
  assert.equal((await decide(city, l)).status, 200);
  seen = await catalog(l);
  assert.equal(seen.speaker, '李老师');
  assert.equal(seen.description, '新的简介');
  const after = await pd.get(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(after.json.status, 'approved');
  assert.equal(after.json.revision, null);
  assert.equal(after.json.review.revisions, 1);
  // the history keeps both rounds
  const h = after.json.review.history.map((x) => x.action);
  assert.deepEqual(h, ['submit', 'approve', 'approve', 'submit', 'approve', 'approve']);
  assert.equal(after.json.review.history[3].opinion, '提交修订');
  assert.equal(after.json.review.versions.length, 2);
  // the search index follows
  const found = await pd.get(`/api/v1/search?q=${encodeURIComponent('李老师')}&kinds=lecture`);
  assert.equal(found.status, 200, found.body);
  assert.ok(found.json.items.some((x) => x.kind === 'lecture' && x.ref_id === l.id), found.body);
  // the submitter was told
  const notes = (await pd.get('/api/v1/notifications')).json.items;
  assert.ok(notes.some((x) => x.kind === 'review.decision' && x.title.includes('修订已审核通过')), JSON.stringify(notes.slice(0, 3)));
});

test('a returned or rejected revision leaves the published lecture untouched; it is edited again or discarded', async () => {
  const l = await published();
  assert.equal((await revise(l, { title: `${l.title}（改）`, place: '新地点' })).status, 200);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 200);
  assert.equal((await decide(pdReviewer, l, 'return')).status, 200);
  let got = await pd.get(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(got.json.status, 'approved');
  assert.equal(got.json.title, l.title);
  assert.equal(got.json.place, l.place);
  assert.equal(got.json.revision.status, 'returned');
  assert.equal(got.json.can_revise, true);
  assert.equal((await catalog(l)).title, l.title, 'members still see it as published');
  // edited again and resubmitted, then rejected: still untouched, still editable
  assert.equal((await revise(l, { place: '另一个地点' })).json.revision.status, 'editing');
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 200);
  assert.equal((await decide(pdReviewer, l, 'reject')).status, 200);
  got = await pd.get(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(got.json.status, 'approved', 'a rejected revision does not reject the lecture');
  assert.equal(got.json.place, l.place);
  assert.equal(got.json.revision.status, 'rejected');
  assert.equal((await catalog(l)).place, l.place);
  // withdrawn before the first decision
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 200);
  assert.equal((await pd.del(`/api/v1/lecture/lectures/${l.id}/revision`)).status, 409, 'not discarded while in review');
  const w = await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/withdraw`);
  assert.equal(w.status, 200, w.body);
  assert.equal(w.json.revision.status, 'editing');
  // discarded
  assert.equal((await pd.del(`/api/v1/lecture/lectures/${l.id}/revision`)).status, 204);
  got = await pd.get(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(got.json.revision, null);
  assert.equal(got.json.review.status, 'approved');
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 409, 'nothing to submit');
});

test('another district\'s organiser cannot revise (404); a draft is edited, not revised (409)', async () => {
  const l = await published();
  assert.equal((await hp.put(`/api/v1/lecture/lectures/${l.id}/revision`, { speaker: '黄浦' })).status, 404);
  assert.equal((await hp.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 404);
  assert.equal((await hp.del(`/api/v1/lecture/lectures/${l.id}/revision`)).status, 404);
  const when = Date.now() + 3 * DAY;
  const d = await pd.post('/api/v1/lecture/lectures', {
    title: '草稿讲堂', speaker: '王老师', place: '某地', capacity: 5, starts_at: iso(when), ends_at: iso(when + HOUR), org_id: pdOrg,
  });
  const r = await pd.put(`/api/v1/lecture/lectures/${d.json.id}/revision`, { speaker: '李老师' });
  assert.equal(r.status, 409, r.body);
  assert.equal((await revise(l, { speaker: l.speaker })).status, 422, 'a revision that changes nothing');
});

test('a capacity below the seats held is refused naming the count; booked members are told of a time change', async () => {
  const l = await published({ capacity: 5 });
  const sid = l.sessions[0].id;
  for (const m of members) assert.equal((await m.post(`/api/v1/lecture/sessions/${sid}/book`)).status, 201);
  const s0 = l.sessions[0];
  const shrink = await revise(l, { sessions: [{ id: sid, starts_at: s0.starts_at, ends_at: s0.ends_at, capacity: 1 }] });
  assert.equal(shrink.status, 422, shrink.body);
  assert.match(shrink.json.error.fields['sessions[0].capacity'], /2 人/);
  const past = await revise(l, { sessions: [{ id: sid, starts_at: iso(Date.now() - HOUR), ends_at: iso(Date.now()), capacity: 5 }] });
  assert.equal(past.status, 422, past.body);
  assert.ok(past.json.error.fields['sessions[0].starts_at']);
  const other = await revise(l, { sessions: [{ id: 999999, starts_at: s0.starts_at, ends_at: s0.ends_at, capacity: 5 }] });
  assert.equal(other.status, 422);
  // a later time, more seats, and a second session
  const later = Date.parse(s0.starts_at) + DAY;
  const ok = await revise(l, {
    sessions: [
      { id: sid, starts_at: iso(later), ends_at: iso(later + 2 * HOUR), capacity: 8 },
      { starts_at: iso(later + DAY), ends_at: iso(later + DAY + HOUR), capacity: 20 },
    ],
  });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json.revision.changes.sessions.length, 2);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 200);
  // members see the old time until approval, and are not told yet
  assert.equal((await catalog(l)).sessions[0].starts_at, s0.starts_at);
  const before = (await member.get('/api/v1/notifications')).json.items.filter((x) => x.kind === 'lecture.session_changed').length;
  assert.equal(before, 0);
  for (const who of [pdReviewer, city]) {
    const d = await decide(who, l);
    assert.equal(d.status, 200, d.body);
  }
  const seen = await catalog(l);
  assert.equal(seen.sessions.length, 2);
  assert.equal(Date.parse(seen.sessions[0].starts_at), later);
  assert.equal(seen.sessions[0].capacity, 8);
  assert.equal(seen.sessions[0].booked, 2, 'the bookings stay with their session');
  assert.equal(seen.sessions[1].capacity, 20);
  for (const m of members) {
    const notes = (await m.get('/api/v1/notifications')).json.items.filter((x) => x.kind === 'lecture.session_changed');
    assert.equal(notes.length, 1, 'each booked member is told once');
    assert.match(notes[0].title, /讲堂场次变更/);
    assert.match(notes[0].body, /改为/);
  }
  // a place change tells them too, with the new place
  assert.equal((await revise(l, { place: '浦东新区党群服务中心二楼' })).status, 200);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 200);
  for (const who of [pdReviewer, city]) assert.equal((await decide(who, l)).status, 200);
  const notes = (await member.get('/api/v1/notifications')).json.items.filter((x) => x.kind === 'lecture.session_changed');
  assert.equal(notes.length, 2);
  assert.match(notes[0].body, /二楼/);
});

test('a capacity cut that bookings overtook while the revision was in review is refused at approval (409), nothing applied', async () => {
  const l = await published({ capacity: 5 });
  const s0 = l.sessions[0];
  assert.equal((await revise(l, { speaker: '新老师', sessions: [{ id: s0.id, starts_at: s0.starts_at, ends_at: s0.ends_at, capacity: 1 }] })).status, 200);
  assert.equal((await pd.post(`/api/v1/lecture/lectures/${l.id}/revision/submit`)).status, 200);
  for (const m of members) assert.equal((await m.post(`/api/v1/lecture/sessions/${s0.id}/book`)).status, 201);
  assert.equal((await decide(pdReviewer, l)).status, 200);
  const d = await decide(city, l);
  assert.equal(d.status, 409, d.body);
  assert.match(d.json.error.message, /2 人/);
  const got = await pd.get(`/api/v1/lecture/lectures/${l.id}`);
  assert.equal(got.json.speaker, l.speaker);
  assert.equal(got.json.revision.status, 'in_review');
  assert.equal((await decide(city, l, 'return')).status, 200);
});
