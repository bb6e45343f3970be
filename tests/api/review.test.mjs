// The review engine and grassroots submissions, as their users meet them: a
// district worker writes an article, the district reviewer returns it, the
// worker edits and resubmits, the district and then the city approve it;
// decisions race, proofreading blocks, a reviewer overrides, a district never
// sees another's items, photos keep their EXIF time and are found by it, a
// video is transcoded and its frames proofread before review, statistics add
// up and export.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { upload } from './lib/upload.mjs';
import { administrators, makeUser } from './lib/contract.mjs';

let srv, admin, pd, hp, pdRev, pdRev2, hpRev, city, work, pdOrg, hpOrg;
const DEMO = 'Zhendi@Demo2026';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-review-'));
  srv = await startServer({ args: ['--demo'] });
  const admins = await administrators(srv);
  admin = admins[0].client;
  const sec = admins[1].client;
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  pdRev = await srv.login('pudong_shenhe', DEMO);
  city = await srv.login('shi_shenhe', DEMO);
  pdOrg = pd.me.user?.org_id ?? pd.me.org_id;
  hpOrg = hp.me.user?.org_id ?? hp.me.org_id;
  pdRev2 = await makeUser(srv, admin, { username: 'pd_rev2', orgId: pdOrg, roles: ['district_reviewer'], grantBy: sec });
  hpRev = await makeUser(srv, admin, { username: 'hp_rev', orgId: hpOrg, roles: ['district_reviewer'], grantBy: sec });
});

after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
async function newArticle(client, org, body = '<p>社区党群服务中心开展主题党日活动，党员同志积极参加。</p>', extra = {}) {
  const r = await client.post('/api/v1/articles', {
    title: `主题党日活动纪实${++n}`, category: 'news', author_type: 'org', author: '陆家嘴街道党工委', org_id: org,
    body_html: body, ...extra,
  });
  assert.equal(r.status, 201, r.body);
  return r.json;
}
const decide = (client, a, action, opinion, version) =>
  client.post(`/api/v1/review/items/${a.review_id}/decision`, { action, opinion, ...(version ? { version } : {}) });

test('an article goes district → returned → resubmitted → district → city → approved, with its whole history', async () => {
  const a = await newArticle(pd, pdOrg);
  assert.equal(a.status, 'draft');
  const unread = async (c) => (await c.get('/api/v1/notifications/unread-count')).json.count;
  const [revBefore, cityBefore, hpBefore] = [await unread(pdRev), await unread(city), await unread(hpRev)];
  let s = await pd.post(`/api/v1/articles/${a.id}/submit`);
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.status, 'in_review');
  assert.equal(s.json.review.level_title, '区级审核');
  // the district's reviewers are told, not the city's, not another district's
  assert.equal(await unread(pdRev), revBefore + 1);
  assert.equal(await unread(city), cityBefore);
  assert.equal(await unread(hpRev), hpBefore);
  const note = (await pdRev.get('/api/v1/notifications?kind=review.new')).json.items[0];
  assert.match(note.title, new RegExp(a.title));
  assert.equal(note.link, `/submission/articles/${a.id}`);
  // the city cannot decide at the district's level
  assert.equal((await decide(city, a, 'approve', '同意')).status, 403);
  // the district reviewer finds it in the queue and returns it
  const q = (await pdRev.get('/api/v1/review/queue?kind=article')).json;
  assert.ok(q.items.some((x) => x.ref_id === a.id), JSON.stringify(q));
  const counts = (await pdRev.get('/api/v1/review/queue/counts')).json;
  assert.ok(counts.kinds.article >= 1);
  // and on the home page, as a to-do item
  const todo = await pdRev.get('/api/v1/dashboard/todo');
  assert.equal(todo.status, 200, todo.body);
  assert.equal(todo.json.items.find((t) => t.key === 'review.queue').count, counts.total);
  let d = await decide(pdRev, a, 'return', '请补充活动参加人数。');
  assert.equal(d.status, 200, d.body);
  assert.equal(d.json.status, 'returned');
  // the submitter is told, with the opinion
  const told = (await pd.get('/api/v1/notifications?kind=review.decision')).json.items[0];
  assert.match(told.title, /退回修改/);
  assert.equal(told.body, '请补充活动参加人数。');
  // the worker edits and resubmits: a second version
  const p = await pd.patch(`/api/v1/articles/${a.id}`, { body_html: '<p>社区党群服务中心开展主题党日活动，共有 36 名党员参加。</p>' });
  assert.equal(p.status, 200, p.body);
  s = await pd.post(`/api/v1/articles/${a.id}/submit`);
  assert.equal(s.status, 200, s.body);
  assert.equal(s.json.review.version, 2);
  d = await decide(pdRev, a, 'approve', '同意。', 2);
  assert.equal(d.status, 200, d.body);
  assert.equal(d.json.status, 'in_review');
  assert.equal(d.json.level, 2);
  // now the district reviewer has nothing more to do; the city does
  assert.equal((await decide(pdRev, a, 'approve', '再次同意')).status, 409, 'it has moved on to the city');
  assert.ok((await city.get('/api/v1/review/queue')).json.items.some((x) => x.ref_id === a.id));
  d = await decide(city, a, 'approve', '同意发布。');
  assert.equal(d.status, 200, d.body);
  assert.equal(d.json.status, 'approved');
  const fin = (await pd.get(`/api/v1/articles/${a.id}`)).json;
  assert.equal(fin.status, 'approved');
  assert.ok(fin.published_at);
  const h = fin.review.history.map((x) => `${x.action}@${x.level}`);
  assert.deepEqual(h, ['submit@0', 'return@1', 'submit@0', 'approve@1', 'approve@2']);
  assert.equal(fin.review.history[1].opinion, '请补充活动参加人数。');
  assert.ok(fin.review.history.every((x) => x.actor_name && x.created_at));
  // both versions kept, and their contents differ where the worker edited
  const v1 = (await pd.get(`/api/v1/review/items/${a.review_id}/versions/1`)).json;
  const v2 = (await pd.get(`/api/v1/review/items/${a.review_id}/versions/2`)).json;
  assert.match(v1.snapshot.body_html, /积极参加/);
  assert.match(v2.snapshot.body_html, /36 名党员/);
  // an approved article can no longer be edited
  assert.equal((await pd.patch(`/api/v1/articles/${a.id}`, { title: '改' })).status, 409);
});

