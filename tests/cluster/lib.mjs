// Helpers of the scale-out tests: commands with a time limit, directories
// the postgres user may use, the scripts under test.
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const PGLIB = join(ROOT, 'scripts/pglib.sh');
export const REPL = join(ROOT, 'deploy/postgres/replication.sh');
export const ROOT_USER = process.getuid() === 0;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs a command, returns its trimmed stdout; a command that hangs fails
// the test after two minutes instead of blocking it.
export const sh = (cmd, args, env = {}) =>
  execFileSync(cmd, args, {
    encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000,
  }).trim();

// The same without blocking: other work of the test goes on meanwhile.
export const shAsync = async (cmd, args, env = {}) =>
  (await promisify(execFile)(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120000 })).stdout.trim();

// A temporary directory the postgres user owns when we are root.
export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o755);
  if (ROOT_USER) sh('chown', ['postgres:', d]);
  return d;
}

// Runs a command as the owner of the clusters.
export const asPostgres = (args, env = {}) => (ROOT_USER ? sh('runuser', ['-u', 'postgres', '--', ...args], env) : sh(args[0], args.slice(1), env));
