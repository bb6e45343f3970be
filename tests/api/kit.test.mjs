// The module kit's cross-cutting rules, as a user of the API meets them:
// data scope follows the permission exercised, the audit log and the job
// queue are scoped, organisation paths are never cut, crossing moves cannot
// both succeed, lists sort and page by key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { makeUser, administrators } from './lib/contract.mjs';

let srv, admin, secadmin, auditor, district;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  const admins = await administrators(srv);
  [admin, secadmin, auditor] = admins.map((a) => a.client);
  const d = await admin.get('/api/v1/orgs?type=district&page_size=50');
  district = Object.fromEntries(d.json.items.map((o) => [o.short_name, o.id]));
});

after(async () => {
  await srv?.stop();
});

const role = async (name, permissions, data_scope) => {
  const r = await secadmin.post('/api/v1/roles', { name, title: name, permissions, data_scope });
  assert.equal(r.status, 201, r.body);
};

test('a role with subtree scope for users and one with city scope for the audit log give each its own scope', async () => {
  await role('kit_users_subtree', ['user.read'], 'subtree');
  await role('kit_audit_all', ['audit.read'], 'all');
  const u = await makeUser(srv, admin, { username: 'kit_two_roles', orgId: district['黄浦区'], roles: ['kit_users_subtree', 'kit_audit_all'], grantBy: secadmin });
  // users: Huangpu's subtree only, although the audit role reaches the whole city
  const users = (await u.get('/api/v1/users?page_size=200')).json.items;
  assert.ok(users.length > 0);
  const pudongUser = (await admin.get('/api/v1/users?q=pudong_dangwu')).json.items[0];
  assert.ok(!users.some((x) => x.id === pudongUser.id), 'no Pudong user in the list');
  assert.equal((await u.get(`/api/v1/users/${pudongUser.id}`)).status, 404);
  // audit: the whole city, Pudong's records included
  await srv.login('pudong_dangwu', 'Zhendi@Demo2026');
  const recs = await u.get('/api/v1/audit?user=pudong_dangwu&action=auth.login');
  assert.ok(recs.json.total >= 1, 'the city-wide audit role sees a Pudong login');
});

test('an auditor of one district reads that district\'s audit records only', async () => {
  await role('kit_audit_subtree', ['audit.read'], 'subtree');
  const hp = await makeUser(srv, admin, { username: 'kit_hp_auditor', orgId: district['黄浦区'], roles: ['kit_audit_subtree'], grantBy: secadmin });
  await srv.login('pudong_dangwu', 'Zhendi@Demo2026');
  await srv.login('huangpu_dangwu', 'Zhendi@Demo2026');
  const pd = await hp.get('/api/v1/audit?user=pudong_dangwu');
  assert.equal(pd.json.total, 0, 'no Pudong record');
  const own = await hp.get('/api/v1/audit?user=huangpu_dangwu');
  assert.ok(own.json.total >= 1, 'Huangpu records are there');
  const anyPd = (await auditor.get('/api/v1/audit?user=pudong_dangwu')).json.items[0];
  assert.equal((await hp.get(`/api/v1/audit/${anyPd.id}`)).status, 404);
});

test('a district operator sees, retries and cancels only the jobs of their district', async () => {
  await role('kit_jobs', ['job.read', 'job.write'], 'subtree');
  const hp = await makeUser(srv, admin, { username: 'kit_hp_ops', orgId: district['黄浦区'], roles: ['kit_jobs'] });
  const now = Date.now();
  const add = (org, status) => srv.sql(
    `INSERT INTO jobs (kind, payload, status, run_at, org_id, created_at, updated_at, finished_at) VALUES ('proofread.video', '{"file":"x"}', '${status}', ${now}, ${org}, ${now}, ${now}, ${now})`);
  add(district['浦东新区'], 'dead');
  add(district['黄浦区'], 'dead');
  const ids = srv.sql(`SELECT id FROM jobs WHERE kind = 'proofread.video' ORDER BY id`).split('\n').map(Number);
  const [pdJob, hpJob] = ids.slice(-2);
  const list = (await hp.get('/api/v1/jobs?page_size=200')).json.items.map((j) => j.id);
  assert.ok(list.includes(hpJob) && !list.includes(pdJob), JSON.stringify(list));
  assert.equal((await hp.get(`/api/v1/jobs/${pdJob}`)).status, 404);
  assert.equal((await hp.post(`/api/v1/jobs/${pdJob}/retry`)).status, 404);
  const retried = await hp.post(`/api/v1/jobs/${hpJob}/retry`);
  assert.equal(retried.status, 200, retried.body);
  // the system's own jobs and schedules are the city's
  assert.equal((await hp.get('/api/v1/schedules')).json.total, 0);
  assert.ok((await admin.get('/api/v1/schedules')).json.total > 0);
  // and the retry is on the record
  const rec = (await auditor.get(`/api/v1/audit?action=job.retry&target=job:${hpJob}`)).json;
  assert.equal(rec.total, 1);
});

