// Scale-out, shown working. A PostgreSQL primary with a synchronous streaming
// standby (set up by deploy/postgres/replication.sh), two zhendi nodes on that
// database (a multi-host URL with target_session_attrs=read-write), nginx in
// front with deploy/nginx/zhendi.conf (rendered for local ports and a test
// certificate). Through nginx: jobs enqueued on both nodes each run exactly
// once; a node is killed and requests keep succeeding; the primary crashes,
// the standby is promoted, the nodes reconnect by themselves, no acknowledged
// write is lost, and the recovery time is measured and printed; the every-
// minute schedule fired at most once per minute although both nodes tick.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { startServer, ADMIN_PASSWORD } from '../api/lib/server.mjs';
import { ROOT, PGLIB, REPL, ROOT_USER, sleep, sh, shAsync, tempDir } from './lib.mjs';

const NGINX_CONF = join(ROOT, 'deploy/nginx/zhendi.conf');
const WRITERS = 8;

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) {
    try { await f(); } catch (e) { console.error('cleanup:', e.message); }
  }
});

// ---- nginx from the deploy config ----

function renderNginx(dir, nodes, httpPort, httpsPort) {
  let conf = readFileSync(NGINX_CONF, 'utf8');
  const edits = [
    // the upstream's server lines: one per local node, same parameters
    [/(upstream zhendi \{\n)([\s\S]*?)(\n\})/, (m, open, body, close) => {
      const lines = body.split('\n');
      const params = lines.find((l) => /^\s*server\s/.test(l)).match(/^\s*server\s+\S+(.*);/)[1];
      const out = [];
      let done = false;
      for (const l of lines) {
        if (!/^\s*server\s/.test(l)) out.push(l);
        else if (!done) {
          done = true;
          for (const n of nodes) out.push(`    server 127.0.0.1:${n}${params};`);
        }
      }
      return open + out.join('\n') + close;
    }],
    [/listen 80;/, `listen 127.0.0.1:${httpPort};`],
    [/\n\s*listen \[::\]:80;/, ''],
    [/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`],
    [/\n\s*listen \[::\]:443 ssl http2;/, ''],
    [/ssl_certificate\s+\S+;/, `ssl_certificate ${dir}/tls.crt;`],
    [/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${dir}/tls.key;`],
  ];
  for (const [re, rep] of edits) {
    assert.match(conf, re, `deploy/nginx/zhendi.conf no longer has ${re}: update the test's rendering`);
    conf = conf.replace(re, rep);
  }
  writeFileSync(join(dir, 'zhendi.conf'), conf);
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', t), { recursive: true });
  if (ROOT_USER) sh('chown', ['-R', 'www-data:', join(dir, 'tmp')]);
  writeFileSync(join(dir, 'nginx.conf'), `${ROOT_USER ? 'user www-data www-data;' : ''}
worker_processes 2;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    include ${dir}/zhendi.conf;
}
`);
}

async function startNginx(dir) {
  sh('nginx', ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')]);
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.on('exit', r));
  cleanup.push(async () => { proc.kill('SIGTERM'); await exited; });
  return { proc, stderr: () => stderr };
}

// ---- HTTP through nginx (TLS with the test CA), logged in when login exists ----