test('a rejected article is final: it cannot be resubmitted or edited', async () => {
  const a = await newArticle(pd, pdOrg);
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 200);
  const d = await decide(pdRev, a, 'reject', '内容与阵地工作无关。');
  assert.equal(d.status, 200, d.body);
  assert.equal(d.json.status, 'rejected');
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 409);
  assert.equal((await pd.patch(`/api/v1/articles/${a.id}`, { title: '换个标题' })).status, 409);
});

test('two reviewers deciding the same article at once: exactly one wins, the other gets 409', async () => {
  for (let round = 0; round < 3; round++) {
    const a = await newArticle(pd, pdOrg);
    assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 200);
    const rs = await Promise.all([decide(pdRev, a, 'approve', '同意'), decide(pdRev2, a, 'return', '退回')]);
    const codes = rs.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 409], rs.map((r) => r.body).join('\n'));
    const item = (await pdRev.get(`/api/v1/review/items/${a.review_id}`)).json;
    assert.equal(item.history.filter((x) => x.level === 1).length, 1, 'one decision recorded');
  }
});

test('a submitter may withdraw before the first decision, not after', async () => {
  const a = await newArticle(pd, pdOrg);
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 200);
  const w = await pd.post(`/api/v1/articles/${a.id}/withdraw`);
  assert.equal(w.status, 200, w.body);
  assert.equal(w.json.status, 'withdrawn');
  assert.ok(!(await pdRev.get('/api/v1/review/queue')).json.items.some((x) => x.ref_id === a.id));
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 200);
  assert.equal((await decide(pdRev, a, 'approve', '同意')).status, 200);
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/withdraw`)).status, 409);
  // and only the submitter acts on a submission
  const b = await newArticle(pd, pdOrg);
  assert.equal((await pdRev.post(`/api/v1/articles/${b.id}/submit`)).status, 403);
});

test('a wrong official formulation blocks submission until a district reviewer overrides it for that text', async () => {
  const a = await newArticle(pd, pdOrg, '<p>坚决维护以习近平总书记为核心的党中央权威。</p>');
  const chk = await pd.post('/api/v1/articles/check', { title: a.title, body_html: '<p>坚决维护以习近平总书记为核心的党中央权威。</p>' });
  assert.equal(chk.status, 200, chk.body);
  assert.ok(chk.json.blocks >= 1);
  assert.ok(chk.json.findings.some((f) => f.severity === 'block' && f.source === 'body'));
  const s = await pd.post(`/api/v1/articles/${a.id}/submit`);
  assert.equal(s.status, 422, s.body);
  assert.equal(s.json.error.code, 'proofread_block');
  assert.ok(s.json.findings.some((f) => f.suggestion === '以习近平同志为核心的党中央'));
  assert.equal((await pd.get(`/api/v1/articles/${a.id}`)).json.status, 'draft');
  // the reviewer sees what was blocked and may let this very text through
  const item = (await pdRev.get(`/api/v1/review/items/${a.review_id}`)).json;
  assert.equal(item.blocked, true);
  assert.equal(item.can_override, true);
  assert.equal((await hpRev.post(`/api/v1/review/items/${a.review_id}/override`, { reason: '原文引用' })).status, 404);
  const o = await pdRev.post(`/api/v1/review/items/${a.review_id}/override`, { reason: '经核实为引用历史文件原文' });
  assert.equal(o.status, 200, o.body);
  const ok = await pd.post(`/api/v1/articles/${a.id}/submit`);
  assert.equal(ok.status, 200, ok.body);
  const v = (await pdRev.get(`/api/v1/review/items/${a.review_id}/versions/1`)).json;
  assert.equal(v.overridden, true);
  assert.ok(v.findings.some((f) => f.severity === 'block'), 'the reviewer still sees the finding');
});

test('an override does not cover changed text', async () => {
  const a = await newArticle(pd, pdOrg, '<p>以习近平主席为核心的党中央。</p>');
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 422);
  assert.equal((await pdRev.post(`/api/v1/review/items/${a.review_id}/override`, { reason: '引用' })).status, 200);
  await pd.patch(`/api/v1/articles/${a.id}`, { body_html: '<p>以习近平主席为核心的党中央。新增一句。</p>' });
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 422);
});

test('script, event handlers and javascript: links never survive in an article body', async () => {
  const evil = '<p onclick="alert(1)">正文<script>alert(1)</script><img src=x onerror=alert(1)>'
    + '<a href="javascript:alert(1)">链接</a><a href=" JaVaScRiPt:alert(2)">二</a><iframe src="//evil"></iframe>'
    + '<svg onload=alert(3)></svg><strong style="color: red; background: url(javascript:x)">重点</strong></p>';
  // an image that is not uploaded through the platform is refused outright
  const r0 = await pd.post('/api/v1/articles', { title: 'x', category: 'news', author_type: 'person', author: '张三', org_id: pdOrg, body_html: evil });
  assert.equal(r0.status, 422, r0.body);
  const a = await newArticle(pd, pdOrg, evil.replace('<img src=x onerror=alert(1)>', ''));
  const html = (await pd.get(`/api/v1/articles/${a.id}`)).json.body_html;
  for (const bad of [/<script/i, /onclick/i, /onerror/i, /javascript:/i, /<iframe/i, /<svg/i, /onload/i, /url\(/i])
    assert.doesNotMatch(html, bad, html);
  assert.match(html, /正文/);
  assert.match(html, /<strong style="color: red;">重点<\/strong>/);
});

test('a district-B reviewer never sees district-A items: queue, lists, counts, statistics', async () => {
  const a = await newArticle(pd, pdOrg);
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 200);
  assert.equal((await hpRev.get(`/api/v1/articles/${a.id}`)).status, 404);
  assert.equal((await hpRev.get(`/api/v1/review/items/${a.review_id}`)).status, 404);
  assert.equal((await decide(hpRev, a, 'approve', '同意')).status, 404);
  const q = (await hpRev.get('/api/v1/review/queue')).json;
  assert.ok(!q.items.some((x) => x.org_id === pdOrg), JSON.stringify(q.items));
  assert.equal((await hpRev.get('/api/v1/review/queue/counts')).json.total, 0);
  const items = (await hpRev.get('/api/v1/review/items?page_size=200')).json;
  assert.ok(items.items.every((x) => x.org_id !== pdOrg));
  const list = (await hpRev.get(`/api/v1/articles?q=${encodeURIComponent(a.title)}`)).json;
  assert.equal(list.total, 0);
  const st = (await hpRev.get('/api/v1/review/stats?group=district')).json;
  assert.ok(st.items.every((x) => x.key !== pdOrg && x.label !== '浦东新区'), JSON.stringify(st.items));
  assert.equal(st.status.in_review, 0);
  // a Huangpu worker cannot file for Pudong
  const r = await hp.post('/api/v1/articles', { title: 't', category: 'news', author_type: 'org', author: 'a', org_id: pdOrg, body_html: '<p>x</p>' });
  assert.equal(r.status, 422);
});

test('statistics count submissions, returns and approvals by kind and district, time per level, and export', async () => {
  const st = (await city.get('/api/v1/review/stats?group=kind')).json;
  const art = st.items.find((x) => x.key === 'article');
  assert.ok(art, JSON.stringify(st));
  assert.equal(art.label, '文章');
  assert.ok(art.submitted >= 8 && art.approved >= 1 && art.returned >= 1 && art.rejected >= 1 && art.withdrawn >= 1, JSON.stringify(art));
  assert.ok(st.levels.find((l) => l.level === 1).decided >= 5);
  assert.ok(st.status.approved >= 1 && st.status.draft >= 1);
  // the current counts kept with every change agree with the items themselves
  for (const [status, count] of Object.entries(st.status))
    assert.equal((await city.get(`/api/v1/review/items?status=${status}&page_size=1`)).json.total, count, status);
  const byDistrict = (await city.get('/api/v1/review/stats?group=district')).json;
  assert.ok(byDistrict.items.some((x) => x.label === '浦东新区' || /浦东/.test(x.label)), JSON.stringify(byDistrict.items));
  const month = (await city.get('/api/v1/review/stats?group=month')).json;
  assert.match(month.items[0].key, /^\d{4}-\d{2}$/);
  assert.equal((await city.get('/api/v1/review/stats?from=2026-13')).status, 422);
  const x = await fetch(`${srv.base}/api/v1/review/stats/export?group=district`, { headers: { cookie: city.cookie } });
  assert.equal(x.status, 200);
  const buf = Buffer.from(await x.arrayBuffer());
  assert.equal(buf.subarray(0, 2).toString(), 'PK');
  const f = join(work, 's.xlsx');
  writeFileSync(f, buf);
  const sheet = execFileSync('unzip', ['-p', f], { encoding: 'utf8' });
  assert.match(execFileSync('unzip', ['-l', f], { encoding: 'utf8' }), /xl\/worksheets\/sheet1.xml/);
  assert.match(sheet, /退回修改/);
});

test('an administrator sets a one-level chain; new submissions follow it, items in review keep theirs', async () => {
  const before = await newArticle(pd, pdOrg);
  assert.equal((await pd.post(`/api/v1/articles/${before.id}/submit`)).status, 200);
  const c = await admin.put('/api/v1/review/chains/article', { levels: [{ org_type: 'district' }] });
  assert.equal(c.status, 200, c.body);
  assert.equal(c.json.levels.length, 1);
  assert.equal((await admin.put('/api/v1/review/chains/article', { levels: [{ org_type: 'city' }, { org_type: 'district' }] })).status, 422);
  const a = await newArticle(pd, pdOrg);
  assert.equal((await pd.post(`/api/v1/articles/${a.id}/submit`)).status, 200);
  assert.equal((await decide(pdRev, a, 'approve', '同意')).json.status, 'approved');
  assert.equal((await decide(pdRev, before, 'approve', '同意')).json.status, 'in_review', 'the old item still goes to the city');
  assert.equal((await admin.del('/api/v1/review/chains/article')).status, 200);
  assert.equal((await admin.get('/api/v1/review/chains')).json.items.find((k) => k.kind === 'article').levels.length, 2);
});

// ---- photos and videos: uploaded through tus first ----

async function until(fn, what, tries = 900) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('photos keep their EXIF shooting time, are found by time and activity type, and download in two sizes', async () => {
  const jpg = join(work, 'p.jpg');
  execFileSync('convert', ['-size', '640x480', 'gradient:red-blue', jpg]);
  execFileSync('exiftool', ['-q', '-overwrite_original', '-DateTimeOriginal=2026:07:01 09:30:00', jpg]);
  const f1 = await upload(pd, readFileSync(jpg), { filename: '七一合影.jpg', purpose: 'photo' });
  await until(async () => (await pd.get(`/api/v1/storage/files/${f1}`)).json.media_status === 'ready', 'thumbnails');
  const s = await pd.post('/api/v1/photo-sets', {
    title: '七一主题党日活动照片', activity_type: 'theme_day', place: '陆家嘴党群服务中心', org_id: pdOrg,
    photos: [{ file_id: f1, title: '全体合影' }],
  });
  assert.equal(s.status, 201, s.body);
  assert.match(s.json.shot_at, /^2026-07-01/);
  const photo = s.json.photos[0];
  assert.match(photo.shot_at, /^2026-07-01/);
  // the file left the shared space
  assert.equal((await pd.get(`/api/v1/storage/files/${f1}`)).status, 404);
  const mine = (await pd.get('/api/v1/photos?mine=true&activity_type=theme_day&from=2026-07-01T00:00:00%2B08:00&to=2026-07-02T00:00:00%2B08:00')).json;
  assert.ok(mine.items.some((p) => p.id === photo.id), JSON.stringify(mine));
  assert.equal((await pd.get('/api/v1/photos?mine=true&from=2026-08-01T00:00:00%2B08:00')).json.items.filter((p) => p.id === photo.id).length, 0);
  assert.equal((await pd.get(`/api/v1/photos?q=${encodeURIComponent('全体合影')}`)).json.items[0].id, photo.id);
  const web = await fetch(`${srv.base}${photo.web_url}`, { headers: { cookie: pd.cookie } });
  assert.equal(web.status, 200);
  assert.equal(web.headers.get('content-type'), 'image/jpeg');
  const orig = await fetch(`${srv.base}/api/v1/photos/${photo.id}/file?variant=original`, { headers: { cookie: pd.cookie } });
  assert.equal(orig.status, 200);
  assert.equal(Buffer.from(await orig.arrayBuffer()).length, readFileSync(jpg).length);
  assert.equal((await hp.get(`/api/v1/photos/${photo.id}/file`)).status, 404);
  // edit while a draft, not once in review
  assert.equal((await pd.patch(`/api/v1/photos/${photo.id}`, { place: '浦东新区' })).status, 200);
  assert.equal((await pd.post(`/api/v1/photo-sets/${s.json.id}/submit`)).status, 200);
  assert.equal((await pd.patch(`/api/v1/photos/${photo.id}`, { place: '别处' })).status, 409);
  assert.equal((await pd.del(`/api/v1/photos/${photo.id}`)).status, 409);
});

test('a video is reviewable only once transcoded and its frames proofread; approval tags it', async () => {
  const mp4 = join(work, 'v.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=640x360:d=2:r=10', '-vf',
    "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='PARTY LESSON':fontsize=48:x=40:y=150:fontcolor=black",
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', mp4]);
  const fid = await upload(pd, readFileSync(mp4), { filename: '党课.mp4', purpose: 'video' });
  const v = await pd.post('/api/v1/videos', {
    title: '学习贯彻党的二十大精神专题党课', course: '系列党课·第一讲', lecturer: '张老师',
    description: '深入学习贯彻党的二十大精神，推进基层党建工作。', org_id: pdOrg, file_id: fid,
  });
  assert.equal(v.status, 201, v.body);
  const early = await pd.post(`/api/v1/videos/${v.json.id}/submit`);
  assert.equal(early.status, 409, 'not before it is transcoded and checked');
  assert.equal(early.json.error.code, 'not_ready');
  const ready = await until(async () => {
    const x = (await pd.get(`/api/v1/videos/${v.json.id}`)).json;
    return x.file.media_status === 'ready' && x.check_status === 'done' ? x : null;
  }, 'transcoding and frame check');
  assert.ok(Array.isArray(ready.check_findings), JSON.stringify(ready));
  assert.ok(ready.duration_ms >= 1800 && ready.duration_ms <= 2300, String(ready.duration_ms));
  const master = await pd.get(ready.hls_url);
  assert.equal(master.status, 200);
  assert.match(master.body, /#EXTM3U/);
  assert.equal((await pd.post(`/api/v1/videos/${v.json.id}/submit`)).status, 200);
  const item = { review_id: ready.review_id };
  assert.equal((await decide(pdRev, item, 'approve', '同意')).status, 200);
  assert.equal((await decide(city, item, 'approve', '同意')).status, 200);
  const done = (await pd.get(`/api/v1/videos/${v.json.id}`)).json;
  assert.equal(done.status, 'approved');
  assert.ok(done.tags.length >= 1 && done.tags.length <= 5, JSON.stringify(done.tags));
  assert.ok(done.tags.some((t) => /党课|二十大|精神|基层|党建/.test(t)), JSON.stringify(done.tags));
});
