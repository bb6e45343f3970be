// Proofreading (校真): the lexicon contract (create, import with counts,
// CRUD, history), text checks with offsets, summary and verdict, image OCR
// with boxes, video jobs with time codes, the external service adapter, and
// 4xx on bad input.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xlsx } from './lib/xlsx.mjs';
import { startServer } from './lib/server.mjs';
import { startFakeProofreader } from './lib/fake-proofreader.mjs';

const FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
let server, srv, work;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-proofread-'));
  // a small spool threshold: every upload here goes through DATA/tmp, not memory
  server = await startServer({ args: ['--spool-kb', '16'] });
  srv = await server.admin(); // the system administrator keeps the lexicons
});
after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0);
  rmSync(work, { recursive: true, force: true });
});

function assertEnvelope(r, status, code) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json?.error?.code, code, r.body);
  assert.equal(typeof r.json.error.message, 'string');
}

const cp = (s) => Array.from(s).length; // code points
const check = (text, extra = {}) => srv.post('/api/v1/proofread', { text, ...extra });
const importText = (id, body) =>
  srv.request('POST', `/api/v1/lexicons/${id}/import`, { raw: body, headers: { 'content-type': 'text/plain; charset=utf-8' } });

let seq = 0;
async function newLexicon(category = 'sensitive', severity = 'block') {
  const r = await srv.post('/api/v1/lexicons', { name: `测试词库${++seq}-${category}`, category, severity });
  assert.equal(r.status, 201, r.body);
  return r.json.id;
}

function render(text, file) {
  const path = join(work, file);
  execFileSync('convert', ['-size', '900x200', 'xc:white', '-font', FONT, '-pointsize', '48', '-fill', 'black',
    '-annotate', '+40+120', text, path]);
  return path;
}

// multipart/form-data built by hand, so that the request has a Content-Length
// (a FormData body is streamed, and a server that refuses it early resets it)
function upload(path, field, file, { type = 'application/octet-stream', fields = {}, server = srv } = {}) {
  const b = '----zhendiTest' + Math.random().toString(16).slice(2);
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${field}"; filename="${file.split('/').pop()}"\r\n` +
    `Content-Type: ${type}\r\n\r\n`), readFileSync(file), Buffer.from(`\r\n--${b}--\r\n`));
  return server.request('POST', path, { raw: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
}

// ---- lexicons ----

test('creating a lexicon answers 201 with its id; bad fields are 422 and a taken name 409', async () => {
  const r = await srv.post('/api/v1/lexicons', { name: '专项敏感词', category: 'sensitive', severity: 'block' });
  assert.equal(r.status, 201, r.body);
  assert.ok(Number.isInteger(r.json.id) && r.json.id > 0);
  assert.equal(r.json.name, '专项敏感词');
  assert.equal(r.json.entry_count, 0);
  assert.equal(r.json.version, 1);
  const got = await srv.get(`/api/v1/lexicons/${r.json.id}`);
  assert.equal(got.json.category, 'sensitive');
  assertEnvelope(await srv.post('/api/v1/lexicons', { name: '专项敏感词', category: 'typo', severity: 'warn' }), 409, 'conflict');
  let bad = await srv.post('/api/v1/lexicons', { name: '', category: 'nonsense', severity: 'fatal' });
  assertEnvelope(bad, 422, 'invalid_fields');
  assert.ok(bad.json.error.fields.name && bad.json.error.fields.category && bad.json.error.fields.severity);
  bad = await srv.post('/api/v1/lexicons', { category: 'typo' });
  assertEnvelope(bad, 422, 'invalid_fields');
  assert.ok(bad.json.error.fields.name && bad.json.error.fields.severity);
  assertEnvelope(await srv.get('/api/v1/lexicons/999999'), 404, 'not_found');
  const list = await srv.get('/api/v1/lexicons?category=sensitive');
  assert.ok(list.json.items.some((l) => l.id === r.json.id));
  assert.ok(list.json.items.every((l) => l.category === 'sensitive'));
});

test('import counts added, duplicate and invalid lines, and the words are in force for the next request', async () => {
  const id = await newLexicon('sensitive', 'block');
  const body = [
    '测试词甲\t请删除',    // added, with a suggestion
    '测试词甲',            // duplicate
    '测试 词甲',           // duplicate: the same word once spaces are ignored
    '',                    // blank: not counted
    '\t没有词条',          // invalid: no word
    '甲\t乙\t丙',          // invalid: too many columns
    '，。！',              // invalid: only punctuation
    '测试词乙',            // added
  ].join('\r\n') + '\n';
  const r = await importText(id, body);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.added, 2);
  assert.equal(r.json.duplicate, 2);
  assert.equal(r.json.invalid, 3);
  assert.deepEqual(r.json.errors.map((e) => e.line), [5, 6, 7]);
  assert.equal(r.json.lexicon.entry_count, 2);
  const c = await check('这里有测试词甲和测试词乙。');
  assert.equal(c.status, 200);
  const mine = c.json.findings.filter((f) => f.lexicon_id === id);
  assert.deepEqual(mine.map((f) => [f.text, f.start, f.end, f.suggestion]),
    [['测试词甲', 3, 7, '请删除'], ['测试词乙', 8, 12, null]]);
  assert.equal(c.json.verdict, 'block');
  // importing the same again adds nothing
  const again = await importText(id, '测试词甲\n测试词乙\n');
  assert.deepEqual([again.json.added, again.json.duplicate, again.json.invalid], [0, 2, 0]);
});

