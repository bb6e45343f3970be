// The command line of the contract: config check, backup/restore, migrate,
// exit statuses with a one-line reason; and graceful shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startServer, BIN, TEST_PG } from './lib/server.mjs';

const run = (args, env = {}) => spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...env } });

test('config check prints the effective configuration with secrets masked, flags over env over file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhendi-cfg-'));
  writeFileSync(join(dir, 'zhendi.conf'), '# test\nworkers = 3\nslow_query_ms = 50\nthreads = 6\n');
  const r = run(['config', 'check', '--data', dir, '--threads', '8', '--db', 'postgresql://zd:s3cr3t@db.example/zhendi'], { ZHENDI_SLOW_QUERY_MS: '75' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^workers = 3$/m);
  assert.match(r.stdout, /^slow_query_ms = 75$/m);
  assert.match(r.stdout, /^threads = 8$/m);
  // the database's time limits and the upload spool are settings like the rest
  assert.match(r.stdout, /^db_statement_timeout_s = 30$/m);
  assert.match(r.stdout, /^db_lock_timeout_ms = 5000$/m);
  assert.match(r.stdout, /^db_cache_mb = 64$/m);
  assert.match(r.stdout, /^spool_kb = 1024$/m);
  assert.match(r.stdout, /postgresql:\/\/zd:\*\*\*@db\.example\/zhendi/);
  assert.ok(!r.stdout.includes('s3cr3t'));
  rmSync(dir, { recursive: true, force: true });
});

test('bad settings and unknown commands exit non-zero with a one-line reason', () => {
  for (const args of [['serve', '--threads', 'many'], ['serve', '--nope'], ['frobnicate'], ['backup'], ['serve', '--listen', 'nowhere']]) {
    const r = run(args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, /^zhendi: .+/, args.join(' '));
  }
  const bad = mkdtempSync(join(tmpdir(), 'zhendi-cfg-'));
  writeFileSync(join(bad, 'zhendi.conf'), 'no equals sign here\n');
  const r = run(['config', 'check', '--data', bad]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /zhendi\.conf:1/);
  rmSync(bad, { recursive: true, force: true });
});

// SQLite files here; tests/api/backup.test.mjs covers both backends' dumps.
test('backup runs beside a live server and restore refuses to run under it', { skip: TEST_PG ? 'SQLite only' : false }, async () => {
  const srv = await startServer({ keepData: true });
  const admin = await srv.admin();
  const org = await admin.post('/api/v1/orgs', { name: '备份前', parent_id: 1, type: 'district', code: 'BK-1' });
  assert.equal(org.status, 201);
  const file = join(srv.data, 'manual.db');
  let r = run(['backup', file, '--data', srv.data]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /verified/);
  assert.equal((await admin.post('/api/v1/orgs', { name: '备份后', parent_id: 1, type: 'district', code: 'BK-2' })).status, 201);
  r = run(['restore', file, '--data', srv.data]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /running/);
  assert.equal((await srv.stop()).code, 0);
  r = run(['restore', file, '--data', srv.data]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readdirSync(srv.data).some((f) => f.startsWith('zhendi.db.before-restore-')));
  const again = await startServer({ dataDir: srv.data });
  const a2 = await again.admin();
  const codes = (await a2.get('/api/v1/orgs?q=BK-&page_size=10')).json.items.map((o) => o.code);
  assert.deepEqual(codes, ['BK-1']);
  assert.equal((await again.stop()).code, 0);
  // a damaged file is refused and changes nothing
  writeFileSync(join(srv.data, 'junk.db'), 'not a database');
  r = run(['restore', join(srv.data, 'junk.db'), '--data', srv.data]);
  assert.notEqual(r.status, 0);
  rmSync(srv.data, { recursive: true, force: true });
});

test('migrate on a new data directory applies the migrations once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhendi-mig-'));
  let r = run(['migrate', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /migrations applied: [1-9]/);
  r = run(['migrate', '--data', dir]);
  assert.match(r.stdout, /migrations applied: 0/);
  assert.ok(existsSync(join(dir, 'zhendi.db')));
  rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM lets a request in flight finish, then exits 0', async () => {
  const srv = await startServer();
  const admin = await srv.admin();
  const body = JSON.stringify({ title: '优雅停机' });
  const reply = new Promise((resolve) => {
    let out = '';
    const s = net.connect(srv.port, '127.0.0.1', () => {
      s.write(`PATCH /api/v1/schedules/1 HTTP/1.1\r\nHost: x\r\nCookie: ${admin.cookie}\r\nX-CSRF-Token: ${admin.csrf}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`);
      s.write(body.slice(0, 5));
      setTimeout(() => {
        srv.proc.kill('SIGTERM'); // mid-request
        setTimeout(() => s.write(body.slice(5)), 500);
      }, 300);
    });
    s.on('data', (d) => { out += d; });
    s.on('close', () => resolve(out));
  });
  const out = await reply;
  assert.match(out, /^HTTP\/1\.1 200/);
  assert.match(out, /优雅停机/);
  const { code } = await srv.exited;
  assert.equal(code, 0);
  assert.match(srv.readLog('system'), /server\.stopped/);
  await srv.stop();
});

test('config check explains every setting in Chinese', () => {
  const r = run(['config', 'check']);
  assert.equal(r.status, 0, r.stderr);
  const comments = r.stdout.split('\n').filter((l) => l.startsWith('# '));
  assert.ok(comments.length > 80);
  const english = comments.filter((l) => !/[\u4e00-\u9fff]/.test(l));
  assert.deepEqual(english, [], 'comments without Chinese');
});
