// Notifications (消息中心) as their users meet them: a message reaches its
// recipient's list, unread count and open console (Server-Sent Events)
// within a second or two, and nobody else's; reading, reading all and
// deleting change only one's own inbox; an administrator's announcement
// reaches an organisation's users; the e-mail copy goes out through SMTP
// (a sink of our own) with its Chinese subject intact, and is retried when
// the server refuses; streams are capped, end with their session and do
// not hold up a shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { administrators } from './lib/contract.mjs';
import { startSmtpSink } from '../lib/smtp-sink.mjs';

const DEMO_PW = 'Zhendi@Demo2026';
let srv, sink, admin, auditor, pd, hp, orgs;

before(async () => {
  sink = await startSmtpSink();
  srv = await startServer({
    args: ['--demo', '--notify-smtp-url', sink.url, '--notify-smtp-from', '阵地管理平台 <noreply@zhendi.test>',
      '--notify-smtp-starttls=false', '--notify-console-url', 'https://zhendi.test', '--job-backoff-s', '1'],
  });
  const admins = await administrators(srv);
  admin = admins[0].client;
  auditor = admins[2].client;
  pd = await srv.login('pudong_dangwu', DEMO_PW);
  hp = await srv.login('huangpu_dangwu', DEMO_PW);
  const d = await admin.get('/api/v1/orgs?type=district&page_size=50');
  orgs = Object.fromEntries(d.json.items.map((o) => [o.short_name, o.id]));
});

