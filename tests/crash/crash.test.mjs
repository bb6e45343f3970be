// Durability: a burst of writes, kill -9 in the middle, restart. The database
// must pass integrity_check and hold every write the client saw acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../api/lib/server.mjs';

test('every acknowledged write survives kill -9', async () => {
  const data = mkdtempSync(join(tmpdir(), 'zhendi-crash-'));
  // no workers: the written jobs stay exactly as written
  let srv = await startServer({ dataDir: data, args: ['--workers', '0'] });
  let admin = await srv.admin();
  const sched = (await admin.get('/api/v1/schedules')).json.items[0].id;
  const acked = [];
  let stop = false, errors = 0;
  const writer = async () => {
    while (!stop) {
      try {
        const r = await admin.post(`/api/v1/schedules/${sched}/run`);
        if (r.status === 201) acked.push(r.json.id);
      } catch { errors++; }
    }
  };
  const writers = Array.from({ length: 16 }, writer);
  await new Promise((r) => setTimeout(r, 1500));
  srv.proc.kill('SIGKILL'); // mid-burst: requests are in flight
  stop = true;
  await Promise.all(writers);
  await srv.exited;
  assert.ok(acked.length > 50, `only ${acked.length} writes acknowledged before the kill`);

  const check = execFileSync('sqlite3', [join(data, 'zhendi.db'), 'PRAGMA integrity_check;']).toString().trim();
  assert.equal(check, 'ok');

  srv = await startServer({ dataDir: data, args: ['--workers', '0'] });
  admin = await srv.admin();
  const ids = new Set();
  for (let page = 1; ; page++) {
    const r = await admin.get(`/api/v1/jobs?page=${page}&page_size=200`);
    r.json.items.forEach((j) => ids.add(j.id));
    if (r.json.items.length < 200) break;
  }
  const lost = acked.filter((id) => !ids.has(id));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes lost`);
  console.log(`crash test: ${acked.length} acknowledged writes, all present after kill -9 (${errors} requests cut off)`);
  assert.equal((await srv.stop()).code, 0);
  rmSync(data, { recursive: true, force: true });
});
