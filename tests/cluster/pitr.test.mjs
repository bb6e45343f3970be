// Point-in-time recovery as docs/operations.md describes it: WAL archiving
// set up by deploy/postgres/replication.sh, a verified base backup, writes
// through zhendi, then a mistake (every job deleted); the database is
// recovered to the moment before it, and zhendi sees exactly the writes
// made until then.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, appendFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../api/lib/server.mjs';
import { PGLIB, REPL, ROOT_USER, sleep, sh, tempDir, asPostgres } from './lib.mjs';

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) {
    try { await f(); } catch (e) { console.error('cleanup:', e.message); }
  }
});

async function client(srv) {
  return srv.admin ? srv.admin() : srv; // a session once the build has login
}

async function write(c, schedule, n) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const r = await c.post(`/api/v1/schedules/${schedule}/run`);
    assert.equal(r.status, 201, r.body);
    ids.push(r.json.id);
  }
  return ids;
}

test('the database comes back as it was just before a mistake (WAL archive + base backup)', { timeout: 180000 }, async () => {
  const P = tempDir('zhendi-pitr-');
  cleanup.push(() => sh(PGLIB, ['pg_tmp_destroy', P]));
  sh(PGLIB, ['pg_tmp_init', P]);
  sh(PGLIB, ['pg_tmp_start', P]);
  const port = readFileSync(join(P, 'port'), 'utf8').trim();
  const pw = readFileSync(join(P, 'pw'), 'utf8').trim();
  const pgenv = { PGHOST: '127.0.0.1', PGPORT: port, PGUSER: 'postgres', PGPASSWORD: pw, REPL_PASSWORD: 'unused-here' };
  const archive = join(P, 'archive');
  sh(REPL, ['primary', '--archive-dir', archive, '--restart', `${PGLIB} pg_tmp_restart ${P}`], pgenv);
  sh('psql', ['-X', '-q', '-d', 'postgres', '-c', 'CREATE DATABASE zhendi'], pgenv);
  const url = `postgresql://postgres:${pw}@127.0.0.1:${port}/zhendi`;
  const psql = (sql) => sh('psql', ['-X', '-A', '-t', '-d', url, '-c', sql]);

  const data = tempDir('zhendi-pitr-node-');
  cleanup.push(() => sh('rm', ['-rf', data]));
  let srv = await startServer({ dataDir: data, args: ['--db', url, '--workers', '0'] });
  let c = await client(srv);
  const schedule = (await c.get('/api/v1/schedules')).json.items.find((s) => s.name === 'system.jobs_purge').id;
  const early = await write(c, schedule, 10);

  // the weekly base backup, verified
  const base = join(P, 'base');
  asPostgres([sh(PGLIB, ['pg_bindir']) + '/pg_basebackup', '-d', `host=127.0.0.1 port=${port} user=postgres`, '-D', base, '-Fp', '-X', 'fetch', '-c', 'fast'], pgenv);
  asPostgres([sh(PGLIB, ['pg_bindir']) + '/pg_verifybackup', '-n', base]);

  const before = await write(c, schedule, 10);
  await sleep(1100);
  const target = psql('SELECT now()');
  await sleep(1100);
  const after = await write(c, schedule, 10);
  psql('DELETE FROM job_runs; DELETE FROM jobs'); // the mistake
  assert.equal(psql('SELECT COUNT(*) FROM jobs'), '0');
  // hand the current WAL segment to the archive and wait for it
  const seg = psql('SELECT pg_walfile_name(pg_switch_wal())');
  for (let i = 0; psql('SELECT COALESCE(last_archived_wal, \'\') FROM pg_stat_archiver') < seg; i++) {
    assert.ok(i < 100, 'the WAL segment was not archived');
    await sleep(100);
  }
  await srv.stop();

  // recovery, with the commands of docs/operations.md
  sh(PGLIB, ['pg_tmp_stop', P, 'fast']);
  renameSync(join(P, 'data'), join(P, 'data.broken'));
  sh('cp', ['-a', base, join(P, 'data')]);
  appendFileSync(join(P, 'data', 'postgresql.auto.conf'),
    `restore_command = 'cp ${archive}/%f %p'\nrecovery_target_time = '${target}'\nrecovery_target_action = 'promote'\n`);
  asPostgres(['touch', join(P, 'data', 'recovery.signal')]);
  if (ROOT_USER) sh('chown', ['-R', 'postgres:', join(P, 'data')]);
  sh(PGLIB, ['pg_tmp_start', P]);
  for (let i = 0; psql('SELECT pg_is_in_recovery()') !== 'f'; i++) {
    assert.ok(i < 300, 'recovery did not finish');
    await sleep(100);
  }

  srv = await startServer({ dataDir: data, args: ['--db', url, '--workers', '0'] });
  c = await client(srv);
  for (const id of [...early, ...before]) assert.equal((await c.get(`/api/v1/jobs/${id}`)).status, 200, `job ${id} from before the target is back`);
  for (const id of after) assert.equal((await c.get(`/api/v1/jobs/${id}`)).status, 404, `job ${id} from after the target is not`);
  assert.equal((await srv.stop()).code, 0);
  console.log(`pitr: recovered to ${target}: ${early.length + before.length} earlier writes back, ${after.length} later ones and the deletion undone`);
});
