// 校真 for real documents (issue 17): a district worker uploads a .docx or a
// .pdf, the text is read by its content and checked; each check is kept in
// the worker's own history (text checks when asked), reopens with its text
// and findings, exports as a findings report (.docx with the marked text,
// .xlsx with the findings table), and can be deleted; nobody else sees it.
// Bad documents get clear 4xx answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { docx, pdf, multipart } from './lib/docfixtures.mjs';

const DEMO = 'Zhendi@Demo2026';
const KEEP = 4;
let srv, pd, hp, admin, auditor, work;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-prhist-'));
  srv = await startServer({ args: ['--demo', '--proofread-history-keep', String(KEEP)] });
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
  admin = await srv.admin();
  auditor = await srv.login('auditor');
});
after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

const upload = (who, name, data, fields = {}) =>
  who.request('POST', '/api/v1/proofread/document', multipart(fields, { name, data }));
const slice = (text, f) => Array.from(text).slice(f.start, f.end).join('');

async function fetchFile(who, path) {
  const r = await fetch(`${srv.base}${path}`, { headers: { cookie: who.cookie } });
  const buf = Buffer.from(await r.arrayBuffer());
  return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), buf };
}
function unzipMember(buf, member) {
  const f = join(work, `f${Math.random().toString(16).slice(2)}`);
  writeFileSync(f, buf);
  return execFileSync('unzip', ['-p', f, member], { encoding: 'utf8' });
}

let docCheck;

test('a .docx is read by its content, checked, and kept in its checker’s history', async () => {
  const r = await upload(pd, '关于安装新软件的通知.docx', docx([{ heading: '通知' }, '请按装新的软件。', '坚持以经济建设为中心。']));
  assert.equal(r.status, 200, r.body);
  docCheck = r.json;
  assert.equal(docCheck.title, '关于安装新软件的通知.docx');
  assert.equal(docCheck.file_type, 'docx');
  assert.match(docCheck.text, /请按装新的软件/);
  const typo = docCheck.findings.find((f) => f.suggestion === '安装');
  assert.ok(typo, r.body);
  assert.equal(slice(docCheck.text, typo), '按装', 'offsets point into the text read from the document');
  assert.equal(docCheck.verdict, 'warn');
  assert.ok(docCheck.history_id);

  const list = await pd.get('/api/v1/proofread/history?kind=document');
  assert.equal(list.status, 200, list.body);
  const item = list.json.items.find((x) => x.id === docCheck.history_id);
  assert.ok(item);
  assert.equal(item.chars, Array.from(docCheck.text).length);
  assert.equal(item.finding_count, docCheck.findings.length);
  assert.equal(item.summary.typo, 1);

  const audit = await auditor.get('/api/v1/audit?action=proofread.document');
  assert.equal(audit.status, 200, audit.body);
  assert.ok(audit.json.items.some((a) => String(a.target_id) === String(docCheck.history_id)), 'the upload is audited');
});

test('another user neither lists nor opens someone else’s check', async () => {
  assert.equal((await hp.get(`/api/v1/proofread/history/${docCheck.history_id}`)).status, 404);
  assert.equal((await hp.get(`/api/v1/proofread/history/${docCheck.history_id}/report`)).status, 404);
  assert.equal((await hp.del(`/api/v1/proofread/history/${docCheck.history_id}`)).status, 404);
  const list = await hp.get('/api/v1/proofread/history');
  assert.ok(!list.json.items.some((x) => x.id === docCheck.history_id));
});

test('a .pdf is checked page by page with the customer’s own lexicon', async () => {
  const lex = await admin.post('/api/v1/lexicons', { name: '测试外文词库', category: 'custom', severity: 'block' });
  assert.equal(lex.status, 201, lex.body);
  const e = await admin.post(`/api/v1/lexicons/${lex.json.id}/entries`, { word: 'forbiddenword', suggestion: 'allowed' });
  assert.equal(e.status, 201, e.body);
  // the engine reloads within its poll interval
  let r;
  for (let i = 0; i < 60; i++) {
    r = await upload(pd, 'report.pdf', pdf([['Quarterly report'], ['This line has forbiddenword inside']]));
    assert.equal(r.status, 200, r.body);
    if (r.json.findings.length) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(r.json.file_type, 'pdf');
  const f = r.json.findings.find((x) => x.category === 'custom');
  assert.ok(f, r.body);
  assert.equal(slice(r.json.text, f), 'forbiddenword');
  assert.equal(r.json.verdict, 'block');
});

test('a text check is kept only when asked, and reopens with its text and findings', async () => {
  const plain = await pd.post('/api/v1/proofread', { text: '请按装新的软件。' });
  assert.equal(plain.status, 200, plain.body);
  assert.equal(plain.json.history_id, undefined, 'no history without save');
  const kept = await pd.post('/api/v1/proofread', { text: '  请按装\n新的软件，并且按装好设备。', save: true });
  assert.equal(kept.status, 200, kept.body);
  assert.ok(kept.json.history_id);
  const got = await pd.get(`/api/v1/proofread/history/${kept.json.history_id}`);
  assert.equal(got.status, 200, got.body);
  assert.equal(got.json.kind, 'text');
  assert.equal(got.json.title, '请按装 新的软件，并且按装好设备。', 'the title is the text’s first words');
  assert.equal(got.json.text, '  请按装\n新的软件，并且按装好设备。');
  assert.deepEqual(got.json.findings.map((f) => f.text), kept.json.findings.map((f) => f.text));
  const bad = await pd.post('/api/v1/proofread', { text: '一', save: 'yes' });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.save);
});