test('a fresh install finds sensitive words with its starter lexicon: slogans block, names that criticism also uses only warn', async () => {
  const text = '有人在群里转发“法轮大法好”的传单，还推销网络赌博和冰毒。社区开展揭批法轮功邪教宣传。我妈妈的生日在冬天，她爱看冰壶比赛。';
  const r = await check(text);
  assert.equal(r.status, 200, r.body);
  const sens = r.json.findings.filter((f) => f.category === 'sensitive').map((f) => [f.text, f.severity]);
  assert.deepEqual(sens, [['法轮大法好', 'block'], ['网络赌博', 'warn'], ['冰毒', 'warn'], ['法轮功', 'warn']]);
  assert.match(r.json.findings.find((f) => f.text === '网络赌博').suggestion, /赌博/, 'the suggestion names the class');
  assert.equal(r.json.verdict, 'block');
  const lex = (await srv.get('/api/v1/lexicons?category=sensitive')).json.items.find((l) => l.builtin);
  assert.ok(lex.entry_count >= 200, `${lex.entry_count} starter entries`);
  assert.match(lex.name, /入门/);
});

test('proofread reports findings with code point offsets, a summary by category and a verdict', async () => {
  const text = '😀请按装软件。以习近平总书记为核心的党中央。';
  const r = await check(text);
  assert.equal(r.status, 200, r.body);
  const typo = r.json.findings.find((f) => f.category === 'typo');
  assert.deepEqual([typo.start, typo.end, typo.text, typo.suggestion, typo.severity], [2, 4, '按装', '安装', 'warn']);
  assert.equal(Array.from(text).slice(typo.start, typo.end).join(''), typo.text);
  assert.equal(Buffer.from(text).subarray(typo.byte_start, typo.byte_end).toString(), typo.text);
  const form = r.json.findings.find((f) => f.category === 'formulation');
  assert.equal(form.suggestion, '以习近平同志为核心的党中央');
  assert.equal(form.severity, 'block');
  for (const k of ['sensitive', 'formulation', 'typo', 'custom']) assert.equal(typeof r.json.summary[k], 'number');
  assert.equal(r.json.summary.typo, 1);
  assert.equal(r.json.summary.formulation, 1);
  assert.equal(r.json.verdict, 'block');
  const clean = await check('今天天气很好，大家按时参加组织生活会。');
  assert.deepEqual(clean.json.findings, []);
  assert.equal(clean.json.verdict, 'pass');
  const only = await check(text, { categories: ['typo'] });
  assert.deepEqual(only.json.findings.map((f) => f.category), ['typo']);
  assert.equal(only.json.verdict, 'warn');
});

test('typos in ordinary sentences are found, the same characters across a word boundary are not', async () => {
  for (const [text, word, start] of [['我们要按装设备', '按装', 3], ['按装好设备', '按装', 0], ['请按装新的软件', '按装', 1]]) {
    const r = await check(text, { categories: ['typo'] });
    assert.deepEqual(r.json.findings.map((f) => [f.text, f.start, f.rule]), [[word, start, 'language_model']], text);
  }
  for (const text of ['坚持以经济建设为中心', '请按装箱单清点物资', '党员要严格守法', '这次活动既使用了线上平台', '祝大家平安祥和']) {
    const r = await check(text, { categories: ['typo'] });
    assert.deepEqual(r.json.findings, [], text);
  }
});

test('explain=true shows the two readings and their scores, and the hits the model dropped', async () => {
  const r = await check('我们要按装设备，坚持以经济建设为中心', { explain: true, categories: ['typo'] });
  assert.equal(r.status, 200, r.body);
  const [f] = r.json.findings;
  assert.equal(f.rule, 'language_model');
  assert.equal(f.lexicon, '常见错别字');
  assert.equal(f.explain.written, '我们/要/按/装/设备');
  assert.equal(f.explain.corrected, '我们/要/安装/设备');
  assert.ok(f.explain.corrected_score - f.explain.written_score >= f.explain.margin);
  assert.equal(f.explain.kept, true);
  // the word bigram joined to the unigram when the build converted libpinyin's model, else the unigram
  assert.ok(['bigram+unigram', 'unigram'].includes(f.explain.model), f.explain.model);
  const [d] = r.json.dropped;
  assert.deepEqual([d.text, d.rule, d.explain.kept, d.explain.attached], ['以经', 'language_model', false, true]);
  assert.ok(d.explain.written.includes('以/经济'));
  assert.ok(d.explain.corrected_score < d.explain.written_score + d.explain.margin);
  // without explain: no explanations, no dropped list; other categories say "lexicon"
  const plain = await check('我们要按装设备，以习近平总书记为核心的党中央');
  assert.equal(plain.json.dropped, undefined);
  assert.ok(plain.json.findings.every((x) => x.explain === undefined));
  assert.equal(plain.json.findings.find((x) => x.category === 'formulation').rule, 'lexicon');
  assertEnvelope(await check('按装', { explain: 'yes' }), 422, 'invalid_fields');
});

