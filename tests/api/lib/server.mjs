// Starts a real zhendi server on a free port with a temporary data directory,
// and gives tests a small JSON client. Used by tests/api, tests/crash, tests/e2e.
//
//   const srv = await startServer();            // env/flags optional
//   const r = await srv.get('/healthz');        // { status, headers, body, json }
//   await srv.stop();                           // SIGTERM, expects exit 0
//
// PostgreSQL: when env ZHENDI_TEST_PG names an admin URL (scripts/pg-test.sh
// sets it), every server gets a fresh database of its own (CREATE DATABASE),
// passed with --db, unless the test gives --db itself. A server restarted on
// the same dataDir gets the same database back; srv.db is its URL.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after } from 'node:test';

export const BIN = process.env.ZHENDI_BIN || new URL('../../../build/zhendi', import.meta.url).pathname;
export const ADMIN_PASSWORD = 'Zhendi-Test-2026!';
export const TEST_PG = process.env.ZHENDI_TEST_PG || '';

// psql itself: Debian's /usr/bin/psql is a Perl wrapper that takes longer to
// start than the query takes to run (0.1–0.25 s of every call)
export const PSQL = (() => {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin/psql'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin/psql') : 'psql';
})();

// Runs SQL on the admin database of ZHENDI_TEST_PG (or of `url`) with psql.
export function pgAdmin(sql, url = TEST_PG) {
  return execFileSync(PSQL, [url, '-v', 'ON_ERROR_STOP=1', '-qAtX', '-c', sql], { encoding: 'utf8' }).trim();
}

// A new, empty database on the ZHENDI_TEST_PG server; returns its URL.
export function createTestDatabase(prefix = 'zt') {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  pgAdmin(`CREATE DATABASE "${name}"`);
  const u = new URL(TEST_PG);
  u.pathname = `/${name}`;
  return u.toString();
}