test('the findings report opens as a Word document with the table and the marked text, and as a workbook', async () => {
  const d = await fetchFile(pd, `/api/v1/proofread/history/${docCheck.history_id}/report`);
  assert.equal(d.status, 200);
  assert.match(d.type, /wordprocessingml/);
  assert.match(decodeURIComponent(d.disposition), /校对报告-关于安装新软件的通知\.docx\.docx/);
  const xml = unzipMember(d.buf, 'word/document.xml');
  assert.match(xml, /校对报告：关于安装新软件的通知\.docx/);
  assert.match(xml, /校对结论：需复核/);
  assert.match(xml, /错别字/);
  assert.match(xml, /安装/);
  assert.match(xml, /w:highlight w:val="yellow"\/><\/w:rPr><w:t xml:space="preserve">按装/, 'the typo is marked in the text');
  assert.match(xml, /通知  请【按装】新的软件。  坚持以经济…/, 'the table shows the context, line breaks as spaces');
  assert.match(unzipMember(d.buf, '\\[Content_Types\\].xml'), /wordprocessingml\.document\.main/);

  const x = await fetchFile(pd, `/api/v1/proofread/history/${docCheck.history_id}/report?format=xlsx`);
  assert.equal(x.status, 200);
  assert.match(x.type, /spreadsheetml/);
  const strings = unzipMember(x.buf, 'xl/worksheets/sheet1.xml');
  for (const s of ['序号', '修改建议', '按装', '安装', '错别字', '警告', '常见错别字 · 语言模型确认']) assert.ok(strings.includes(s), s);
  const bad = await pd.get(`/api/v1/proofread/history/${docCheck.history_id}/report?format=pdf`);
  assert.equal(bad.status, 422);

  const audit = await auditor.get('/api/v1/audit?action=proofread.report');
  assert.equal(audit.json.items.filter((a) => String(a.target_id) === String(docCheck.history_id)).length, 2);
});

test('bad documents get a clear 4xx answer and leave no history', async () => {
  const before = (await pd.get('/api/v1/proofread/history')).json.total;
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  let r = await upload(pd, '图片.docx', png);
  assert.equal(r.status, 415, r.body);
  assert.match(r.json.error.message, /docx/);
  r = await upload(pd, '坏文件.docx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
  assert.equal(r.status, 422, r.body);
  assert.equal(r.json.error.code, 'unreadable_document');
  r = await upload(pd, '空.docx', docx([]));
  assert.equal(r.status, 422, r.body);
  assert.equal(r.json.error.code, 'empty_document');
  r = await upload(pd, '通知.docx', docx(['请按装新的软件。']), { categories: 'typo,bogus' });
  assert.equal(r.status, 422, r.body);
  assert.ok(r.json.error.fields.categories);
  r = await pd.request('POST', '/api/v1/proofread/document', multipart({ external: 'false' }));
  assert.equal(r.status, 422, r.body);
  assert.ok(r.json.error.fields.file);
  assert.equal((await pd.get('/api/v1/proofread/history')).json.total, before);
});

test('only the chosen categories are checked in a document', async () => {
  const r = await upload(pd, '通知.docx', docx(['请按装新的软件。']), { categories: 'sensitive' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.findings.length, 0);
});

test('deleting a check forgets it; the history keeps each user’s newest checks', async () => {
  const ids = [];
  for (let i = 0; i < KEEP + 2; i++) {
    const r = await pd.post('/api/v1/proofread', { text: `第${i}次检查：请按装新的软件。`, save: true });
    ids.push(r.json.history_id);
  }
  const list = await pd.get('/api/v1/proofread/history?page_size=50');
  assert.deepEqual(list.json.items.map((x) => x.id), ids.slice(-KEEP).reverse(), 'the newest stay, newest first');
  const del = await pd.del(`/api/v1/proofread/history/${ids.at(-1)}`);
  assert.equal(del.status, 204, del.body);
  assert.equal((await pd.get(`/api/v1/proofread/history/${ids.at(-1)}`)).status, 404);
  const audit = await auditor.get('/api/v1/audit?action=proofread.history_delete');
  assert.ok(audit.json.items.some((a) => String(a.target_id) === String(ids.at(-1))));
});