test('interference characters, full-width and traditional text still match, offsets cover the original', async () => {
  const id = await newLexicon('sensitive', 'block');
  await importText(id, '违禁短语\nabc测试\n');
  const text = '看：违\u200b禁 短＊语，ＡＢＣ测试，違禁短語';
  const r = await check(text);
  const mine = r.json.findings.filter((f) => f.lexicon_id === id);
  assert.deepEqual(mine.map((f) => f.text), ['违\u200b禁 短＊语', 'ＡＢＣ测试', '違禁短語']);
  for (const f of mine) {
    assert.equal(Array.from(text).slice(f.start, f.end).join(''), f.text);
    assert.equal(f.end - f.start, cp(f.text));
  }
});

test('traditional text is converted at phrase level: 乾隆 stays 乾隆, 乾淨 is 干净; offsets are the original text\'s', async () => {
  const id = await newLexicon('custom', 'warn');
  // 干隆 would match 乾隆 character by character (乾 alone is 干)
  const imp = await importText(id, '干净\n头发\n干隆\n乾隆年间\n');
  assert.equal(imp.status, 200, imp.body);
  const text = '😀乾隆年間，皇帝的頭髮很乾\u200b淨。';
  const r = await check(text);
  assert.equal(r.status, 200, r.body);
  const mine = r.json.findings.filter((f) => f.lexicon_id === id);
  assert.deepEqual(mine.map((f) => [f.word, f.text, f.start, f.end]),
    [['乾隆年间', '乾隆年間', 1, 5], ['头发', '頭髮', 9, 11], ['干净', '乾\u200b淨', 12, 15]]);
  for (const f of mine) {
    assert.equal(Array.from(text).slice(f.start, f.end).join(''), f.text);
    assert.equal(Buffer.from(text).subarray(f.byte_start, f.byte_end).toString(), f.text);
  }
  // the same words in simplified text, and 干隆 written as such
  const s = await check('干净的头发，干隆');
  assert.deepEqual(s.json.findings.filter((f) => f.lexicon_id === id).map((f) => [f.text, f.start, f.end]),
    [['干净', 0, 2], ['头发', 3, 5], ['干隆', 6, 8]]);
});

test('a run of one repeated character hides no sensitive word; each lexicon may turn that on or off', async () => {
  const sens = await newLexicon('sensitive', 'block');
  const cust = await newLexicon('custom', 'warn');
  await importText(sens, '重复测试甲乙\n');
  await importText(cust, '重复测试丙丁\n');
  const text = '看重重复测试甲甲乙，重重复测试丙丁';
  const mine = async () => (await check(text)).json.findings.filter((f) => [sens, cust].includes(f.lexicon_id)).map((f) => f.text);
  assert.equal((await srv.get(`/api/v1/lexicons/${sens}`)).json.repeats, 'default');
  assert.deepEqual(await mine(), ['重重复测试甲甲乙', '重复测试丙丁']); // on by default for sensitive words only
  let r = await srv.patch(`/api/v1/lexicons/${cust}`, { repeats: 'on' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.repeats, 'on');
  r = await srv.patch(`/api/v1/lexicons/${sens}`, { repeats: 'off' });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await mine(), ['重重复测试丙丁']);
  assertEnvelope(await srv.patch(`/api/v1/lexicons/${sens}`, { repeats: 'maybe' }), 422, 'invalid_fields');
  // a typo lexicon never collapses repeats (谢谢, 天天 are words)
  const typo = await srv.post('/api/v1/lexicons', { name: `测试错别字${++seq}`, category: 'typo', severity: 'warn', repeats: 'on' });
  assert.equal(typo.status, 201, typo.body);
  await importText(typo.json.id, '按装\t安装\n');
  const t = await check('我们要按按装设备', { categories: ['typo'] });
  assert.ok(t.json.findings.every((f) => f.text === '按装'), t.body);
});

test('a lexicon may also match by pinyin and homophones (off by default); findings keep exact offsets and say so', async () => {
  const sens = await newLexicon('sensitive', 'block');
  await importText(sens, '拼音测试词\n');
  const text = '甲：拼音策试词；乙：pin yin ce shi ci；丙：PYCSC；丁：拼yin测试ci；戊：拼音测试词。';
  const mine = async () => (await check(text)).json.findings.filter((f) => f.lexicon_id === sens);
  assert.equal((await srv.get(`/api/v1/lexicons/${sens}`)).json.pinyin, false);
  assert.deepEqual((await mine()).map((f) => f.text), ['拼音测试词']); // off: only as written
  let r = await srv.patch(`/api/v1/lexicons/${sens}`, { pinyin: true });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.pinyin, true);
  const got = await mine();
  assert.deepEqual(got.map((f) => [f.text, f.rule]), [
    ['拼音策试词', 'pinyin'], ['pin yin ce shi ci', 'pinyin'], ['PYCSC', 'pinyin'], ['拼yin测试ci', 'pinyin'], ['拼音测试词', 'lexicon'],
  ]);
  for (const f of got) {
    assert.equal(Array.from(text).slice(f.start, f.end).join(''), f.text);
    assert.equal(Buffer.from(text).subarray(f.byte_start, f.byte_end).toString(), f.text);
  }
  // the change is in the lexicon's history, and the check's meta names the rule
  const h = await srv.get(`/api/v1/lexicons/${sens}/history`);
  assert.deepEqual(h.json.items[0].detail.pinyin, { before: false, after: true });
  const meta = await srv.get('/api/v1/proofread/meta');
  assert.ok(meta.json.rules.some((x) => x.code === 'pinyin' && x.title), meta.body);
  assertEnvelope(await srv.patch(`/api/v1/lexicons/${sens}`, { pinyin: 'yes' }), 422, 'invalid_fields');
  // created with the option; typo lexicons never match by pinyin (homophones are their own business)
  const cust = await srv.post('/api/v1/lexicons', { name: `测试拼音${++seq}`, category: 'custom', severity: 'warn', pinyin: true });
  assert.equal(cust.status, 201, cust.body);
  assert.equal(cust.json.pinyin, true);
  const typo = await srv.post('/api/v1/lexicons', { name: `测试错别字${++seq}`, category: 'typo', severity: 'warn', pinyin: true });
  assert.equal(typo.status, 201, typo.body);
  await importText(typo.json.id, '拼错的字\t拼对的字\n');
  const t = await check('这里有 pin cuo de zi 和拼措的字', { categories: ['typo'] });
  assert.equal(t.json.findings.filter((f) => f.lexicon_id === typo.json.id).length, 0, t.body);
  r = await srv.patch(`/api/v1/lexicons/${sens}`, { pinyin: false });
  assert.deepEqual((await mine()).map((f) => f.text), ['拼音测试词']);
});

