// Backups on the backend the suite runs on (SQLite, or PostgreSQL when
// ZHENDI_TEST_PG is set): the scheduled backup job, and `zhendi backup` /
// `zhendi restore` round-tripping the data (PostgreSQL: pg_dump/pg_restore).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, BIN, TEST_PG } from './lib/server.mjs';

// A client with whatever the server requires (a session once login exists).
async function client(srv) {
  return srv.admin ? srv.admin() : srv;
}

function cli(args, srv) {
  const db = srv.db ? ['--db', srv.db] : [];
  return spawnSync(BIN, [...args, '--data', srv.data, ...db], {
    encoding: 'utf8',
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' },
  });
}

async function waitJob(c, id) {
  for (let i = 0; i < 200; i++) {
    const j = (await c.get(`/api/v1/jobs/${id}`)).json;
    if (j.status === 'done' || j.status === 'dead') return j;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

async function runSchedule(c, name) {
  const s = (await c.get('/api/v1/schedules')).json.items.find((x) => x.name === name);
  assert.ok(s, `schedule ${name} exists`);
  const r = await c.post(`/api/v1/schedules/${s.id}/run`);
  assert.equal(r.status, 201, r.body);
  return r.json.id;
}

test('the scheduled backup job writes a verified backup into the backup directory', async () => {
  const srv = await startServer();
  try {
    const c = await client(srv);
    const job = await waitJob(c, await runSchedule(c, 'system.backup'));
    assert.equal(job.status, 'done', job.last_error);
    const file = job.result.file;
    assert.ok(file.startsWith(join(srv.data, 'backups')), file);
    assert.match(file, TEST_PG ? /zhendi-\d{8}-\d{6}\.dump$/ : /zhendi-\d{8}-\d{6}\.db$/);
    assert.ok(statSync(file).size > 1000);
    assert.equal(statSync(file).mode & 0o077, 0, 'only its owner can read a backup');
    if (TEST_PG) {
      const toc = execFileSync('pg_restore', ['--list', file], { encoding: 'utf8' });
      assert.match(toc, /TABLE DATA public jobs /);
    }
  } finally {
    await srv.stop();
  }
});

test('zhendi backup and restore bring the data back as it was', async () => {
  const data = mkdtempSync(join(tmpdir(), 'zhendi-backup-'));
  const file = join(mkdtempSync(join(tmpdir(), 'zhendi-backup-file-')), TEST_PG ? 'x.dump' : 'x.db');
  let srv = await startServer({ dataDir: data, args: ['--workers', '0'] });
  let c = await client(srv);
  const before = await runSchedule(c, 'system.jobs_purge');
  // an online backup: the server keeps running
  let r = cli(['backup', file], srv);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /backup written and verified/);
  const after = await runSchedule(c, 'system.jobs_purge');
  const afterJob = (await c.get(`/api/v1/jobs/${after}`)).json;

  if (TEST_PG) {
    // a node still connected: refused, nothing changed
    r = cli(['restore', file], srv);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /zhendi node\(s\) are connected/);
  }
  await srv.stop();

  r = cli(['restore', join(data, 'no-such-file')], srv);
  assert.notEqual(r.status, 0);
  r = cli(['restore', file], srv);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /restored/);
  assert.match(r.stdout, /kept as/);

  srv = await startServer({ dataDir: data, args: ['--workers', '0'] });
  c = await client(srv);
  assert.equal((await c.get(`/api/v1/jobs/${before}`)).status, 200, 'the job from before the backup is back');
  // gone; its id may have been given again to a job the restarted server
  // queued itself (start-up work), which is another job
  const again = await c.get(`/api/v1/jobs/${after}`);
  assert.ok(
    again.status === 404 || again.json.created_at !== afterJob.created_at || again.json.kind !== afterJob.kind,
    `the job from after the backup is gone: ${again.body}`,
  );
  // ids continue after the restored ones
  const next = await runSchedule(c, 'system.jobs_purge');
  assert.ok(next > before);
  await srv.stop();
  rmSync(data, { recursive: true, force: true });
  rmSync(file, { force: true });
  assert.equal(existsSync(file), false);
});

test('restoring a file that is not a zhendi backup fails and changes nothing', async () => {
  const data = mkdtempSync(join(tmpdir(), 'zhendi-backup-'));
  let srv = await startServer({ dataDir: data, args: ['--workers', '0'] });
  const id = await runSchedule(await client(srv), 'system.jobs_purge');
  await srv.stop();
  const junk = join(data, 'junk');
  execFileSync('sh', ['-c', `printf 'not a backup' > '${junk}'`]);
  const r = cli(['restore', junk], srv);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /^zhendi: /);
  srv = await startServer({ dataDir: data, args: ['--workers', '0'] });
  assert.equal((await (await client(srv)).get(`/api/v1/jobs/${id}`)).status, 200);
  await srv.stop();
  rmSync(data, { recursive: true, force: true });
});