function client(port, ca) {
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 64 });
  let cookie = '', csrf = '';
  function request(method, path, body) {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = { host: 'localhost' };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      if (cookie) headers.cookie = cookie;
      if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
      const req = https.request({ host: '127.0.0.1', port, method, path, agent, headers, timeout: 30000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => {
          let json;
          try { json = JSON.parse(text); } catch { json = undefined; }
          resolve({ status: res.statusCode, headers: res.headers, body: text, json });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
  return {
    request,
    get: (p) => request('GET', p),
    post: (p, b) => request('POST', p, b),
    patch: (p, b) => request('PATCH', p, b),
    async login() {
      const r = await request('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
      if (r.status === 404) return; // this build has no login yet
      assert.equal(r.status, 200, r.body);
      cookie = r.headers['set-cookie'][0].split(';')[0];
      csrf = r.json.csrf_token;
    },
    close: () => agent.destroy(),
  };
}

test('two nodes behind nginx survive a node kill and a PostgreSQL failover without losing a write', { timeout: 300000 }, async () => {
  const t0 = Date.now();
  // ---- PostgreSQL primary + synchronous standby ----
  const P = tempDir('zhendi-cl-primary-'), S = tempDir('zhendi-cl-standby-');
  cleanup.push(() => sh(PGLIB, ['pg_tmp_destroy', S]));
  cleanup.push(() => sh(PGLIB, ['pg_tmp_destroy', P]));
  sh(PGLIB, ['pg_tmp_init', P]);
  sh(PGLIB, ['pg_tmp_start', P]);
  const pport = readFileSync(join(P, 'port'), 'utf8').trim();
  const pw = readFileSync(join(P, 'pw'), 'utf8').trim();
  const pgenv = { PGHOST: '127.0.0.1', PGPORT: pport, PGUSER: 'postgres', PGPASSWORD: pw, REPL_PASSWORD: randomBytes(9).toString('hex') };
  sh(REPL, ['primary', '--restart', `${PGLIB} pg_tmp_restart ${P}`], pgenv);
  sh('psql', ['-X', '-q', '-d', 'postgres', '-c', 'CREATE DATABASE zhendi'], pgenv);
  const sport = sh(PGLIB, ['pg_free_port']);
  writeFileSync(join(S, 'port'), `${sport}\n`);
  sh(REPL, ['standby', '--primary', `127.0.0.1:${pport}`, '--datadir', join(S, 'data'), '--name', 'standby1',
    '--start', `${PGLIB} pg_tmp_start ${S}`], pgenv);
  sh(REPL, ['sync', 'standby1'], pgenv); // waits until the standby is synchronous
  const url = `postgresql://postgres:${pw}@127.0.0.1:${pport},127.0.0.1:${sport}/zhendi?target_session_attrs=read-write&connect_timeout=2`;
  const psql = (sql) => sh('psql', ['-X', '-A', '-t', '-d', url, '-c', sql]);
  assert.equal(psql("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'"), 'sync');

  // ---- two nodes, started together on the same database ----
  const nodePorts = [Number(sh(PGLIB, ['pg_free_port'])), Number(sh(PGLIB, ['pg_free_port']))];
  const dataDirs = nodePorts.map(() => mkdtempSync(join(tmpdir(), 'zhendi-cl-node-')));
  cleanup.push(() => dataDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const nodeArgs = (i) => ['--db', url, '--workers', '2', '--listen', `127.0.0.1:${nodePorts[i]}`];
  const nodes = await Promise.all([0, 1].map((i) => startServer({ dataDir: dataDirs[i], args: nodeArgs(i) })));
  cleanup.push(() => Promise.all(nodes.map((n) => n.stop().catch(() => {}))));

  // ---- nginx ----
  const ng = mkdtempSync(join(tmpdir(), 'zhendi-cl-nginx-'));
  cleanup.push(() => rmSync(ng, { recursive: true, force: true }));
  chmodSync(ng, 0o755);
  sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(ng, 'tls.key'), '-out', join(ng, 'tls.crt')]);
  const [httpPort, httpsPort] = [sh(PGLIB, ['pg_free_port']), sh(PGLIB, ['pg_free_port'])];
  renderNginx(ng, nodePorts, httpPort, httpsPort);
  const nginx = await startNginx(ng);
  const api = client(Number(httpsPort), readFileSync(join(ng, 'tls.crt')));
  cleanup.push(() => api.close());
  for (let i = 0; ; i++) {
    try { if ((await api.get('/healthz')).status === 200) break; } catch { /* not up yet */ }
    assert.ok(i < 100, `nginx did not come up: ${nginx.stderr()}`);
    await sleep(100);
  }
  await api.login();
  const setupMs = Date.now() - t0;

  const schedules = (await api.get('/api/v1/schedules?page_size=200')).json.items;
  const purge = schedules.find((s) => s.name === 'system.jobs_purge');
  const minutely = schedules.find((s) => s.name === 'system.log_prune');
  let r = await api.patch(`/api/v1/schedules/${minutely.id}`, { cron: '* * * * *' });
  assert.equal(r.status, 200, r.body);
  const cronSince = Date.now();

  // ---- 1. jobs enqueued through both nodes run exactly once ----
  const burst = [];
  let issued = 0;
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (issued < 200) {
      issued++;
      const res = await api.post(`/api/v1/schedules/${purge.id}/run`);
      assert.equal(res.status, 201, res.body);
      burst.push(res.json.id);
    }
  }));
  const idList = burst.join(',');
  for (let i = 0; Number(psql(`SELECT COUNT(*) FROM jobs WHERE id IN (${idList}) AND status <> 'done'`)) > 0; i++) {
    assert.ok(i < 600, 'the burst of jobs did not finish');
    await sleep(100);
  }
  const twice = psql(`SELECT COUNT(*) FROM (SELECT job_id FROM job_runs WHERE job_id IN (${idList}) GROUP BY job_id HAVING COUNT(*) > 1) x`);
  assert.equal(twice, '0', 'a job ran more than once');
  const workerPids = psql(`SELECT COUNT(DISTINCT split_part(worker, ':', 2)) FROM job_runs WHERE job_id IN (${idList})`);
  assert.equal(workerPids, '2', 'the workers of both nodes took jobs');
  const served = dataDirs.map((d) => (readFileSync(join(d, 'logs', 'access.log'), 'utf8').match(/"path":"[^"]*\/run"/g) || []).length);
  assert.ok(served[0] > 0 && served[1] > 0, `nginx spread the requests over both nodes (${served})`);

  // ---- writers and a health poller run through phases 2 and 3 ----
  const log = []; // {start, end, status, id}
  const health = [];
  let stop = false;
  const writer = async () => {
    while (!stop) {
      const start = Date.now();
      let status = 0, id = null;
      try {
        const res = await api.post(`/api/v1/schedules/${purge.id}/run`);
        status = res.status;
        if (status === 201) id = res.json.id;
      } catch { status = -1; }
      log.push({ start, end: Date.now(), status, id });
      if (status !== 201) await sleep(20);
    }
  };
  const poller = async () => {
    while (!stop) {
      const start = Date.now();
      let status = 0;
      try { status = (await api.get('/healthz')).status; } catch { status = -1; }
      health.push({ start, status });
      await sleep(20);
    }
  };
  const running = [...Array.from({ length: WRITERS }, writer), poller()];

  // ---- 2. a node is killed: requests keep succeeding ----
  await sleep(1500);
  const killAt = Date.now();
  nodes[0].proc.kill('SIGKILL');
  await nodes[0].exited;
  await sleep(3000);
  nodes[0] = await startServer({ dataDir: dataDirs[0], args: nodeArgs(0) }); // it comes back
  await sleep(1500);
  const killPhase = log.filter((e) => e.start >= killAt);
  const killFailed = killPhase.filter((e) => e.status !== 201);
  assert.ok(killFailed.every((e) => e.status === 503), `failures other than 503: ${JSON.stringify(killFailed)}`);
  const lateFailed = killFailed.filter((e) => e.start > killAt + 1000);
  const healthFailed = health.filter((e) => e.start >= killAt && e.status !== 200);
  assert.deepEqual(healthFailed, [], 'GET /healthz through nginx failed while a node was down');
  assert.deepEqual(lateFailed, [], 'writes failed later than one second after the node was killed');
  assert.ok(killFailed.length <= WRITERS, `${killFailed.length} writes failed around the kill`);
  assert.ok(killPhase.length - killFailed.length > 50, 'writes went on while the node was down');

  // ---- 3. the primary crashes, the standby is promoted ----
  const crashAt = Date.now();
  await shAsync(PGLIB, ['pg_tmp_stop', P, 'immediate']);
  const stoppedAt = Date.now();
  await shAsync(REPL, ['promote', '--datadir', join(S, 'data')], { ...pgenv, PGPORT: sport });
  const promotedAt = Date.now();
  // the outage starts when the primary is gone; it ends with the first
  // write begun after that which succeeds
  const firstBack = () => log.filter((e) => e.start >= stoppedAt && e.status === 201)
    .reduce((a, e) => (!a || e.end < a.end ? e : a), null);
  for (let i = 0; !firstBack(); i++) {
    assert.ok(i < 600, 'writes did not come back within 60 s of the failover');
    await sleep(100);
  }
  await sleep(1000); // writes begun earlier may still end before the first one seen
  const back = firstBack();
  const recoveryMs = back.end - stoppedAt;
  await sleep(1000);
  stop = true;
  await Promise.all(running);

  // ---- 4. every acknowledged write is there, on the new primary ----
  assert.equal(psql('SELECT pg_is_in_recovery()'), 'f');
  assert.equal(psql('SELECT inet_server_port()'), sport, 'the URL now reaches the promoted standby');
  const acked = log.filter((e) => e.status === 201).map((e) => e.id);
  const present = new Set(psql('SELECT id FROM jobs').split('\n').map(Number));
  const lost = acked.filter((id) => !present.has(id));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes lost`);
  // while there is no primary a write is refused promptly with 503 (from a
  // node, or from nginx in the API's envelope), it does not hang
  const failover = log.filter((e) => e.start >= stoppedAt && e.end < back.end);
  const refused = failover.filter((e) => e.status === 503);
  const odd = failover.filter((e) => e.status !== 503 || e.end - e.start > 5000);
  assert.deepEqual(odd, [], 'during the failover a write got something else than a prompt 503');

  // ---- 5. the every-minute schedule fired at most once a minute ----
  const waitFor = (Math.floor(cronSince / 60000) + 1) * 60000 + 3000 - Date.now();
  if (waitFor > 0) await sleep(waitFor); // see at least one minute boundary
  const periods = Math.floor(Date.now() / 60000) - Math.floor(cronSince / 60000);
  const fired = Number(psql(`SELECT COUNT(*) FROM jobs WHERE schedule_id = ${minutely.id} AND idempotency_key LIKE 'schedule:%'`));
  assert.ok(fired >= 1 && fired <= periods, `the schedule fired ${fired} times in ${periods} minute(s)`);

  // ---- both nodes still answer, and stop cleanly ----
  for (const n of nodes) {
    const res = await fetch(`${n.base}/healthz`);
    assert.equal(res.status, 200);
  }
  for (const n of nodes) assert.equal((await n.stop()).code, 0);

  console.log([
    `cluster: setup (primary, sync standby, 2 nodes, nginx) ${setupMs} ms`,
    `cluster: 200 jobs enqueued through nginx ran exactly once, on both nodes (requests per node ${served.join('/')})`,
    `cluster: node killed: ${killFailed.length} write(s) in flight on it failed (503, not acknowledged), ${killPhase.length - killFailed.length} succeeded; GET /healthz never failed`,
    `cluster: primary crashed (immediate stop) → promote command done after ${promotedAt - stoppedAt} ms → writes through nginx succeed again ${recoveryMs} ms after the primary went: recovery time ${(recoveryMs / 1000).toFixed(2)} s; meanwhile ${refused.length} write(s) refused with 503`,
    `cluster: ${acked.length} acknowledged writes, ${lost.length} lost; every-minute schedule fired ${fired} time(s) in ${periods} minute(s)`,
  ].join('\n'));
});