test('the organisation tree refuses to grow deeper than 13 levels, so no path is ever cut', async () => {
  const street = (await admin.get(`/api/v1/orgs?parent_id=${district['浦东新区']}&type=street`)).json.items[0];
  let parent = street.id, depth = street.depth, made = 0;
  for (;;) {
    const r = await admin.post('/api/v1/orgs', { name: `层级${depth + 1}`, code: `KIT-DEEP-${depth + 1}`, type: 'committee', parent_id: parent });
    if (r.status !== 201) {
      assert.equal(r.status, 422, r.body);
      assert.match(r.json.error.fields.parent_id, /层级过深/);
      break;
    }
    parent = r.json.id;
    depth = r.json.depth;
    made++;
  }
  assert.equal(depth, 12, 'the deepest organisation sits at depth 12');
  assert.ok(made >= 8);
  // a branch that would land too deep is not moved either
  const deepTop = (await admin.get(`/api/v1/orgs?q=${encodeURIComponent('层级4')}`)).json.items[0];
  const otherStreet = (await admin.get(`/api/v1/orgs?parent_id=${district['浦东新区']}&type=street`)).json.items[1];
  const sub = await admin.post('/api/v1/orgs', { name: '深处支部', code: 'KIT-DEEP-B', type: 'committee', parent_id: otherStreet.id });
  const subChild = await admin.post('/api/v1/orgs', { name: '深处支部下级', code: 'KIT-DEEP-C', type: 'committee', parent_id: sub.json.id });
  assert.equal(subChild.status, 201);
  const mv = await admin.post(`/api/v1/orgs/${sub.json.id}/move`, { parent_id: parent });
  assert.equal(mv.status, 422, mv.body);
  assert.ok(deepTop);
});

test('two crossing moves at the same moment never make a cycle', async () => {
  const mk = async (code, parent) => (await admin.post('/api/v1/orgs', { name: code, code, type: 'committee', parent_id: parent })).json.id;
  const street = (await admin.get(`/api/v1/orgs?parent_id=${district['黄浦区']}&type=street`)).json.items[0].id;
  for (let round = 0; round < 5; round++) {
    const a = await mk(`KIT-X-A${round}`, street);
    const b = await mk(`KIT-X-B${round}`, street);
    const [ra, rb] = await Promise.all([
      admin.post(`/api/v1/orgs/${a}/move`, { parent_id: b }),
      admin.post(`/api/v1/orgs/${b}/move`, { parent_id: a }),
    ]);
    const ok = [ra, rb].filter((r) => r.status === 200).length;
    assert.equal(ok, 1, `exactly one move succeeds: ${ra.status} ${rb.status}`);
    const oa = (await admin.get(`/api/v1/orgs/${a}`)).json, ob = (await admin.get(`/api/v1/orgs/${b}`)).json;
    assert.ok(!(oa.parent_id === b && ob.parent_id === a), 'no cycle');
    // each path names its real ancestors
    const child = oa.parent_id === b ? oa : ob;
    const parentOrg = child === oa ? ob : oa;
    assert.equal(child.depth, parentOrg.depth + 1);
  }
});

test('lists sort by the keys a route names and page by key as by number', async () => {
  const asc = (await admin.get('/api/v1/users?sort=username&page_size=200')).json.items.map((u) => u.username);
  assert.deepEqual(asc, [...asc].sort());
  const desc = (await admin.get('/api/v1/users?sort=-username&page_size=200')).json.items.map((u) => u.username);
  assert.deepEqual(desc, [...asc].reverse());
  assert.equal((await admin.get('/api/v1/users?sort=password_hash')).status, 422);
  // the audit log by key: page 2 through ?after= equals page 2 through ?page=
  const p1 = (await auditor.get('/api/v1/audit?page_size=5')).json;
  const p2 = (await auditor.get('/api/v1/audit?page_size=5&page=2')).json;
  const k2 = (await auditor.get(`/api/v1/audit?page_size=5&after=${p1.next_after}`)).json;
  assert.ok(p1.next_after);
  assert.deepEqual(k2.items.map((r) => r.id), p2.items.map((r) => r.id));
  assert.equal(k2.total, p2.total);
});