test('a whitelisted longer word suppresses a finding inside it', async () => {
  const sens = await newLexicon('sensitive', 'block');
  await importText(sens, '大法\n');
  let r = await check('最高法院大法官说');
  assert.equal(r.json.findings.filter((f) => f.lexicon_id === sens).length, 1);
  const white = await newLexicon('whitelist', 'info');
  const imp = await importText(white, '大法官\n');
  assert.equal(imp.json.added, 1);
  r = await check('最高法院大法官说，修炼大法');
  const mine = r.json.findings.filter((f) => f.lexicon_id === sens);
  assert.deepEqual(mine.map((f) => [f.text, f.start]), [['大法', 11]]);
});

test('disabling a lexicon takes its words out of force; enabling brings them back', async () => {
  const id = await newLexicon('custom', 'warn');
  await importText(id, '开关词\n');
  const count = async () => (await check('这是开关词。')).json.findings.filter((f) => f.lexicon_id === id).length;
  assert.equal(await count(), 1);
  let r = await srv.patch(`/api/v1/lexicons/${id}`, { enabled: false, description: '暂停使用' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.enabled, false);
  assert.equal(await count(), 0);
  r = await srv.patch(`/api/v1/lexicons/${id}`, { enabled: true, severity: 'info' });
  assert.equal(await count(), 1);
  const f = (await check('这是开关词。')).json.findings.find((x) => x.lexicon_id === id);
  assert.equal(f.severity, 'info');
});

test('entries can be read, changed and deleted, and the history says what changed in which version', async () => {
  const id = await newLexicon('typo', 'warn');
  let r = await srv.post(`/api/v1/lexicons/${id}/entries`, { word: '错字甲', suggestion: '正字甲' });
  assert.equal(r.status, 201, r.body);
  const eid = r.json.id;
  assertEnvelope(await srv.post(`/api/v1/lexicons/${id}/entries`, { word: '错字 甲' }), 409, 'duplicate_word');
  assertEnvelope(await srv.post(`/api/v1/lexicons/${id}/entries`, { word: '，，' }), 422, 'invalid_fields');
  r = await srv.get(`/api/v1/lexicons/${id}/entries?q=错字`);
  assert.equal(r.json.total, 1);
  assert.equal(r.json.items[0].word, '错字甲');
  r = await srv.patch(`/api/v1/lexicons/${id}/entries/${eid}`, { suggestion: '正字乙', severity: 'block' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.suggestion, '正字乙');
  assert.equal(r.json.effective_severity, 'block');
  let f = (await check('写了错字甲。', { categories: ['typo'] })).json.findings.find((x) => x.lexicon_id === id);
  assert.deepEqual([f.suggestion, f.severity], ['正字乙', 'block']);
  r = await srv.del(`/api/v1/lexicons/${id}/entries/${eid}`);
  assert.equal(r.status, 204);
  assertEnvelope(await srv.get(`/api/v1/lexicons/${id}/entries/${eid}`), 404, 'not_found');
  f = (await check('写了错字甲。')).json.findings.find((x) => x.lexicon_id === id);
  assert.equal(f, undefined);
  const h = await srv.get(`/api/v1/lexicons/${id}/history`);
  assert.deepEqual(h.json.items.map((x) => x.action), ['entry.delete', 'entry.update', 'entry.create', 'lexicon.create']);
  assert.deepEqual(h.json.items.map((x) => x.version), [4, 3, 2, 1]);
  assert.equal(h.json.items[1].detail.suggestion.after, '正字乙');
  assert.ok('actor_id' in h.json.items[0]);
  const lex = await srv.get(`/api/v1/lexicons/${id}`);
  assert.equal(lex.json.version, 4);
  assert.equal(lex.json.entry_count, 0);
  const hist = await srv.get(`/api/v1/lexicons/${id}/history`);
  assert.equal(hist.json.items[0].actor.username, 'admin', 'who changed it, by name');
  const ex = await srv.get(`/api/v1/lexicons/${id}/export`);
  assert.match(ex.headers.get('content-disposition'), /filename\*=UTF-8''%[0-9A-F]{2}/);
});

test('deleting a lexicon removes it; built-in lexicons can only be disabled', async () => {
  const id = await newLexicon('custom', 'warn');
  await importText(id, '将删除的词\n');
  assert.equal((await srv.del(`/api/v1/lexicons/${id}`)).status, 204);
  assertEnvelope(await srv.get(`/api/v1/lexicons/${id}`), 404, 'not_found');
  assert.equal((await check('将删除的词')).json.findings.filter((f) => f.lexicon_id === id).length, 0);
  const list = await srv.get('/api/v1/lexicons?page_size=200');
  const builtin = list.json.items.filter((l) => l.builtin);
  assert.deepEqual(builtin.map((l) => l.category).sort(), ['formulation', 'formulation', 'sensitive', 'typo', 'typo', 'whitelist']);
  assert.ok(builtin.filter((l) => l.category !== 'whitelist').every((l) => l.entry_count > 10));
  assertEnvelope(await srv.del(`/api/v1/lexicons/${builtin[0].id}`), 409, 'builtin_lexicon');
});

test('import refuses invalid UTF-8, other content types and a missing lexicon', async () => {
  const id = await newLexicon();
  const bad = Buffer.concat([Buffer.from('好词\n'), Buffer.from([0xe6, 0x88]), Buffer.from('\n')]);
  assertEnvelope(await srv.request('POST', `/api/v1/lexicons/${id}/import`, { raw: bad, headers: { 'content-type': 'text/plain' } }), 400, 'invalid_utf8');
  assertEnvelope(await srv.request('POST', `/api/v1/lexicons/${id}/import`, { raw: '{"a":1}', headers: { 'content-type': 'application/json' } }), 415, 'unsupported_media_type');
  assertEnvelope(await importText(999999, '词\n'), 404, 'not_found');
  const notXlsx = await srv.request('POST', `/api/v1/lexicons/${id}/import`, {
    raw: 'plain words', headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
  assert.ok([400, 415].includes(notXlsx.status), notXlsx.body);
  assert.equal((await srv.get(`/api/v1/lexicons/${id}`)).json.entry_count, 0);
});

test('.xlsx import reads words, suggestions and severities, skipping a header row', async () => {
  const id = await newLexicon('typo', 'warn');
  const body = xlsx([['词条', '建议', '级别', '备注'], ['表格错字', '表格正字', '阻断', '来自表格'], ['表格错字', null, null, null],
    ['第二个词', null, 'info', null], ['第三个词', '建议', '无效级别', null]]);
  const r = await srv.request('POST', `/api/v1/lexicons/${id}/import`, {
    raw: body, headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual([r.json.added, r.json.duplicate, r.json.invalid], [2, 1, 1]);
  assert.equal(r.json.errors[0].line, 5);
  const e = await srv.get(`/api/v1/lexicons/${id}/entries`);
  const byWord = Object.fromEntries(e.json.items.map((x) => [x.word, x]));
  assert.equal(byWord['表格错字'].suggestion, '表格正字');
  assert.equal(byWord['表格错字'].severity, 'block');
  assert.equal(byWord['表格错字'].note, '来自表格');
  assert.equal(byWord['第二个词'].severity, 'info');
  const exp = await srv.get(`/api/v1/lexicons/${id}/export`);
  assert.equal(exp.status, 200);
  assert.match(exp.body, /^表格错字\t表格正字$/m);
});

test('a body past the spool threshold (kept in a file, not memory) is checked the same', async () => {
  const filler = '党群服务阵地建设'.repeat(3000); // 24,000 characters, 72 KB of UTF-8 > 16 KB
  const r = await check(filler + '请按装软件');
  assert.equal(r.status, 200, r.body);
  const f = r.json.findings.find((x) => x.text === '按装');
  assert.ok(f, r.body.slice(0, 300));
  assert.equal(f.start, 24001);
  const bad = await srv.request('POST', '/api/v1/proofread', { raw: Buffer.concat([Buffer.from('{"text":"' + filler), Buffer.from([0xff]), Buffer.from('"}')]),
    headers: { 'content-type': 'application/json' } });
  assertEnvelope(bad, 400, 'invalid_utf8');
});

test('an upload cut off halfway creates no job, leaves no file and the server keeps serving', async () => {
  const before = (await srv.get('/api/v1/proofread/video?page_size=1')).json.total;
  const b = '----zhendiCut';
  const head = `POST /api/v1/proofread/video HTTP/1.1\r\nHost: x\r\nCookie: ${srv.cookie}\r\nX-CSRF-Token: ${srv.csrf}\r\n` +
    `Content-Type: multipart/form-data; boundary=${b}\r\nContent-Length: 5000000\r\n\r\n` +
    `--${b}\r\nContent-Disposition: form-data; name="file"; filename="cut.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
  await new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1', () => {
      s.write(head);
      s.write(Buffer.alloc(300 * 1024, 7), () => setTimeout(() => s.destroy(), 300)); // 300 KB of 5 MB, then gone
    });
    s.on('close', resolve);
    s.on('error', resolve);
  });
  assert.equal((await srv.get('/healthz')).status, 200);
  assert.equal((await srv.get('/api/v1/proofread/video?page_size=1')).json.total, before);
  assert.deepEqual(readdirSync(join(server.data, 'tmp')).filter((f) => !f.startsWith('.')), []);
});

test('bad proofread requests get 4xx', async () => {
  assertEnvelope(await srv.post('/api/v1/proofread', {}), 422, 'invalid_fields');
  assertEnvelope(await srv.post('/api/v1/proofread', { text: 42 }), 422, 'invalid_fields');
  assertEnvelope(await srv.post('/api/v1/proofread', { text: 'x', categories: ['nonsense'] }), 422, 'invalid_fields');
  assertEnvelope(await srv.request('POST', '/api/v1/proofread', { raw: '{"text":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
  const badUtf8 = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  assertEnvelope(await srv.request('POST', '/api/v1/proofread', { raw: badUtf8, headers: { 'content-type': 'application/json' } }), 400, 'invalid_utf8');
  assertEnvelope(await srv.request('POST', '/api/v1/proofread', { raw: 'text', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
  assertEnvelope(await srv.post('/api/v1/proofread', { text: '字'.repeat(500001) }), 422, 'invalid_fields');
  // pasted text with control characters is still checked
  const r = await check('请按装\u000b软件\u000c');
  assert.equal(r.status, 200);
  assert.equal(r.json.findings.length, 1);
});

test('lexicon changes never show half-applied to concurrent checks', async () => {
  const id = await newLexicon('custom', 'warn');
  const words = Array.from({ length: 60 }, (_, i) => `并发词${String(i).padStart(2, '0')}号`);
  const text = words.join('，');
  const checks = [];
  for (let i = 0; i < 30; i++) checks.push(check(text));
  const imp = importText(id, words.join('\n'));
  for (let i = 0; i < 30; i++) checks.push(check(text));
  assert.equal((await imp).json.added, 60);
  for (const r of await Promise.all(checks)) {
    const n = r.json.findings.filter((f) => f.lexicon_id === id).length;
    assert.ok(n === 0 || n === 60, `saw ${n} of 60 words`);
  }
  const final = await check(text);
  assert.equal(final.json.findings.filter((f) => f.lexicon_id === id).length, 60);
});

test('any logged-in user may proofread; only lexicon keepers change lexicons, and every change is audited', async () => {
  envelope401(await server.post('/api/v1/proofread', { text: '按装' }));
  const w = await newWorker('pr_worker');
  const r = await w.post('/api/v1/proofread', { text: '请按装新软件' });
  assert.equal(r.status, 200);
  assert.ok(r.json.findings.length > 0);
  assertEnvelope(await w.get('/api/v1/lexicons'), 403, 'forbidden');
  assertEnvelope(await w.post('/api/v1/lexicons', { name: '越权', category: 'custom', severity: 'warn' }), 403, 'forbidden');
  const auditor = await server.login('auditor');
  const a = await auditor.get('/api/v1/audit?action=lexicon&page_size=200');
  const actions = new Set(a.json.items.map((x) => x.action));
  for (const act of ['lexicon.create', 'lexicon.import', 'lexicon.entry.update']) assert.ok(actions.has(act), [...actions].join(','));
  assert.ok(a.json.items.some((x) => x.action === 'lexicon.create' && x.username === 'admin'));
});

// A grassroots worker (role worker), logged in after the forced password change.
async function newWorker(username) {
  const org = (await srv.get('/api/v1/orgs?q=SH&page_size=1')).json.items[0];
  const u = await srv.post('/api/v1/users', { username, name: '党务', org_id: org.id, roles: ['worker'], password: 'Pr-Worker-2026' });
  assert.equal(u.status, 201, u.body);
  const w = await server.login(username, 'Pr-Worker-2026');
  const p = await w.post('/api/v1/auth/password', { old_password: 'Pr-Worker-2026', new_password: 'Pr-Worker-2027' });
  assert.equal(p.status, 204, p.body);
  return server.login(username, 'Pr-Worker-2027');
}

function envelope401(r) {
  assert.equal(r.status, 401, r.body);
}

test('segmentation returns words with offsets', async () => {
  const r = await srv.post('/api/v1/text/segment', { text: '坚持以经济建设为中心' });
  assert.equal(r.status, 200, r.body);
  const words = r.json.tokens.map((t) => t.text);
  assert.ok(words.includes('经济'), words.join('|'));
  for (const t of r.json.tokens) assert.equal(Array.from('坚持以经济建设为中心').slice(t.start, t.end).join(''), t.text);
  assertEnvelope(await srv.post('/api/v1/text/segment', {}), 422, 'invalid_fields');
});

test('meta and engine figures for the console', async () => {
  const m = await srv.get('/api/v1/proofread/meta');
  assert.equal(m.status, 200);
  assert.deepEqual(m.json.categories.map((c) => c.code), ['sensitive', 'formulation', 'typo', 'custom', 'whitelist']);
  assert.deepEqual(m.json.rules.map((c) => [c.code, c.title]), [['lexicon', '词库匹配'], ['language_model', '语言模型确认'],
    ['segmentation', '分词校验'], ['external', '外部服务'], ['pinyin', '拼音或同音字匹配']]);
  assert.ok(m.json.image_max_bytes > 0 && m.json.video_max_bytes > 0);
  const e = await srv.get('/api/v1/proofread/engine');
  assert.equal(e.status, 200);
  assert.ok(e.json.entries > 500, 'built-in lexicons compiled');
  assert.ok(e.json.memory_bytes > 0 && e.json.states > 0);
});

// ---- images and videos ----

test('a sensitive word rendered into an image is found with its bounding box', async () => {
  const id = await newLexicon('sensitive', 'block');
  await importText(id, '测试敏感词\n');
  const png = render('图片中含有测试敏感词，请核实', 'word.png');
  const r = await upload('/api/v1/proofread/image', 'file', png, { type: 'image/png' });
  assert.equal(r.status, 200, r.body);
  assert.match(r.json.text, /测试敏感词/);
  const f = r.json.findings.find((x) => x.lexicon_id === id);
  assert.ok(f, JSON.stringify(r.json));
  assert.equal(f.text, '测试敏感词');
  assert.equal(Array.from(r.json.text).slice(f.start, f.end).join(''), f.text);
  // the word is drawn from x = 40 + 5 characters × 48 px = 280 to 520, baseline at
  // y = 120: its box is there within a quarter of a character (tesseract's own
  // character boxes drift right by up to one along the line)
  assert.ok(Math.abs(f.box.x - 280) < 12, JSON.stringify(f.box));
  assert.ok(Math.abs(f.box.x + f.box.w - 520) < 12, JSON.stringify(f.box));
  assert.ok(f.box.y > 50 && f.box.y < 120 && f.box.h > 25, JSON.stringify(f.box));
  assert.equal(f.boxes.length, 1);
  assert.equal(r.json.verdict, 'block');
  assert.equal(r.json.file.type, 'image/png');
  assert.equal(r.json.ocr.width, 900);
});

test('image uploads: no file 422, not an image 415, bad multipart 400', async () => {
  const txt = join(work, 'not-an-image.png');
  execFileSync('sh', ['-c', `printf 'just text' > ${txt}`]);
  assertEnvelope(await upload('/api/v1/proofread/image', 'file', txt, { type: 'image/png' }), 415, 'unsupported_media_type');
  assertEnvelope(await upload('/api/v1/proofread/image', 'other', txt), 422, 'invalid_fields');
  assertEnvelope(await srv.request('POST', '/api/v1/proofread/image', {
    raw: '--x\r\nno headers', headers: { 'content-type': 'multipart/form-data; boundary=x' } }), 400, 'invalid_multipart');
  assertEnvelope(await srv.post('/api/v1/proofread/image', { file: 'x' }), 415, 'unsupported_media_type');
});

test('a video upload becomes a job whose result has findings with time codes', async () => {
  const mp4 = join(work, 'clip.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=640x360:d=5:r=10',
    '-vf', `drawtext=fontfile=${FONT}:text='热烈庆祝第二十届全国代表大会召开':fontsize=32:fontcolor=black:x=40:y=150:enable='between(t,2,3.9)'`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-y', mp4]);
  const r = await upload('/api/v1/proofread/video', 'file', mp4, { type: 'video/mp4', fields: { interval: '1' } });
  assert.equal(r.status, 201, r.body);
  let job;
  for (let i = 0; i < 300; i++) {
    job = (await srv.get(`/api/v1/proofread/video/${r.json.id}`)).json;
    if (['done', 'dead'].includes(job.status)) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.result.frames, 5);
  const f = job.result.findings.find((x) => x.category === 'formulation');
  assert.ok(f, JSON.stringify(job.result));
  assert.equal(f.suggestion, '第二十次全国代表大会');
  assert.equal(f.time, 2);
  assert.equal(f.end_time, 4);
  assert.equal(f.timecode, '00:00:02');
  assert.ok(f.box && f.box.w > 0);
  // the boxes are in the frame's pixels, and the finding says what surrounds it
  assert.deepEqual([job.result.frame_width, job.result.frame_height], [640, 360]);
  assert.ok(f.box.x + f.box.w <= 640 && f.box.y + f.box.h <= 360, JSON.stringify(f.box));
  assert.match(f.context.before, /庆祝$/, JSON.stringify(f));
  assert.match(f.context.after, /^召开/, JSON.stringify(f));
  assert.equal(job.result.findings.filter((x) => x.category === 'formulation').length, 1, 'one finding across frames');
  assert.equal(job.result.verdict, 'block');
  assert.equal(job.progress.done, job.progress.total);
  const txt = join(work, 'fake.mp4');
  execFileSync('sh', ['-c', `printf 'not a video at all' > ${txt}`]);
  assertEnvelope(await upload('/api/v1/proofread/video', 'file', txt, { type: 'video/mp4' }), 415, 'unsupported_media_type');
  assertEnvelope(await upload('/api/v1/proofread/video', 'file', mp4, { fields: { interval: '0' } }), 422, 'invalid_fields');
  assertEnvelope(await srv.get('/api/v1/proofread/video/999999'), 404, 'not_found');
});

test('a user lists their own video checks with verdicts; others see none of them', async () => {
  const mp4 = join(work, 'plain.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=320x180:d=2:r=5',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-y', mp4]);
  const posted = await upload('/api/v1/proofread/video', 'file', mp4, { type: 'video/mp4', fields: { interval: '1' } });
  assert.equal(posted.status, 201, posted.body);
  assert.equal(posted.json.file.name, 'plain.mp4');
  assert.equal(posted.json.interval_s, 1);
  for (let i = 0; i < 300; i++) {
    if ((await srv.get(`/api/v1/proofread/video/${posted.json.id}`)).json.status === 'done') break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const list = await srv.get('/api/v1/proofread/video?page_size=50');
  assert.equal(list.status, 200, list.body);
  assert.ok(list.json.total >= 1);
  const ids = list.json.items.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  const mine = list.json.items.find((x) => x.id === posted.json.id);
  assert.deepEqual([mine.status, mine.file.name, mine.result.verdict, mine.result.findings_count, mine.result.frames],
    ['done', 'plain.mp4', 'pass', 0, 2]);
  assert.equal(mine.result.findings, undefined, 'lists carry figures, not findings');
  const done = await srv.get('/api/v1/proofread/video?status=done');
  assert.ok(done.json.items.every((x) => x.status === 'done'));
  assertEnvelope(await srv.get('/api/v1/proofread/video?status=bogus'), 422, 'invalid_fields');
  // another user: an empty list, and the job itself is missing
  const other = await newWorker('pr_video_other');
  const theirs = await other.get('/api/v1/proofread/video');
  assert.equal(theirs.status, 200, theirs.body);
  assert.equal(theirs.json.total, 0);
  assertEnvelope(await other.get(`/api/v1/proofread/video/${posted.json.id}`), 404, 'not_found');
  // the uploads went through the spool and the job: nothing is left behind
  assert.deepEqual(readdirSync(join(server.data, 'tmp')).filter((f) => !f.startsWith('.')), []);
});

// ---- limits and the external service ----

describe('with an external service and small upload limits', () => {
  let fake, extServer, ext;
  before(async () => {
    fake = await startFakeProofreader({ key: 'secret-key', words: { 外部词: 'sensitive', 按装: 'typo' } });
    extServer = await startServer({
      env: { ZHENDI_PROOFREAD_EXTERNAL_URL: fake.url, ZHENDI_PROOFREAD_EXTERNAL_KEY: 'secret-key' },
      args: ['--proofread-image-max-mb', '1'],
    });
    ext = await extServer.admin();
  });
  after(async () => {
    assert.equal((await extServer.stop()).code, 0);
    await fake.close();
  });

  test('external findings are merged with the local ones, marked by source', async () => {
    const r = await ext.post('/api/v1/proofread', { text: '请按装这个外部词。' });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.external.status, 'ok');
    const typo = r.json.findings.find((f) => f.category === 'typo');
    assert.equal(typo.source, 'both');
    assert.equal(typo.rule, 'language_model');
    const outside = r.json.findings.find((f) => f.text === '外部词');
    assert.deepEqual([outside.source, outside.rule, outside.category, outside.start, outside.end, outside.message],
      ['external', 'external', 'sensitive', 5, 8, '外部服务发现']);
    assert.equal(r.json.summary.sensitive, 1);
    assert.equal(r.json.verdict, 'block');
    const req = fake.requests.at(-1);
    assert.equal(req.auth, 'Bearer secret-key');
    assert.equal(JSON.parse(req.body).offsets, 'codepoint');
    const off = await ext.post('/api/v1/proofread', { text: '外部词', external: false });
    assert.equal(off.json.external.status, 'disabled');
    assert.equal(off.json.findings.length, 0);
  });

  test('an image check asks the external service unless the form says external=false', async () => {
    const png = render('这里有外部词', 'external.png');
    const asked = fake.requests.length;
    const on = await upload('/api/v1/proofread/image', 'file', png, { type: 'image/png', server: ext });
    assert.equal(on.status, 200, on.body);
    assert.equal(on.json.external.status, 'ok');
    assert.ok(on.json.findings.some((f) => f.text === '外部词' && f.source === 'external'), on.body);
    assert.equal(fake.requests.length, asked + 1);
    const off = await upload('/api/v1/proofread/image', 'file', png, { type: 'image/png', server: ext, fields: { external: 'false' } });
    assert.equal(off.status, 200, off.body);
    assert.equal(off.json.external.status, 'disabled');
    assert.ok(!off.json.findings.some((f) => f.source === 'external'), off.body);
    assert.equal(fake.requests.length, asked + 1, 'the text never left the server');
    assertEnvelope(await upload('/api/v1/proofread/image', 'file', png, { type: 'image/png', server: ext, fields: { external: 'maybe' } }),
      422, 'invalid_fields');
  });

  test('images larger than the limit are refused with 413', async () => {
    const big = join(work, 'big.png');
    execFileSync('convert', ['-size', '480x480', 'xc:', '+noise', 'Random', big]); // ≈ 1.4 MB
    assertEnvelope(await upload('/api/v1/proofread/image', 'file', big, { type: 'image/png', server: ext }), 413, 'payload_too_large');
  });

  test('when the external service is down the local engine still answers', async () => {
    await fake.close();
    const r = await ext.post('/api/v1/proofread', { text: '请按装这个外部词。' });
    assert.equal(r.status, 200);
    assert.equal(r.json.external.status, 'error');
    assert.deepEqual(r.json.findings.map((f) => [f.text, f.source]), [['按装', 'local']]);
    fake = await startFakeProofreader(); // for after()
  });
});
