// Contract tests driven by the generated OpenAPI document: every route, of
// every module, present and future, is checked for login, CSRF, permission,
// the list envelope and data scope without a test of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { routesOf, isPublic, realPerm, mutating, fill, exampleBody, makeUser, administrators, holderOf, typedParam } from './lib/contract.mjs';

let srv, admin, admins, routes, nobody, districts;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  admins = await administrators(srv);
  admin = admins[0].client;
  routes = routesOf((await admin.get('/api/v1/openapi.json')).json);
  const d = await admin.get('/api/v1/orgs?type=district&page_size=50');
  districts = Object.fromEntries(d.json.items.map((o) => [o.short_name, o.id]));
  // logged in, no permission at all (a role without any: every built-in
  // role, the members' too, holds some business permission)
  const secadmin = admins.find((a) => a.name === 'secadmin').client;
  const none = await secadmin.post('/api/v1/roles', { name: 'contract_none', title: '契约 无权限', permissions: [], data_scope: 'org' });
  assert.equal(none.status, 201, none.body);
  nobody = await makeUser(srv, admin, { username: 'contract_nobody', orgId: districts['浦东新区'], roles: ['contract_none'] });
});

after(async () => {
  await srv?.stop();
});

const bodyFor = (r) => (r.op.requestBody?.content?.['application/json'] ? { body: {} } : {});

test('every route but the public ones answers 401 to an anonymous caller', async () => {
  for (const r of routes) {
    if (isPublic(r.op)) continue;
    const res = await srv.request(r.method, fill(r.path), bodyFor(r));
    assert.equal(res.status, 401, `${r.method} ${r.path}: ${res.status} ${res.body}`);
    if (r.method !== 'HEAD') // an answer to HEAD has no body
      assert.equal(res.json?.error?.code, 'unauthenticated', `${r.method} ${r.path}`);
  }
});

test('every changing route refuses a session request without its CSRF token', async () => {
  for (const r of routes) {
    if (!mutating(r.method) || isPublic(r.op)) continue;
    const res = await srv.request(r.method, fill(r.path), { ...bodyFor(r), cookie: admin.cookie });
    assert.equal(res.status, 403, `${r.method} ${r.path}: ${res.status}`);
    assert.equal(res.json.error.code, 'csrf_failed', `${r.method} ${r.path}`);
  }
});

test('a logged-in user without the permission gets 403 on every route that needs one', async () => {
  let n = 0;
  for (const r of routes) {
    if (!realPerm(r.op)) continue;
    const res = await nobody.request(r.method, fill(r.path), bodyFor(r));
    assert.equal(res.status, 403, `${r.method} ${r.path}: ${res.status} ${res.body}`);
    if (r.method !== 'HEAD')
      assert.equal(res.json.error.code, 'forbidden', `${r.method} ${r.path}`);
    n++;
  }
  assert.ok(n > 50, `${n} routes checked`);
});

test('every list answers {items,total,page,page_size}, caps page_size at 200 and refuses bad paging and sorting', async () => {
  for (const r of routes) {
    if (!r.op['x-list']) continue;
    const who = holderOf(admins, r.op);
    assert.ok(who, `${r.path}: an administrator holds ${realPerm(r.op)}`);
    const path = fill(r.path);
    const ok = await who.get(path);
    assert.equal(ok.status, 200, `${path}: ${ok.body}`);
    assert.deepEqual(Object.keys(ok.json).filter((k) => k !== 'next_after').sort(), ['items', 'page', 'page_size', 'total'], path);
    assert.ok(Array.isArray(ok.json.items) && Number.isInteger(ok.json.total), path);
    assert.equal((await who.get(`${path}?page_size=500`)).json.page_size, 200, `${path}: page_size capped`);
    for (const q of ['page_size=0', 'page=0', 'page=x']) {
      const bad = await who.get(`${path}?${q}`);
      assert.equal(bad.status, 422, `${path}?${q}: ${bad.status}`);
    }
    const sort = r.op.parameters.find((p) => p.name === 'sort');
    if (sort) {
      assert.equal((await who.get(`${path}?sort=no_such_field`)).status, 422, `${path}: unknown sort key`);
      for (const key of sort['x-sort-keys']) {
        const s = await who.get(`${path}?sort=-${key}`);
        assert.equal(s.status, 200, `${path}?sort=-${key}: ${s.body}`);
      }
    }
  }
});