export function dropTestDatabase(url) {
  const name = new URL(url).pathname.slice(1);
  pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

const databases = new Map(); // data dir → database URL, for restarts on the same data

// A test that fails before its srv.stop() leaves its server running, and a
// running child keeps the test file's process alive for ever: the suite hangs
// instead of reporting the failure. So once a test file's tests and hooks are
// over (this hook is registered first, so it runs before the file's own
// after hooks, which may still stop their servers gracefully: it only arms
// timers that hold nothing alive), servers still running 30 s later are
// killed, and a process still held open by something else (a fake service
// never closed) is ended 10 s after that. (Only under `node --test`:
// benches and scripts import this file too.)
const running = new Set();
if (process.env.NODE_TEST_CONTEXT) after(() => {
  setTimeout(() => {
    for (const proc of running) proc.kill('SIGKILL');
    setTimeout(() => {
      process.stderr.write('test file still busy 40 s after its tests ended: forced to exit\n');
      process.exit(process.exitCode || 1);
    }, 10000).unref();
  }, 30000).unref();
});

export async function startServer({ env = {}, args = [], dataDir, keepData = false } = {}) {
  const data = dataDir || mkdtempSync(join(tmpdir(), 'zhendi-api-'));
  let db = null, ownDb = false;
  if (TEST_PG && !args.includes('--db') && !env.ZHENDI_DB) {
    db = databases.get(data);
    if (!db) {
      db = createTestDatabase();
      databases.set(data, db);
      ownDb = !dataDir; // a caller's data dir may come back; a temp one does not
    }
    args = ['--db', db, ...args];
  }
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', data, '--workers', '1', ...args], {
    env: {
      ...process.env,
      ZHENDI_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // cheap password hashing keeps the suite fast (production: t=2, 32 MiB, ~120 ms)
      ZHENDI_ARGON2_T: '1',
      ZHENDI_ARGON2_M_KB: '4096',
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), Number(process.env.ZHENDI_TEST_START_MS) || 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${stderr}`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));

  async function request(method, path, { body, headers = {}, raw, cookie } = {}) {
    const h = { ...headers };
    let payload = raw;
    if (body !== undefined) {
      h['content-type'] = h['content-type'] || 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    if (cookie) h.cookie = cookie;
    const res = await fetch(base + path, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, body: text, json };
  }

  // A request that announces a body of `length` bytes and sends none of it:
  // the server answers on the announced length alone (413 and the like). A
  // fetch that sends a large body may see the early answer close the
  // connection before it has written everything and fail with `fetch failed`;
  // this cannot race. Resolves to { status, body, json } of what the server
  // sent before it closed (or 10 s).
  function announce(method, path, { headers = {}, length, cookie } = {}) {
    const h = { host: `127.0.0.1:${port}`, 'content-length': String(length), connection: 'close', ...headers };
    if (cookie) h.cookie = cookie;
    const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    return new Promise((resolve, reject) => {
      const chunks = [];
      const sock = connect(port, '127.0.0.1', () => sock.write(head));
      const done = () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const status = Number(text.split(' ')[1]);
        const k = text.indexOf('\r\n\r\n');
        const body = k < 0 ? '' : text.slice(k + 4);
        let json;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ status, body, json });
      };
      // the answer is complete once its Content-Length of body has arrived
      sock.on('data', (d) => {
        chunks.push(d);
        const text = Buffer.concat(chunks).toString('latin1');
        const k = text.indexOf('\r\n\r\n');
        const m = k < 0 ? null : text.slice(0, k).match(/\r\ncontent-length: *(\d+)/i);
        if (m && text.length - k - 4 >= Number(m[1])) { sock.destroy(); done(); }
      });
      sock.on('end', done);
      sock.on('error', (e) => { clearTimeout(timer); reject(e); });
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${method} ${path}: no answer to the announced body`)); }, 10000);
    });
  }

  // A logged-in client: cookie session + CSRF header on mutating requests.
  function client(cookie, csrf, me) {
    const withAuth = (o = {}) => ({ ...o, cookie, headers: { ...(o.headers || {}), ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
    return {
      cookie, csrf, me,
      request: (m, p, o) => request(m, p, withAuth(o)),
      get: (p, o) => request('GET', p, withAuth(o)),
      post: (p, body, o = {}) => request('POST', p, withAuth({ ...o, body })),
      patch: (p, body, o = {}) => request('PATCH', p, withAuth({ ...o, body })),
      put: (p, body, o = {}) => request('PUT', p, withAuth({ ...o, body })),
      del: (p, o) => request('DELETE', p, withAuth(o)),
      announce: (m, p, o = {}) => announce(m, p, withAuth(o)),
    };
  }
  async function login(username, password = ADMIN_PASSWORD, totp) {
    const body = { username, password };
    if (totp) body.totp = totp;
    const r = await request('POST', '/api/v1/auth/login', { body });
    if (r.status !== 200) {
      const e = new Error(`login ${username}: ${r.status} ${r.body}`);
      e.response = r;
      throw e;
    }
    const cookie = r.headers.get('set-cookie').split(';')[0];
    return client(cookie, r.json.csrf_token, r.json);
  }
  // A client using an API token (no cookie, no CSRF).
  function bearer(token) {
    const h = (o = {}) => ({ ...o, headers: { ...(o.headers || {}), authorization: `Bearer ${token}` } });
    return {
      get: (p, o) => request('GET', p, h(o)),
      post: (p, body, o = {}) => request('POST', p, h({ ...o, body })),
      patch: (p, body, o = {}) => request('PATCH', p, h({ ...o, body })),
      del: (p, o) => request('DELETE', p, h(o)),
    };
  }

  // Runs SQL directly against the server's database (test set-up of
  // time-based states such as an expired password). SQLite here.
  // SQLite with the sqlite3 shell; PostgreSQL with psql (same errors thrown).
  function sql(statement) {
    const r = db
      ? spawnSync(PSQL, [db, '-v', 'ON_ERROR_STOP=1', '-qAtX', '-c', statement], { encoding: 'utf8' })
      : spawnSync('sqlite3', [join(data, 'zhendi.db'), '.timeout 5000', statement], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${db ? 'psql' : 'sqlite3'}: ${r.stderr}`);
    return r.stdout.trim();
  }
  // The content of every table but the busy ones (sessions are touched by
  // every request, the queue and schedules by the background workers), in one
  // process: a failed request must leave this unchanged.
  const VOLATILE = new Set(['sessions', 'login_attempts', 'jobs', 'job_runs', 'schedules', 'schema_migrations']);
  let tables, shell;
  // One psql (or sqlite3) kept open for the snapshots: a test that takes
  // hundreds of them (faults.test.mjs) would otherwise spend most of its time
  // starting processes and connecting.
  function openShell() {
    const MARK = '@@zhendi-snapshot-end@@';
    const p = db
      ? spawn(PSQL, [db, '-v', 'ON_ERROR_STOP=1', '-qAtX'], { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('sqlite3', ['-cmd', '.timeout 5000', '-bail', join(data, 'zhendi.db')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '', pending = null;
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d) => {
      out += d;
      const k = out.indexOf(`${MARK}\n`);
      if (k < 0 || !pending) return;
      const { resolve } = pending;
      pending = null;
      const text = out.slice(0, k);
      out = out.slice(k + MARK.length + 1);
      resolve(text);
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', () => {
      shell = null;
      if (pending) pending.reject(new Error(`snapshot: ${err || 'the database shell ended'}`));
      pending = null;
    });
    p.stdin.on('error', () => {});
    return {
      run(script) {
        return new Promise((resolve, reject) => {
          pending = { resolve, reject };
          p.stdin.write(`${script}\n${db ? '\\echo' : '.print'} ${MARK}\n`);
        });
      },
      close() { p.stdin.end(); },
    };
  }
  // The content of every table but the volatile ones, each table's rows sorted.
  async function snapshot() {
    if (!tables) {
      const list = db
        ? sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        : sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1");
      tables = list.split('\n').filter((t) => t && !VOLATILE.has(t));
      if (!tables.length) throw new Error('snapshot: no tables');
    }
    shell ||= openShell();
    const script = tables.map((t) => `SELECT '${t}'; SELECT * FROM ${t} ORDER BY 1;`).join('\n');
    const text = await shell.run(script);
    // each table's rows in a fixed order: ORDER BY 1 leaves ties (role_defaults'
    // rows of one role) in whatever order the plan of the moment gives, and
    // PostgreSQL's plan changes once autoanalyze has seen a table grow
    const out = [];
    let next = 0, rows = [];
    const flush = () => { out.push(...rows.sort()); rows = []; };
    for (const line of text.split('\n')) {
      if (next < tables.length && line === tables[next]) {
        flush();
        out.push(line);
        next++;
      } else rows.push(line);
    }
    flush();
    if (next !== tables.length) throw new Error(`snapshot: ${next} of ${tables.length} tables read`);
    return out.join('\n');
  }
  // Runs a zhendi subcommand on the same data directory (and database).
  function cli(args, env = {}) {
    const extra = db ? ['--db', db] : [];
    return spawnSync(BIN, [...args, '--data', data, ...extra], { encoding: 'utf8', env: { ...process.env, ...env } });
  }

  return {
    base, port, data, proc,
    login, bearer, sql, cli, snapshot,
    admin: () => login('admin'),
    stderr: () => stderr,
    request,
    db, // the PostgreSQL database URL under ZHENDI_TEST_PG, else null
    get: (p, o) => request('GET', p, o),
    post: (p, body, o = {}) => request('POST', p, { ...o, body }),
    patch: (p, body, o = {}) => request('PATCH', p, { ...o, body }),
    del: (p, o) => request('DELETE', p, o),
    readLog: (kind) => {
      const f = join(data, 'logs', `${kind}.log`);
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    },
    // Graceful stop; resolves to the exit code. Fails the caller on sanitizer reports.
    // keep: leave the data directory for inspection; removeData() later
    async stop({ signal = 'SIGTERM', keep = false } = {}) {
      shell?.close();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const r = await exited;
      if (!keep && !keepData && !dataDir) rmSync(data, { recursive: true, force: true });
      if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(stderr)) {
        throw new Error(`sanitizer report:\n${stderr}`);
      }
      if (ownDb && !keepData) {
        dropTestDatabase(db);
        databases.delete(data);
      }
      return r;
    },
    exited,
    removeData: () => { if (!dataDir) rmSync(data, { recursive: true, force: true }); },
  };
}

// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) for a base32 secret, as authenticator apps compute it.
import { createHmac } from 'node:crypto';
export function totp(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  const n = ((h[o] & 0x7f) << 24 | h[o + 1] << 16 | h[o + 2] << 8 | h[o + 3]) % 1e6;
  return String(n).padStart(6, '0');
}
