// The live ingest's media server for tests: Debian's nginx with
// libnginx-mod-rtmp, started from the shipped template
// (deploy/nginx-rtmp/nginx-rtmp.conf.in) on a free port, its prefix under a
// temporary directory, calling back the given zhendi; and ffmpeg pushing a
// test picture and tone (lavfi) to it. Every process started here is killed
// when the test file's tests are over, and when the node process exits,
// whatever happened (a failed assertion included).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) || '';
export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const TEMPLATE = new URL('../../../deploy/nginx-rtmp/nginx-rtmp.conf.in', import.meta.url).pathname;

// Why the live ingest cannot be tested here ('' when it can).
export function missing() {
  if (!NGINX) return 'nginx is not installed (apt-get install nginx-light libnginx-mod-rtmp)';
  if (!existsSync(RTMP_MODULE)) return 'libnginx-mod-rtmp is not installed';
  if (spawnSync('ffmpeg', ['-version']).status !== 0) return 'ffmpeg is not installed';
  return '';
}

const procs = new Set();
function track(p) {
  procs.add(p);
  p.on('exit', () => procs.delete(p));
  return p;
}
export function killAll() {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}
process.on('exit', killAll);
if (process.env.NODE_TEST_CONTEXT) after(killAll);

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Fills the template in; returns the config's text.
export function renderConfig({ prefix, rtmpListen, zhendiUrl, secret, hlsDir }) {
  const vals = { PREFIX: prefix, RTMP_LISTEN: rtmpListen, ZHENDI_URL: zhendiUrl, SECRET: secret, HLS_DIR: hlsDir };
  const text = readFileSync(TEMPLATE, 'utf8').replace(/@([A-Z_]+)@/g, (m, k) => {
    if (!(k in vals)) throw new Error(`template: unknown ${m}`);
    return vals[k];
  });
  return text;
}

// Starts nginx-rtmp calling back zhendi at zhendiUrl with secret, writing HLS
// into hlsDir. → { port, prefix, stop(), log() }
export async function startRtmp({ zhendiUrl, secret, hlsDir }) {
  const prefix = mkdtempSync(join(tmpdir(), 'zhendi-rtmp-'));
  mkdirSync(hlsDir, { recursive: true });
  const port = await freePort();
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, renderConfig({ prefix, rtmpListen: `127.0.0.1:${port}`, zhendiUrl, secret, hlsDir }));
  let out = '';
  const p = track(spawn(NGINX, ['-p', `${prefix}/`, '-c', conf, '-e', join(prefix, 'error.log')],
    { stdio: ['ignore', 'pipe', 'pipe'] }));
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { out += d; });
  const log = () => {
    const f = join(prefix, 'error.log');
    return out + (existsSync(f) ? readFileSync(f, 'utf8') : '');
  };
  // listening?
  for (let i = 0; ; i++) {
    if (p.exitCode !== null) throw new Error(`nginx-rtmp exited: ${log()}`);
    const ok = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (ok) break;
    if (i > 100) throw new Error(`nginx-rtmp does not listen: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port, prefix, log,
    async stop() {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        await Promise.race([new Promise((r) => p.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
        if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

// ffmpeg pushing a test picture (320×240, 25 fps, a key frame a second) and
// a tone to url, in real time, for at most seconds. → { proc, exited, output() }
export function push(url, seconds = 60) {
  let out = '';
  const p = track(spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'warning', '-nostdin', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', url,
  ], { stdio: ['ignore', 'pipe', 'pipe'] }));
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => p.once('exit', (code, sig) => resolve(code ?? sig)));
  return {
    proc: p, exited, output: () => out,
    stop() { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); return exited; },
  };
}
