// `zhendi proofread --text` (issue 16): traditional text at phrase level with
// offsets into the original, and the normalisation tables' snapshot in the
// cache directory — made on first use, used after, rebuilt when damaged or
// stale, and safe when many processes start at once on an empty cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN } from './lib/server.mjs';

const run = promisify(execFile);
let work;
const TEXT = '😀乾隆年間，皇帝的頭髮很乾淨。';

before(() => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-prcli-'));
  writeFileSync(join(work, 'text.txt'), TEXT);
  writeFileSync(join(work, 'words.lex'), '干净\n头发\n乾隆\n干隆\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

async function check(cache) {
  const r = await run(BIN, ['proofread', '--text', 'text.txt', '--no-db', '--no-builtin', '--lexicon', 'words.lex'],
    { cwd: work, env: { ...process.env, ZHENDI_CACHE_DIR: cache } });
  return JSON.parse(r.stdout).findings.map((f) => [f.word, f.text, f.start, f.end, f.byte_start, f.byte_end]);
}

const WANT = [
  ['乾隆', '乾隆', 1, 3, 4, 10],
  ['头发', '頭髮', 9, 11, 28, 34],
  ['干净', '乾淨', 12, 14, 37, 43],
];

test('traditional text: phrase level, offsets into the original', async () => {
  assert.deepEqual(await check('off'), WANT);
  for (const [, text, start, end, bs, be] of WANT) {
    assert.equal(Array.from(TEXT).slice(start, end).join(''), text);
    assert.equal(Buffer.from(TEXT).subarray(bs, be).toString(), text);
  }
});

test('the tables\' snapshot is made once, used after, and rebuilt when damaged or stale', async () => {
  const dir = join(work, 'cache1');
  const file = join(dir, 'norm-tables.bin');
  assert.deepEqual(await check(dir), WANT); // made
  const good = readFileSync(file);
  const mtime = statSync(file).mtimeMs;
  assert.deepEqual(await check(dir), WANT); // used: not written again
  assert.equal(statSync(file).mtimeMs, mtime);
  // a damaged table: the checksum does not match, the file is rebuilt
  const bad = Buffer.from(good);
  bad[200000] ^= 0xff;
  writeFileSync(file, bad);
  assert.deepEqual(await check(dir), WANT);
  assert.ok(readFileSync(file).equals(good));
  // stale: another key (OpenCC's data or utf8proc changed)
  const stale = Buffer.from(good);
  stale[20] = stale[20] === 0x30 ? 0x31 : 0x30;
  writeFileSync(file, stale);
  assert.deepEqual(await check(dir), WANT);
  assert.ok(readFileSync(file).equals(good));
  // cut short
  writeFileSync(file, good.subarray(0, 1000));
  assert.deepEqual(await check(dir), WANT);
  assert.ok(readFileSync(file).equals(good));
  assert.deepEqual(readdirSync(dir), ['norm-tables.bin']);
});

test('many processes starting at once on an empty cache all answer right and leave one whole snapshot', async () => {
  const dir = join(work, 'cache2');
  const all = await Promise.all(Array.from({ length: 8 }, () => check(dir)));
  for (const f of all) assert.deepEqual(f, WANT);
  assert.deepEqual(readdirSync(dir), ['norm-tables.bin']); // no temporary file left
  assert.ok(readFileSync(join(dir, 'norm-tables.bin')).equals(readFileSync(join(work, 'cache1', 'norm-tables.bin'))));
});
