// The injection probe an attacker ran, kept runnable (make security, run by
// make test): Debian's sqlmap against a real server with demo data, over
// every free-text query parameter of every GET route (the typed ones are
// held to their type by tests/api/contract.test.mjs; --all-params probes
// them too) and every string field of every JSON body that has an example,
// as the administrator who may call each. Any parameter sqlmap finds
// injectable fails the run; so does a server that stops answering.
//
//   node scripts/sqlmap.mjs [--level 3] [--risk 2] [--jobs 2] [--all-params]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../tests/api/lib/server.mjs';
import { routesOf, administrators, exampleBody, fill, typedParam } from '../tests/api/lib/contract.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const LEVEL = arg('level', '3'), RISK = arg('risk', '2'), JOBS = Number(arg('jobs', '2'));
// B boolean-blind, E error-based, U union, S stacked, T time-based (slow: make security-full)
const TECH = arg('technique', 'BEUST');
// one sqlmap run per route tests each of its parameters in turn (-p a,b or
// several '*' marks): the same probes without a Python start-up, connection
// and stability check per parameter (--per-param for the old way)
const PER_PARAM = process.argv.includes('--per-param');
const ALL = process.argv.includes('--all-params'); // typed parameters too
const LIMIT = Number(arg('limit', '0'));
const EXTRA = (arg('extra', '') || '').split(' ').filter(Boolean);

function sqlmap(args) {
  return new Promise((resolve) => {
    const p = spawn('sqlmap', [...args, ...EXTRA, '--batch', '--level', LEVEL, '--risk', RISK, '--technique', TECH, '--disable-coloring'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (code) => resolve({ code, out }));
  });
}

const srv = await startServer({ args: ['--demo'] });
const work = mkdtempSync(join(tmpdir(), 'zhendi-sqlmap-'));
let failed = 0, probes = 0;
try {
  const admins = await administrators(srv);
  const routes = routesOf((await admins[0].client.get('/api/v1/openapi.json')).json);
  const tasks = [];
  for (const r of routes) {
    const perm = r.op['x-permission'];
    const who = admins.find((a) => perm.startsWith('@') || a.perms.has(perm))?.client;
    if (!who || r.op['x-permission'] === '@anyone') continue;
    const headers = [`--cookie=${who.cookie}`, `--headers=X-CSRF-Token: ${who.csrf}`];
    const url = `${srv.base}${fill(r.path)}`;
    if (r.method === 'GET') {
      // typed parameters (numbers, booleans, enums, sort keys) are refused
      // with 422 before any query runs unless they are of their type, for
      // every route (tests/api/contract.test.mjs): only free text is probed
      const params = (r.op.parameters || []).filter((x) => x.in === 'query' && (ALL || !typedParam(x)));
      const value = (p) => p.schema?.enum?.[0] ?? (p.schema?.type === 'integer' ? '1' : p.schema?.type === 'boolean' ? 'true' : 'abc');
      const groups = PER_PARAM ? params.map((p) => [p]) : params.length ? [params] : [];
      for (const g of groups) {
        const query = g.map((p) => `${p.name}=${encodeURIComponent(value(p))}`).join('&');
        tasks.push({ name: `GET ${r.path} ?${g.map((p) => p.name).join(',')}`, n: g.length, args: ['-u', `${url}?${query}`, '-p', g.map((p) => p.name).join(','), ...headers] });
      }
    } else {
      const body = exampleBody(r.op, who.me.user.org_id);
      if (!body) continue;
      const fields = Object.keys(body).filter((f) => typeof body[f] === 'string');
      const groups = PER_PARAM ? fields.map((f) => [f]) : fields.length ? [fields] : [];
      for (const g of groups) {
        const marked = { ...body };
        for (const f of g) marked[f] = `${body[f]}*`; // sqlmap's injection mark
        tasks.push({ name: `${r.method} ${r.path} {${g.join(',')}}`, n: g.length, args: ['-u', url, '--method', r.method, '--data', JSON.stringify(marked), ...headers] });
      }
    }
  }
  if (LIMIT) tasks.length = Math.min(tasks.length, LIMIT);
  let next = 0;
  const worker = async (id) => {
    while (next < tasks.length) {
      const t = tasks[next++];
      const out = join(work, String(id));
      const res = await sqlmap([...t.args, `--output-dir=${out}`]);
      probes += t.n;
      const found = /sqlmap identified the following injection point|is vulnerable|Parameter: .* \((GET|POST|PATCH|\(custom\)).*\)\n\s+Type:/.test(res.out);
      if (found) {
        failed++;
        console.error(`INJECTABLE: ${t.name}\n${res.out.split('\n').filter((l) => /Parameter:|Type:|Title:|Payload:/.test(l)).join('\n')}`);
      }
      rmSync(out, { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: JOBS }, (_, i) => worker(i)));
  const health = await srv.get('/healthz');
  if (health.status !== 200) {
    console.error('the server stopped answering');
    failed++;
  }
  console.log(`sqlmap (level ${LEVEL}, risk ${RISK}, techniques ${TECH}): ${probes} parameters probed, ${failed ? `${failed} FAILED` : 'none injectable'}`);
} finally {
  await srv.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