after(async () => {
  await srv?.stop();
  await sink?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// `zhendi notify send` on the server's data: the test path into an inbox.
// It runs with the server's mail settings (in production: the shared
// zhendi.conf), since the process that writes the message queues its e-mail.
function send(user, title, extra = []) {
  const r = srv.cli(['notify', 'send', '--user', user, '--title', title, ...extra, '--notify-smtp-url', sink.url]);
  assert.equal(r.status, 0, r.stderr);
}
async function newest(client, title) {
  const l = await client.get('/api/v1/notifications?page_size=50');
  assert.equal(l.status, 200, l.body);
  return l.json.items.find((n) => n.title === title);
}
const unread = async (client) => (await client.get('/api/v1/notifications/unread-count')).json.count;

// An event stream read with fetch: its events as they come, with the time.
async function openStream(client, server = srv) {
  const ctrl = new AbortController();
  const res = await fetch(`${server.base}/api/v1/notifications/stream`, { headers: { cookie: client.cookie }, signal: ctrl.signal });
  const events = [];
  let wake = () => {};
  let ended = false;
  const done = (async () => {
    if (res.status !== 200) return;
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = { at: Date.now(), event: 'message', data: '', comment: null };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) ev.comment = line.slice(1).trim();
            else if (line.startsWith('event:')) ev.event = line.slice(6).trim();
            else if (line.startsWith('data:')) ev.data += line.slice(5).trim();
          }
          if (ev.data) ev.json = JSON.parse(ev.data);
          events.push(ev);
          wake();
        }
      }
    } catch { /* aborted */ }
    ended = true;
    wake();
  })();
  return {
    res, events, done,
    get ended() { return ended; },
    // the first event from index `from` that pred accepts
    async next(pred, timeoutMs = 5000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = events.slice(from).find(pred);
        if (e) return e;
        if (ended) throw new Error(`stream ended without the event (${JSON.stringify(events)})`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no such event in ${timeoutMs} ms (${JSON.stringify(events)})`);
        await new Promise((r) => { wake = r; setTimeout(r, Math.min(left, 200)); });
      }
    },
    close() { ctrl.abort(); },
  };
}
const unreadIs = (n) => (e) => e.event === 'unread' && e.json.count === n;

test('a message sent from the command line reaches its recipient\'s list and unread count, and nobody else\'s', async () => {
  const before = await unread(pd);
  send('pudong_dangwu', '审核结果：《社区党课》已通过', ['--body', '市级审核通过，可以发布。', '--link', '/review/items/12']);
  const m = await newest(pd, '审核结果：《社区党课》已通过');
  assert.ok(m, 'in the list');
  assert.equal(m.kind, 'system');
  assert.equal(m.body, '市级审核通过，可以发布。');
  assert.equal(m.link, '/review/items/12');
  assert.equal(m.read, false);
  assert.match(m.created_at, /^\d{4}-\d\d-\d\dT.*[+-]\d\d:\d\d$/);
  assert.equal(await unread(pd), before + 1);
  const onlyUnread = await pd.get('/api/v1/notifications?unread=true&kind=system');
  assert.ok(onlyUnread.json.items.some((n) => n.id === m.id));
  assert.equal((await pd.get('/api/v1/notifications?kind=review.new')).json.items.length, 0);
  assert.equal((await pd.get(`/api/v1/notifications/${m.id}`)).json.title, m.title);
  // another user: not in the list, and not found however it is asked for
  assert.ok(!(await hp.get('/api/v1/notifications?page_size=200')).json.items.some((n) => n.id === m.id));
  for (const [method, path] of [['GET', `/api/v1/notifications/${m.id}`], ['POST', `/api/v1/notifications/${m.id}/read`], ['DELETE', `/api/v1/notifications/${m.id}`]]) {
    const r = await hp.request(method, path);
    assert.equal(r.status, 404, `${method} ${path}: ${r.body}`);
  }
  assert.equal((await pd.get(`/api/v1/notifications/${m.id}`)).json.read, false, 'still unread');
  // the command is on the record; its to-do item points to the message centre
  const rec = await auditor.get('/api/v1/audit?action=notify.send');
  assert.ok(rec.json.total >= 1);
  const todo = (await pd.get('/api/v1/dashboard/todo')).json.items.find((i) => i.key === 'notify_unread');
  assert.deepEqual({ ...todo, count: undefined }, { key: 'notify_unread', title: '未读消息', count: undefined, link: '/notifications' });
  // labels for every kind
  const kinds = (await pd.get('/api/v1/dicts')).json.dicts.notify_kind.items.map((i) => `${i.value}=${i.label}`);
  assert.deepEqual(kinds, ['review.new=审核待办', 'review.decision=审核结果', 'review.override=豁免申请', 'live.cancelled=直播取消', 'system=系统消息', 'lecture.cancelled=讲堂取消', 'lecture.booking=讲堂预约', 'lecture.session_changed=讲堂场次变更', 'lecture.live=讲堂直播', 'course.booking=党课面授预约', 'course.session_cancelled=党课面授取消', 'course.session_changed=党课面授变更', 'bigdata.unreachable=大数据中心连接中断']);
});

test('reading, reading all and deleting change only the reader\'s own inbox', async () => {
  send('huangpu_dangwu', '黄浦的消息');
  const hpBefore = await unread(hp);
  for (const t of ['第一条', '第二条', '第三条']) send('pudong_dangwu', t);
  const first = await newest(pd, '第一条');
  const read = await pd.post(`/api/v1/notifications/${first.id}/read`);
  assert.equal(read.status, 200, read.body);
  assert.equal(read.json.read, true);
  assert.ok(read.json.read_at);
  assert.equal((await pd.post(`/api/v1/notifications/${first.id}/read`)).status, 200, 'twice is fine');
  assert.ok(!(await pd.get('/api/v1/notifications?unread=true&page_size=200')).json.items.some((n) => n.id === first.id));
  const all = await pd.post('/api/v1/notifications/read-all');
  assert.equal(all.status, 200, all.body);
  assert.ok(all.json.count >= 2);
  assert.equal(await unread(pd), 0);
  assert.equal(await unread(hp), hpBefore, 'another inbox is untouched');
  // reading is not audited (only the reader's inbox changes); deleting is
  const third = await newest(pd, '第三条');
  const del = await pd.del(`/api/v1/notifications/${third.id}`);
  assert.equal(del.status, 204, del.body);
  assert.equal((await pd.get(`/api/v1/notifications/${third.id}`)).status, 404);
  assert.equal((await pd.del(`/api/v1/notifications/${third.id}`)).status, 404);
  assert.ok(!(await pd.get('/api/v1/notifications?page_size=200')).json.items.some((n) => n.id === third.id));
  const rec = await auditor.get(`/api/v1/audit?action=notify.delete&target=notification:${third.id}`);
  assert.equal(rec.json.total, 1);
  // paging by key
  const p1 = (await pd.get('/api/v1/notifications?page_size=2')).json;
  const k2 = (await pd.get(`/api/v1/notifications?page_size=2&after=${p1.next_after}`)).json;
  assert.ok(p1.items.length === 2 && k2.items.length >= 1);
  assert.ok(k2.items[0].id < p1.items[1].id);
});

test('an open console hears of a new message within two seconds, from this server and from elsewhere', async () => {
  const s = await openStream(pd);
  assert.equal(s.res.status, 200);
  assert.match(s.res.headers.get('content-type'), /^text\/event-stream/);
  const first = await s.next((e) => e.event === 'unread', 2000);
  let count = first.json.count;
  // an announcement through this server: woken after its commit
  const t0 = Date.now();
  const b = await admin.post('/api/v1/notifications/broadcast', { org_id: orgs['浦东新区'], title: '今晚系统维护', body: '22:00 至 23:00 暂停服务。' });
  assert.equal(b.status, 200, b.body);
  assert.ok(b.json.count >= 1);
  const e1 = await s.next(unreadIs(count + 1), 2000);
  const local = e1.at - t0;
  count++;
  // a message written by another process (the command line): the poll
  const t1 = Date.now();
  send('pudong_dangwu', '来自命令行');
  const t2 = Date.now(); // the message is committed
  const e2 = await s.next(unreadIs(count + 1), 2000);
  const remote = e2.at - t2, cli = t2 - t1;
  count++;
  // reading all sets it to 0
  await pd.post('/api/v1/notifications/read-all');
  await s.next(unreadIs(0), 2000);
  console.log(`SSE latency: ${local} ms after a commit on this server (broadcast round trip included), ${remote} ms after the commit of another process (its run took ${cli} ms)`);
  assert.ok(local < 2000 && remote < 2000);
  s.close();
});

test('an announcement reaches an organisation\'s users, only from those allowed to send one', async () => {
  const before = await unread(hp);
  const pdBefore = await unread(pd);
  const r = await admin.post('/api/v1/notifications/broadcast', { org_id: orgs['黄浦区'], title: '黄浦区通知', link: '/storage' });
  assert.equal(r.status, 200, r.body);
  assert.ok(r.json.count >= 1 && r.json.capped === false);
  assert.equal(await unread(hp), before + 1);
  assert.equal(await unread(pd), pdBefore, 'not Pudong');
  const m = await newest(hp, '黄浦区通知');
  assert.equal(m.kind, 'system');
  assert.equal(m.org_id, orgs['黄浦区']);
  assert.equal(m.created_by, admin.me.user.id);
  assert.equal((await auditor.get('/api/v1/audit?action=notify.broadcast&user=admin')).json.total >= 1, true);
  assert.equal((await hp.post('/api/v1/notifications/broadcast', { org_id: orgs['黄浦区'], title: 'x' })).status, 403);
  const bad = await admin.post('/api/v1/notifications/broadcast', { org_id: orgs['黄浦区'], title: 'x', link: 'https://evil.example/' });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.link);
});

test('an e-mail copy goes out through SMTP with its subject and text intact, and a refusal is retried', async () => {
  const id = pd.me.user.id;
  const p = await admin.patch(`/api/v1/users/${id}`, { email: 'pudong@zhendi.test' });
  assert.equal(p.status, 200, p.body);
  const title = '审核结果：《“两新”组织党建工作案例汇编（2026年第一辑）》已通过市级审核';
  send('pudong_dangwu', title, ['--body', '请登录平台查看审核意见。\n第二行。', '--link', '/review/items/12']);
  const mail = await sink.waitFor((m) => m.rcpt.includes('pudong@zhendi.test') && m.subject === title, 15000);
  assert.equal(mail.from, 'noreply@zhendi.test');
  assert.match(mail.headers['content-type'], /^text\/plain; charset=UTF-8$/i);
  assert.equal(mail.headers['content-transfer-encoding'].toLowerCase(), 'base64');
  assert.match(mail.headers.subject, /^=\?UTF-8\?B\?/);
  assert.ok(mail.headers['message-id'] && mail.headers.date);
  assert.match(mail.headers.from, /<noreply@zhendi\.test>$/);
  assert.ok(mail.text.includes('请登录平台查看审核意见。\r\n第二行。'), mail.text);
  assert.ok(mail.text.includes('https://zhendi.test/review/items/12'));
  assert.ok(mail.text.includes('类型：系统消息'));
  // the queue holds the message's id, never the address
  const jobs = (await admin.get('/api/v1/jobs?kind=notify.mail&page_size=200')).json.items;
  assert.ok(jobs.length >= 1);
  assert.ok(!JSON.stringify(jobs).includes('pudong@zhendi.test'));
  // the server refuses once: the job fails that attempt and is retried
  sink.failNext(1, 451);
  send('pudong_dangwu', '重试的邮件');
  const again = await sink.waitFor((m) => m.subject === '重试的邮件', 20000);
  assert.ok(again);
  let job;
  for (let i = 0; i < 50; i++) {
    job = (await admin.get('/api/v1/jobs?kind=notify.mail&page_size=1')).json.items[0];
    if (job.status === 'done') break;
    await sleep(100);
  }
  assert.equal(job.status, 'done');
  const detail = (await admin.get(`/api/v1/jobs/${job.id}`)).json;
  assert.equal(detail.runs.length, 2);
  assert.match(detail.runs[0].error, /SMTP/);
  // a user without an address gets no mail and no job
  const n = (await admin.get('/api/v1/jobs?kind=notify.mail&page_size=1')).json.total;
  send('huangpu_dangwu', '没有邮箱');
  await sleep(300);
  assert.equal((await admin.get('/api/v1/jobs?kind=notify.mail&page_size=1')).json.total, n);
});

test('a stream ends with its session', async () => {
  const pd2 = await srv.login('pudong_dangwu', DEMO_PW);
  const s = await openStream(pd2);
  await s.next((e) => e.event === 'unread', 2000);
  assert.equal((await pd2.post('/api/v1/auth/logout')).status, 204);
  send('pudong_dangwu', '登出之后'); // the wake re-checks the session
  const end = await s.next((e) => e.event === 'end', 3000);
  assert.equal(end.json.reason, 'session');
  await s.done;
  assert.ok(s.ended);
  const again = await fetch(`${srv.base}/api/v1/notifications/stream`, { headers: { cookie: pd2.cookie } });
  assert.equal(again.status, 401);
});

test('streams are capped, and open ones do not hold up a shutdown', async () => {
  const small = await startServer({ args: ['--notify-max-streams', '2'] });
  try {
    const a = await small.admin();
    const s1 = await openStream(a, small), s2 = await openStream(a, small);
    await s1.next((e) => e.event === 'unread', 2000);
    await s2.next((e) => e.event === 'unread', 2000);
    const third = await a.get('/api/v1/notifications/stream');
    assert.equal(third.status, 503);
    assert.equal(third.json.error.code, 'too_many_streams');
    s1.close();
    await s1.done;
    // the server notices a gone client at its next write at the latest
    let s3;
    for (let i = 0; i < 50 && !s3; i++) {
      const t = await openStream(a, small);
      if (t.res.status === 200) s3 = t;
      else await sleep(500);
    }
    assert.ok(s3, 'a place is free again');
    await s3.next((e) => e.event === 'unread', 2000);
    // SIGTERM with two streams open: both end cleanly, the server exits at once
    const t0 = Date.now();
    const { code } = await small.stop();
    const ms = Date.now() - t0;
    await Promise.all([s2.done, s3.done]);
    console.log(`shutdown with 2 open streams: ${ms} ms`);
    assert.equal(code, 0);
    assert.ok(s2.ended && s3.ended);
    assert.ok(ms < 5000, `${ms} ms`);
  } finally {
    if (small.proc.exitCode === null) await small.stop();
  }
});

test('fifty open consoles do not occupy the server\'s threads, and one message reaches them all', async () => {
  const two = await startServer({ args: ['--threads', '2'] });
  try {
    const a = await two.admin();
    const streams = [];
    for (let i = 0; i < 50; i++) streams.push(await openStream(a, two));
    await Promise.all(streams.map((s) => s.next((e) => e.event === 'unread', 5000)));
    // two HTTP threads, fifty streams: ordinary requests are answered at once
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) assert.equal((await two.get('/healthz')).status, 200);
    const ten = Date.now() - t0;
    const t1 = Date.now();
    const r = two.cli(['notify', 'send', '--user', 'admin', '--title', '五十个控制台']);
    assert.equal(r.status, 0, r.stderr);
    const t2 = Date.now();
    const got = await Promise.all(streams.map((s) => s.next(unreadIs(1), 3000)));
    const last = Math.max(...got.map((e) => e.at)) - t2;
    console.log(`50 streams on 2 threads: 10 requests in ${ten} ms; the last stream heard of a message ${last} ms after its commit (the command took ${t2 - t1} ms)`);
    assert.ok(ten < 2000, `${ten} ms`);
    for (const s of streams) s.close();
  } finally {
    await two.stop();
  }
});
