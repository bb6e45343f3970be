// The HTTP contract of the platform itself: health, metrics, error envelope,
// limits, headers, static console files, graceful shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startServer } from './lib/server.mjs';

let srv, web, admin;
before(async () => {
  web = mkdtempSync(join(tmpdir(), 'zhendi-web-'));
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>阵地</title>');
  mkdirSync(join(web, 'm'));
  writeFileSync(join(web, 'm', 'index.html'), '<!doctype html><title>党员服务</title>');
  writeFileSync(join(web, 'assets', 'app-1a2b3c.js'), 'console.log("hi")');
  writeFileSync(join(web, 'assets', 'app-1a2b3c.js.gz'), gzipSync('console.log("hi")'));
  srv = await startServer({ args: ['--web-root', web] });
  admin = await srv.admin();
});
after(async () => {
  const r = await srv.stop();
  assert.equal(r.code, 0, 'clean exit on SIGTERM');
});

function assertEnvelope(r, status, code) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json?.error?.code, code, r.body);
  assert.equal(typeof r.json.error.message, 'string');
}

test('healthz answers ok when the database answers', async () => {
  const r = await srv.get('/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
});

test('every response carries a request id and the security headers', async () => {
  const r = await srv.get('/healthz');
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.ok(r.headers.get('content-security-policy').includes("default-src 'self'"));
  assert.ok(r.headers.get('referrer-policy'));
});

test('a sane client request id is echoed, a hostile one replaced', async () => {
  let r = await srv.get('/healthz', { headers: { 'x-request-id': 'abc-123.x' } });
  assert.equal(r.headers.get('x-request-id'), 'abc-123.x');
  r = await srv.get('/healthz', { headers: { 'x-request-id': 'a b<script>' } });
  assert.notEqual(r.headers.get('x-request-id'), 'a b<script>');
});

test('unknown API path is 404 and wrong method 405, both in the error envelope', async () => {
  assertEnvelope(await admin.get('/api/v1/no-such-thing'), 404, 'not_found');
  const r = await srv.del('/healthz');
  assertEnvelope(r, 405, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'GET');
});

test('malformed JSON is 400, wrong content type 415, oversize body 413', async () => {
  assertEnvelope(await admin.request('PATCH', '/api/v1/schedules/1', { raw: '{"cron":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
  assertEnvelope(await admin.request('PATCH', '/api/v1/schedules/1', { raw: 'cron=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
  // a body over the JSON limit is refused on its announced length
  assertEnvelope(await admin.announce('PATCH', '/api/v1/schedules/1', { headers: { 'content-type': 'application/json' }, length: 1100 * 1024 }), 413, 'payload_too_large');
});

test('deeply nested JSON and invalid UTF-8 are refused with 400', async () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  assertEnvelope(await admin.patch('/api/v1/schedules/1', deep), 400, 'invalid_json');
  const bad = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  assertEnvelope(await admin.request('PATCH', '/api/v1/schedules/1', { raw: bad, headers: { 'content-type': 'application/json' } }), 400, 'invalid_utf8');
  // duplicate keys are ambiguous: refused
  assertEnvelope(await admin.patch('/api/v1/schedules/1', '{"title":"a","title":"b"}'), 400, 'invalid_json');
});

test('invalid fields are 422 with a reason per field', async () => {
  const r = await admin.patch('/api/v1/schedules/1', { cron: '61 * * * *', enabled: 'yes' });
  assertEnvelope(r, 422, 'invalid_fields');
  assert.ok(r.json.error.fields.cron);
  assert.ok(r.json.error.fields.enabled);
});

test('lists page with page and page_size, page_size capped at 200', async () => {
  const r = await admin.get('/api/v1/schedules?page=1&page_size=1000');
  assert.equal(r.status, 200);
  assert.equal(r.json.page, 1);
  assert.equal(r.json.page_size, 200);
  assert.ok(r.json.total >= 1);
  assertEnvelope(await admin.get('/api/v1/schedules?page=zero'), 422, 'invalid_fields');
});

test('metrics are Prometheus text with routes, statuses, latency, jobs and pool', async () => {
  await srv.get('/healthz');
  const r = await srv.get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  assert.match(r.body, /zhendi_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  assert.match(r.body, /zhendi_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="\+Inf"\}/);
  assert.match(r.body, /zhendi_http_requests_in_flight \d+/);
  assert.match(r.body, /zhendi_jobs_due \d+/);
  assert.match(r.body, /zhendi_db_pool_connections\{state="in_use"\} \d+/);
});

test('console files: MIME, ETag and 304, gzip, immutable assets, SPA fallback', async () => {
  let r = await srv.get('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  const etag = r.headers.get('etag');
  assert.ok(etag);
  r = await srv.get('/', { headers: { 'if-none-match': etag } });
  assert.equal(r.status, 304);
  r = await srv.get('/assets/app-1a2b3c.js', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'console.log("hi")');
  assert.match(r.headers.get('content-type'), /javascript/);
  assert.match(r.headers.get('cache-control'), /immutable/);
  r = await srv.get('/orgs/12/edit');
  assert.equal(r.status, 200, 'client-side route falls back to index.html');
  assert.match(r.body, /阵地/);
  assertEnvelope(await srv.get('/assets/missing-000.js'), 404, 'not_found');
  assertEnvelope(await srv.get('/.git/config'), 404, 'not_found');
  for (const path of ['/../../etc/passwd', '/assets/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
    const raw = await rawRequest(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.doesNotMatch(raw, /root:/, path);
  }
});

test('a large JSON answer is gzip-compressed for a client that accepts it; small ones and other clients get it plain', async () => {
  const get = (enc, path = '/api/v1/openapi.json') => fetch(srv.base + path, { headers: { cookie: admin.cookie, 'accept-encoding': enc } });
  const plain = await get('identity');
  assert.equal(plain.headers.get('content-encoding'), null);
  const body = await plain.text();
  assert.ok(Buffer.byteLength(body) > 16384, 'the OpenAPI document is large');
  const gz = await get('gzip, deflate');
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.equal(gz.headers.get('vary'), 'Accept-Encoding');
  assert.ok(Number(gz.headers.get('content-length')) < Buffer.byteLength(body) / 4, 'at least 4× smaller');
  assert.equal(await gz.text(), body, 'the same document once inflated');
  assert.equal((await get('gzip;q=0')).headers.get('content-encoding'), null, 'q=0 refuses gzip');
  // a small answer (the session, with its CSRF token) is never compressed
  assert.equal((await get('gzip', '/api/v1/auth/me')).headers.get('content-encoding'), null);
});

test('the members\' pages under /m/ fall back to their own index.html, everything else to the console\'s', async () => {
  for (const path of ['/m/', '/m', '/m/bookings', '/m/lectures/12', '/m/checkin?token=1.abc']) {
    const r = await srv.get(path);
    assert.equal(r.status, 200, path);
    assert.match(r.body, /党员服务/, `${path}: the members' index`);
    assert.equal(r.headers.get('cache-control'), 'no-cache', path);
  }
  for (const path of ['/mx', '/members', '/lecture/lectures']) {
    const r = await srv.get(path);
    assert.match(r.body, /<title>阵地<\/title>/, `${path}: the console's index`);
  }
});

// Sends bytes on a fresh connection; resolves with what came back before the
// server closed it or `ms` passed.
function rawRequest(bytes, ms = 3000) {
  return new Promise((resolve) => {
    let out = '';
    const s = net.connect(srv.port, '127.0.0.1', () => s.write(bytes));
    const t = setTimeout(() => { s.destroy(); resolve(out); }, ms);
    s.on('data', (d) => { out += d; });
    s.on('close', () => { clearTimeout(t); resolve(out); });
    s.on('error', () => { clearTimeout(t); resolve(out); });
  });
}

test('garbage, oversized headers and truncated bodies get a 4xx or a close, and the server keeps serving', async () => {
  for (const bytes of ['garbage\r\n\r\n', Buffer.from([1, 2, 255, 13, 10, 13, 10]), 'GET / HTTP/9.9\r\n\r\n']) {
    const out = await rawRequest(bytes, 2000);
    assert.ok(out === '' || /^HTTP\/1\.1 (4\d\d|505)/.test(out), out.slice(0, 40));
  }
  const big = await rawRequest('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(64 * 1024) + '\r\n\r\n');
  assert.match(big, /^HTTP\/1\.1 431/);
  // a body that never arrives in full and a NUL-led request line hold only their own connection
  const stalled = [
    rawRequest('PATCH /api/v1/schedules/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti', 1500),
    rawRequest(Buffer.from([0, 97, 13, 10, 13, 10]), 1500),
  ];
  const r = await srv.get('/healthz');
  assert.equal(r.status, 200);
  await Promise.all(stalled);
  const sched = await admin.get('/api/v1/schedules/1');
  assert.notEqual(sched.json.title, 'ti', 'a truncated body changes nothing');
});

test('a schedule runs now on request and its run is recorded', async () => {
  const list = await admin.get('/api/v1/schedules');
  const sched = list.json.items.find((s) => s.name === 'system.jobs_purge');
  const r = await admin.post(`/api/v1/schedules/${sched.id}/run`);
  assert.equal(r.status, 201);
  let job;
  for (let i = 0; i < 100; i++) {
    job = (await admin.get(`/api/v1/jobs/${r.json.id}`)).json;
    if (job.status === 'done') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(job.status, 'done');
  assert.equal(job.runs.length, 1);
  assert.equal(job.runs[0].status, 'done');
  const runs = await admin.get(`/api/v1/job-runs?schedule_id=${sched.id}`);
  assert.ok(runs.json.total >= 1);
});

test('schedules can be paused, edited and resumed', async () => {
  const list = await admin.get('/api/v1/schedules');
  const id = list.json.items[0].id;
  let r = await admin.post(`/api/v1/schedules/${id}/pause`);
  assert.equal(r.json.enabled, false);
  r = await admin.patch(`/api/v1/schedules/${id}`, { cron: '15 1 * * *' });
  assert.equal(r.status, 200);
  assert.equal(r.json.cron, '15 1 * * *');
  r = await admin.post(`/api/v1/schedules/${id}/resume`);
  assert.equal(r.json.enabled, true);
  assert.match(r.json.next_run_at, /T01:15:00\+08:00$/);
});

test('system info reports the job workers and the scheduler; log files can be listed and downloaded', async () => {
  const info = await admin.get('/api/v1/system/info');
  assert.equal(info.status, 200);
  assert.equal(info.json.jobs.workers, 1);
  assert.equal(info.json.jobs.scheduler, true);
  const files = await admin.get('/api/v1/system/log-files');
  const names = files.json.items.map((f) => f.name);
  for (const k of ['system.log', 'access.log', 'db.log']) assert.ok(names.includes(k), names.join(','));
  const dl = await admin.get('/api/v1/system/log-files/system.log');
  assert.equal(dl.status, 200);
  assert.match(dl.body, /server\.started/);
  for (const bad of ['..%2Fzhendi.db', 'zhendi.db', 'system.log.gz', '.system.log']) {
    assert.equal((await admin.get(`/api/v1/system/log-files/${bad}`)).status, 404, bad);
  }
});