// what sqlmap would send: scripts/sqlmap.mjs leaves these parameters out
const notOfType = (p) => p.name === 'sort' ? 'id AND 1=1' : p.schema?.enum ? `${p.schema.enum[0]}' AND '1'='1` : '1 AND 1=1';

test('every typed query parameter refuses an injection-shaped value with 422 before any query runs', async () => {
  let n = 0;
  for (const r of routes) {
    if (r.method !== 'GET') continue;
    const who = isPublic(r.op) ? admin : holderOf(admins, r.op);
    if (!who) continue;
    for (const p of (r.op.parameters || []).filter((x) => x.in === 'query' && typedParam(x))) {
      const res = await who.get(`${fill(r.path)}?${p.name}=${encodeURIComponent(notOfType(p))}`);
      assert.equal(res.status, 422, `${r.path}?${p.name}: ${res.status} ${res.body.slice(0, 200)}`);
      n++;
    }
  }
  assert.ok(n > 200, `${n} typed parameters checked`);
});

test('what one district creates is invisible (404) to the same role in another district, and its creation is audited', async () => {
  const auditor = admins.find((a) => a.name === 'auditor').client;
  const secadmin = admins.find((a) => a.name === 'secadmin').client;
  const perms = (await secadmin.get('/api/v1/permissions')).json.items.flatMap((g) => g.permissions);
  const duty = Object.fromEntries(perms.map((p) => [p.code, p.duty]));
  let checked = 0;
  for (const create of routes) {
    // a creation answers 201 (a batch action or a check on the collection does not)
    if (create.method !== 'POST' || !create.op['x-scoped'] || create.path.includes('{') || !create.op.responses?.['201']) continue;
    const body = exampleBody(create.op, districts['浦东新区']);
    if (!body) continue;
    const items = routes.filter((r) => r.path.startsWith(`${create.path}/{id}`) && r.op['x-resource'] === create.op['x-resource']);
    // one role with the resource's permissions that may go together
    const own = duty[realPerm(create.op)];
    // (and, when the example hands out roles — a user's —, what those roles
    // hold: nobody grants more than they have)
    const handed = Array.isArray(body.roles)
      ? (await secadmin.get('/api/v1/roles?page_size=200')).json.items.filter((x) => body.roles.includes(x.name)).flatMap((x) => x.permissions)
      : [];
    const codes = [...new Set([...[create, ...items].map((r) => realPerm(r.op)).filter(Boolean), ...handed])]
      .filter((c) => [own, 'directory', 'business'].includes(duty[c]));
    const name = `contract_${create.op['x-resource']}`;
    const role = await secadmin.post('/api/v1/roles', { name, title: `契约 ${name}`, permissions: codes, data_scope: 'subtree' });
    assert.equal(role.status, 201, role.body);
    const pudong = await makeUser(srv, admin, { username: `${name}_pd`, orgId: districts['浦东新区'], roles: [name] });
    const huangpu = await makeUser(srv, admin, { username: `${name}_hp`, orgId: districts['黄浦区'], roles: [name] });
    const made = await pudong.post(create.path, body);
    assert.equal(made.status, 201, `${create.path}: ${made.body}`);
    const id = made.json.id;
    const rec = await auditor.get(`/api/v1/audit?action=${create.op['x-audit']}&user=${name}_pd`);
    assert.equal(rec.json.total, 1, `${create.path}: one ${create.op['x-audit']} record`);
    for (const r of items) {
      if (!codes.includes(realPerm(r.op)) && realPerm(r.op)) continue;
      const path = fill(r.path, id);
      const res = await huangpu.request(r.method, path, { body: exampleBody(r.op, districts['黄浦区']) ?? (r.op.requestBody?.content?.['application/json'] ? {} : undefined) });
      assert.equal(res.status, 404, `${r.method} ${path} from another district: ${res.status} ${res.body}`);
      checked++;
    }
    const mine = await pudong.get(fill(`${create.path}/{id}`, id));
    assert.equal(mine.status, 200, `${create.path}/${id}: the creator sees it`);
  }
  assert.ok(checked >= 8, `${checked} cross-district requests`);
});
