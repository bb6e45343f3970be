// What the contract tests share: the routes of the generated OpenAPI document,
// the callers that hold each permission, users made for a test, and example
// bodies with their placeholders filled in.
//
// Placeholders in a route's example body (src route tables, .example):
//   "{org}"  an organisation id in the caller's scope (the caller's own)
//   {n}      a number unique to this use (inside strings: names, codes)
//   "{future}" a time 30 days from now (ISO 8601); "{future+2h}" that time
//            plus 2 hours (any whole number of hours: an end after a start)
import { ADMIN_PASSWORD } from './server.mjs';

export const PASSWORD = 'Contract-Test-2026!';

/** [{method, path, op}] of every route in the document, in its order. */
export function routesOf(doc) {
  const out = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) out.push({ method: method.toUpperCase(), path, op });
  }
  return out;
}

export const isPublic = (op) => op['x-permission'] === '@anyone';
export const realPerm = (op) => (op['x-permission'].startsWith('@') ? null : op['x-permission']);
export const mutating = (method) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The path with every {param} set to value (default 1). */
export const fill = (path, value = 1) => path.replace(/\{[a-z_]+\}/g, String(value));

let seq = Date.now() % 1e6;
/** The example body of a route with its placeholders filled, or undefined. */
export function exampleBody(op, orgId) {
  const ex = op.requestBody?.content?.['application/json']?.example;
  if (ex === undefined) return undefined;
  const n = ++seq;
  const future = Date.now() + 30 * 86400000;
  const text = JSON.stringify(ex)
    .replace(/"\{org\}"/g, String(orgId))
    .replace(/\{n\}/g, String(n))
    .replace(/\{future(?:\+(\d+)h)?\}/g, (_, h) => new Date(future + Number(h || 0) * 3600000).toISOString());
  return JSON.parse(text);
}

/**
 * A user made for a test: created by admin (and given roles), the forced
 * first password change done, logged in. Returns the logged-in client.
 * grantBy: a client (the security administrator) that gives the roles
 * afterwards, for roles the system administrator may not hand out.
 */
export async function makeUser(srv, admin, { username, orgId, roles, grantBy }) {
  const r = await admin.post('/api/v1/users', { username, name: username, org_id: orgId, roles: grantBy ? ['member'] : roles, password: PASSWORD });
  if (r.status !== 201) throw new Error(`create ${username}: ${r.status} ${r.body}`);
  if (grantBy) {
    const g = await grantBy.patch(`/api/v1/users/${r.json.id}`, { roles });
    if (g.status !== 200) throw new Error(`roles of ${username}: ${g.status} ${g.body}`);
  }
  const first = await srv.login(username, PASSWORD);
  if (first.me.must_change_password) {
    const c = await first.post('/api/v1/auth/password', { old_password: PASSWORD, new_password: `${PASSWORD}x` });
    if (c.status !== 204) throw new Error(`password ${username}: ${c.status} ${c.body}`);
    return srv.login(username, `${PASSWORD}x`);
  }
  return first;
}

/** The built-in administrators, logged in, with their permissions. */
export async function administrators(srv) {
  const out = [];
  for (const name of ['admin', 'secadmin', 'auditor']) {
    const c = await srv.login(name, ADMIN_PASSWORD);
    out.push({ name, client: c, perms: new Set(c.me.permissions) });
  }
  return out;
}

/** A caller holding the route's permission (any administrator for login routes). */
export function holderOf(admins, op) {
  const p = realPerm(op);
  return admins.find((a) => !p || a.perms.has(p))?.client;
}

// A query parameter the server checks against its declared type (number,
// boolean, one of an enum, a sort key) before any handler or query runs;
// contract.test.mjs holds every route to it, and scripts/sqlmap.mjs probes
// only the free-text parameters.
export const typedParam = (p) => ['integer', 'number', 'boolean'].includes(p.schema?.type)
  || Array.isArray(p.schema?.enum) || (p.name === 'sort' && Array.isArray(p['x-sort-keys']));
