// Starts a real zhendi server on a free port with a temporary data directory,
// and gives tests a small JSON client. Used by tests/api, tests/crash, tests/e2e.
//
//   const srv = await startServer();            // env/flags optional
//   const r = await srv.get('/healthz');        // { status, headers, body, json }
//   await srv.stop();                           // SIGTERM, expects exit 0
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.ZHENDI_BIN || new URL('../../../build/zhendi', import.meta.url).pathname;
export const ADMIN_PASSWORD = 'Zhendi-Test-2026!';

export async function startServer({ env = {}, args = [], dataDir, keepData = false } = {}) {
  const data = dataDir || mkdtempSync(join(tmpdir(), 'zhendi-api-'));
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', data, '--workers', '1', ...args], {
    env: {
      ...process.env,
      ZHENDI_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 30000);
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

  return {
    base, port, data, proc,
    stderr: () => stderr,
    request,
    get: (p, o) => request('GET', p, o),
    post: (p, body, o = {}) => request('POST', p, { ...o, body }),
    patch: (p, body, o = {}) => request('PATCH', p, { ...o, body }),
    del: (p, o) => request('DELETE', p, o),
    readLog: (kind) => {
      const f = join(data, 'logs', `${kind}.log`);
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    },
    // Graceful stop; resolves to the exit code. Fails the caller on sanitizer reports.
    async stop({ signal = 'SIGTERM' } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const r = await exited;
      if (!keepData && !dataDir) rmSync(data, { recursive: true, force: true });
      if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(stderr)) {
        throw new Error(`sanitizer report:\n${stderr}`);
      }
      return r;
    },
    exited,
  };
}
