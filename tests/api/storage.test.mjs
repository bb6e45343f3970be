// Storage (存储与共享空间), as its users meet it: resumable tus uploads that
// survive a dropped connection, files checked by content and scanned for
// viruses, the shared space with folders and a recycle bin, downloads with
// ranges and validators, share links, quotas, statistics and the
// integrity verification that catches a blob changed on disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { startServer } from './lib/server.mjs';
import { administrators } from './lib/contract.mjs';

let srv, admin, auditor, pd, hp, work, pdOrg, hpOrg;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'zhendi-storage-'));
  srv = await startServer({ args: ['--demo', '--storage-photo-max-mb', '1', '--storage-blob-grace-hours', '0'] });
  const admins = await administrators(srv);
  admin = admins[0].client;
  auditor = admins[2].client;
  pd = await srv.login('pudong_dangwu', 'Zhendi@Demo2026');
  hp = await srv.login('huangpu_dangwu', 'Zhendi@Demo2026');
  pdOrg = pd.me.user?.org_id ?? pd.me.org_id;
  hpOrg = hp.me.user?.org_id ?? hp.me.org_id;
});

after(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const b64 = (s) => Buffer.from(String(s)).toString('base64');
const metadata = (m) => Object.entries(m).map(([k, v]) => `${k} ${b64(v)}`).join(',');

// A tus upload by hand: creation, then the bytes in one PATCH (or none).
async function create(client, length, meta, extra = {}) {
  return client.request('POST', '/api/v1/uploads', {
    headers: { 'tus-resumable': '1.0.0', 'upload-length': String(length), 'upload-metadata': metadata(meta), ...extra },
  });
}
async function patch(client, url, offset, bytes, headers = {}) {
  return client.request('PATCH', url, {
    raw: bytes,
    headers: { 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', ...headers },
  });
}
async function waitUpload(client, url) {
  for (let i = 0; i < 300; i++) {
    const r = await client.get(url);
    assert.equal(r.status, 200, r.body);
    if (r.json.status !== 'processing' && r.json.status !== 'receiving') return r.json;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('upload still processing');
}
async function uploadFile(client, bytes, meta) {
  const c = await create(client, bytes.length, meta);
  assert.equal(c.status, 201, c.body);
  const url = c.headers.get('location');
  const p = await patch(client, url, 0, bytes);
  if (p.status !== 204) return { status: p.status, json: p.json, url };
  return { status: 204, upload: await waitUpload(client, url), url };
}
async function waitJob(client, id) {
  for (let i = 0; i < 600; i++) {
    const j = await client.get(`/api/v1/jobs/${id}`);
    if (['done', 'dead', 'cancelled'].includes(j.json?.status)) return j.json;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${id} still running`);
}
const text = (s) => Buffer.from(s, 'utf8');
// the text of an .xlsx answer's sheet (and shared strings)
// every member of the workbook, or only the named one
function sheetText(buf, member) {
  const f = join(work, `x${Math.random().toString(16).slice(2)}.xlsx`);
  writeFileSync(f, buf);
  return execFileSync('unzip', ['-p', f, ...(member ? [member] : [])], { encoding: 'utf8' });
}

test('the server tells tus clients what it speaks', async () => {
  const r = await srv.request('OPTIONS', '/api/v1/uploads');
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('tus-version'), '1.0.0');
  for (const ext of ['creation', 'creation-with-upload', 'termination', 'checksum', 'expiration'])
    assert.ok(r.headers.get('tus-extension').split(',').includes(ext), ext);
  assert.equal(r.headers.get('tus-checksum-algorithm'), 'sha256');
});

test('a document uploaded through tus becomes a file in the shared space with its Chinese name, and downloads byte for byte', async () => {
  const body = text('阵地建设工作要点\n'.repeat(2000));
  const r = await uploadFile(pd, body, { filename: '2026年阵地建设要点.txt', purpose: 'document', tags: '["要点","阵地"]' });
  assert.equal(r.status, 204, JSON.stringify(r.json));
  assert.equal(r.upload.status, 'done', JSON.stringify(r.upload));
  const f = (await pd.get(`/api/v1/storage/files/${r.upload.file_id}`)).json;
  assert.equal(f.name, '2026年阵地建设要点.txt');
  assert.equal(f.title, '2026年阵地建设要点');
  assert.equal(f.mime, 'text/plain');
  assert.equal(f.sha256, sha256(body));
  assert.deepEqual(f.tags, ['要点', '阵地']);
  const d = await fetch(`${srv.base}/api/v1/storage/files/${f.id}/content`, { headers: { cookie: pd.cookie } });
  assert.equal(d.status, 200);
  assert.match(d.headers.get('content-disposition'), /filename\*=UTF-8''2026%E5%B9%B4/);
  assert.equal(d.headers.get('etag'), `"${f.sha256}"`);
  assert.equal(sha256(Buffer.from(await d.arrayBuffer())), f.sha256);
  // the download is counted and in the file-transfer log
  await new Promise((res) => setTimeout(res, 200));
  assert.equal((await pd.get(`/api/v1/storage/files/${f.id}`)).json.downloads, 1);
  const log = (await pd.get(`/api/v1/storage/transfers?file_id=${f.id}&direction=download`)).json;
  assert.equal(log.items[0].status, 200);
  assert.equal(log.items[0].completed, true);
  assert.match(srv.readLog('transfer'), /"event":"storage.download"/);
  // its creation is on the record with the uploader as the actor
  const audit = (await auditor.get(`/api/v1/audit?action=storage.file.create&target=storage_file:${f.id}`)).json;
  assert.equal(audit.total, 1);
});

test('an upload interrupted halfway resumes with a tus client where it stopped and arrives intact', async () => {
  const data = randomBytes(6 * 1024 * 1024 + 123);
  const opts = (onProgress) => ({
    endpoint: `${srv.base}/api/v1/uploads`,
    chunkSize: 512 * 1024,
    retryDelays: [],
    headers: { cookie: pd.cookie, 'x-csrf-token': pd.csrf },
    metadata: { filename: '大文件.bin', purpose: 'attachment' },
    onProgress,
  });
  // first attempt: stopped after about half
  let url, absUrl;
  await new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      ...opts((sent) => {
        if (sent >= data.length / 2 && !up._stopped) {
          up._stopped = true;
          absUrl = up.url;
          url = new URL(up.url).pathname;
          up.abort().then(resolve, reject);
        }
      }),
      onError: reject,
      onSuccess: () => reject(new Error('finished before it was interrupted')),
    });
    up.start();
  });
  const head = await pd.request('HEAD', url, { headers: { 'tus-resumable': '1.0.0' } });
  const offset = Number(head.headers.get('upload-offset'));
  assert.ok(offset > 0 && offset < data.length, `offset ${offset}`);
  // second attempt: the same upload URL, from the server's offset
  let firstReported = -1;
  await new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      ...opts((sent) => { if (firstReported < 0) firstReported = sent; }),
      uploadUrl: absUrl,
      onError: reject,
      onSuccess: resolve,
    });
    up.start();
  });
  assert.ok(firstReported > offset - 1, 'it continued rather than starting over');
  const done = await waitUpload(pd, url);
  assert.equal(done.status, 'done', JSON.stringify(done));
  const got = await fetch(`${srv.base}/api/v1/storage/files/${done.file_id}/content`, { headers: { cookie: pd.cookie } });
  assert.equal(sha256(Buffer.from(await got.arrayBuffer())), sha256(data));
});

test('a chunk whose checksum does not match is discarded with 460, and a wrong offset gets 409', async () => {
  const data = text('校验和测试'.repeat(100));
  const c = await create(pd, data.length, { filename: 'c.txt', purpose: 'document' });
  const url = c.headers.get('location');
  const bad = await patch(pd, url, 0, data.subarray(0, 100), { 'upload-checksum': `sha256 ${createHash('sha256').update('x').digest('base64')}` });
  assert.equal(bad.status, 460, bad.body);
  const head = await pd.request('HEAD', url, { headers: { 'tus-resumable': '1.0.0' } });
  assert.equal(head.headers.get('upload-offset'), '0');
  const good = await patch(pd, url, 0, data.subarray(0, 100), { 'upload-checksum': `sha256 ${createHash('sha256').update(data.subarray(0, 100)).digest('base64')}` });
  assert.equal(good.status, 204, good.body);
  assert.equal(good.headers.get('upload-offset'), '100');
  const wrong = await patch(pd, url, 50, data.subarray(50));
  assert.equal(wrong.status, 409);
  assert.equal(wrong.headers.get('upload-offset'), '100');
  // termination
  assert.equal((await pd.request('DELETE', url, { headers: { 'tus-resumable': '1.0.0' } })).status, 204);
  assert.equal((await pd.request('HEAD', url, { headers: { 'tus-resumable': '1.0.0' } })).status, 410);
});

test('the EICAR test virus is refused, deleted, and written to the security and audit logs', async () => {
  // assembled here, never stored whole in the repository
  const eicar = text(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''));
  const r = await uploadFile(pd, eicar, { filename: 'eicar.com.txt', purpose: 'attachment' });
  assert.equal(r.upload.status, 'refused', JSON.stringify(r.upload));
  assert.equal(r.upload.error_code, 'virus_found');
  assert.match(r.upload.error, /病毒/);
  assert.equal(r.upload.file_id, null);
  assert.match(srv.readLog('security'), /"event":"storage.virus_found"/);
  const a = (await auditor.get('/api/v1/audit?action=storage.upload.refused')).json;
  assert.ok(a.total >= 1);
  assert.equal(srv.sql(`SELECT COUNT(*) FROM storage_blobs WHERE sha256 = '${sha256(eicar)}'`), '0');
  assert.ok(!existsSync(join(srv.data, 'uploads', `${r.url.split('/').pop()}.part`)));
});

test('a .jpg that is really a PDF is refused as a photo, by content (415)', async () => {
  const pdf = text('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const r = await uploadFile(pd, pdf, { filename: '照片.jpg', purpose: 'photo' });
  assert.equal(r.status, 415, JSON.stringify(r.json));
  assert.equal(r.json.error.code, 'unsupported_type');
  assert.match(r.json.error.message, /application\/pdf/);
  const st = (await pd.get(r.url)).json;
  assert.equal(st.status, 'refused');
});

test('an empty file is refused (422) and one over the purpose\'s limit is refused naming the limit (413)', async () => {
  const empty = await create(pd, 0, { filename: 'empty.txt', purpose: 'document' });
  assert.equal(empty.status, 422, empty.body);
  const big = await create(pd, 2 * 1024 * 1024, { filename: 'big.jpg', purpose: 'photo' });
  assert.equal(big.status, 413, big.body);
  assert.match(big.json.error.message, /1 MB/);
  const bad = await create(pd, 10, { filename: 'x.txt', purpose: 'nonsense' });
  assert.equal(bad.status, 422);
  const old = await pd.request('POST', '/api/v1/uploads', { headers: { 'tus-resumable': '0.2.2', 'upload-length': '10' } });
  assert.equal(old.status, 412);
});

test('downloads answer ranges, several ranges, 416 beyond the end and 304 for a known version', async () => {
  const body = text('0123456789'.repeat(100));
  const r = await uploadFile(pd, body, { filename: 'range.txt', purpose: 'document' });
  const url = `/api/v1/storage/files/${r.upload.file_id}/content`;
  const one = await pd.get(url, { headers: { range: 'bytes=10-19' } });
  assert.equal(one.status, 206);
  assert.equal(one.body, '0123456789');
  assert.equal(one.headers.get('content-range'), `bytes 10-19/${body.length}`);
  const tail = await pd.get(url, { headers: { range: 'bytes=-5' } });
  assert.equal(tail.body, '56789');
  const multi = await pd.get(url, { headers: { range: 'bytes=0-1,500-501' } });
  assert.equal(multi.status, 206);
  assert.match(multi.headers.get('content-type'), /^multipart\/byteranges; boundary=/);
  assert.match(multi.body, /Content-Range: bytes 500-501\/1000/);
  const beyond = await pd.get(url, { headers: { range: 'bytes=5000-6000' } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${body.length}`);
  const etag = one.headers.get('etag');
  const same = await pd.get(url, { headers: { 'if-none-match': etag } });
  assert.equal(same.status, 304);
});

test('identical content is stored once, and each file counts against its organisation\'s usage', async () => {
  const body = text('同一内容只存一份');
  const a = await uploadFile(pd, body, { filename: 'a.txt', purpose: 'document' });
  const b = await uploadFile(pd, body, { filename: 'b.txt', purpose: 'document' });
  assert.notEqual(a.upload.file_id, b.upload.file_id);
  assert.equal(srv.sql(`SELECT refs FROM storage_blobs WHERE sha256 = '${sha256(body)}'`), '2');
  const usage = (await pd.get('/api/v1/storage/usage?used_only=true')).json.items.find((u) => u.org_id === pdOrg);
  assert.ok(usage.files >= 2 && usage.bytes > 0, JSON.stringify(usage));
});

test('another district\'s folders and files answer 404, and its uploads cannot be put into them', async () => {
  const f = await pd.post('/api/v1/storage/folders', { name: '浦东宣传资料' });
  assert.equal(f.status, 201, f.body);
  assert.equal(f.json.org_id, pdOrg);
  const up = await uploadFile(pd, text('浦东的文件'), { filename: 'pd.txt', purpose: 'document', folder_id: f.json.id });
  const file = (await pd.get(`/api/v1/storage/files/${up.upload.file_id}`)).json;
  assert.equal(file.folder_id, f.json.id);
  assert.equal((await hp.get(`/api/v1/storage/files/${file.id}`)).status, 404);
  assert.equal((await hp.get(`/api/v1/storage/files/${file.id}/content`)).status, 404);
  assert.equal((await hp.patch(`/api/v1/storage/folders/${f.json.id}`, { name: '改名' })).status, 404);
  assert.equal((await hp.del(`/api/v1/storage/folders/${f.json.id}`)).status, 404);
  const into = await create(hp, 5, { filename: 'x.txt', purpose: 'document', folder_id: f.json.id });
  assert.equal(into.status, 422, into.body);
  const list = (await hp.get('/api/v1/storage/files?page_size=200')).json.items;
  assert.ok(!list.some((x) => x.org_id === pdOrg));
  const dup = await pd.post('/api/v1/storage/folders', { name: '浦东宣传资料' });
  assert.equal(dup.status, 409);
});

test('a folder deleted with its files goes to the recycle bin and comes back whole', async () => {
  const top = (await pd.post('/api/v1/storage/folders', { name: '回收站测试' })).json;
  const sub = (await pd.post('/api/v1/storage/folders', { name: '子文件夹', parent_id: top.id })).json;
  const up = await uploadFile(pd, text('会被恢复的文件'), { filename: 'r.txt', purpose: 'document', folder_id: sub.id });
  const id = up.upload.file_id;
  assert.equal((await pd.del(`/api/v1/storage/folders/${top.id}`)).status, 204);
  assert.equal((await pd.get(`/api/v1/storage/files/${id}`)).status, 404);
  assert.equal((await pd.get(`/api/v1/storage/files/${id}/content`)).status, 404);
  const bin = (await pd.get('/api/v1/storage/trash?kind=folder')).json.items;
  assert.ok(bin.some((x) => x.id === top.id) && !bin.some((x) => x.id === sub.id), 'only the folder deleted is listed');
  assert.ok(bin.find((x) => x.id === top.id).purge_at);
  assert.equal(bin.find((x) => x.id === top.id).deleted_by_name, '浦东党务工作者（演示）');
  const r = await pd.post(`/api/v1/storage/trash/folder/${top.id}/restore`);
  assert.equal(r.status, 200, r.body);
  const back = (await pd.get(`/api/v1/storage/files/${id}`)).json;
  assert.equal(back.folder_id, sub.id);
  // a file deleted by itself, then purged for good by the administrator
  assert.equal((await pd.del(`/api/v1/storage/files/${id}`)).status, 204);
  assert.equal((await pd.post(`/api/v1/storage/trash/file/${id}/restore`)).status, 200);
  assert.equal((await pd.del(`/api/v1/storage/files/${id}`)).status, 204);
  assert.equal((await pd.del(`/api/v1/storage/trash/file/${id}`)).status, 403, 'purging needs storage.admin');
  assert.equal((await admin.del(`/api/v1/storage/trash/file/${id}`)).status, 204);
  assert.equal(srv.sql(`SELECT COUNT(*) FROM storage_files WHERE id = ${id}`), '0');
});

test('a folder cannot be moved into itself, and moving files keeps them in their organisation', async () => {
  const a = (await pd.post('/api/v1/storage/folders', { name: '移动A' })).json;
  const b = (await pd.post('/api/v1/storage/folders', { name: '移动B', parent_id: a.id })).json;
  const loop = await pd.patch(`/api/v1/storage/folders/${a.id}`, { parent_id: b.id });
  assert.equal(loop.status, 422, loop.body);
  const up = await uploadFile(pd, text('移动'), { filename: 'm.txt', purpose: 'document' });
  const mv = await pd.post('/api/v1/storage/files/batch', { action: 'move', ids: [up.upload.file_id], folder_id: b.id });
  assert.equal(mv.status, 200, mv.body);
  assert.equal((await pd.get(`/api/v1/storage/files/${up.upload.file_id}`)).json.folder_id, b.id);
  const hpFolder = (await hp.post('/api/v1/storage/folders', { name: '黄浦的' })).json;
  const cross = await pd.post('/api/v1/storage/files/batch', { action: 'move', ids: [up.upload.file_id], folder_id: hpFolder.id });
  assert.equal(cross.status, 422);
});

test('a share link honours its password, its download limit and its expiry', async () => {
  const body = text('分享给区里的文件');
  const up = await uploadFile(pd, body, { filename: '分享.txt', purpose: 'document' });
  const s = await pd.post(`/api/v1/storage/files/${up.upload.file_id}/shares`, { password: 'abcd', max_downloads: 1, note: '测试' });
  assert.equal(s.status, 201, s.body);
  const token = s.json.token;
  const info = await srv.get(`/api/v1/public/shares/${token}`);
  assert.equal(info.status, 200);
  assert.equal(info.json.needs_password, true);
  assert.equal(info.json.name, '分享.txt');
  assert.equal((await srv.get(`/api/v1/public/shares/${token}/content`)).status, 403);
  const wrong = await srv.post(`/api/v1/public/shares/${token}/unlock`, { password: 'nope' });
  assert.equal(wrong.status, 403);
  const ok = await srv.post(`/api/v1/public/shares/${token}/unlock`, { password: 'abcd' });
  assert.equal(ok.status, 200, ok.body);
  const dl = await srv.get(`/api/v1/public/shares/${token}/content?ticket=${encodeURIComponent(ok.json.ticket)}`);
  assert.equal(dl.status, 200);
  assert.equal(dl.body, body.toString());
  const again = await srv.get(`/api/v1/public/shares/${token}/content?ticket=${encodeURIComponent(ok.json.ticket)}`);
  assert.equal(again.status, 410);
  assert.equal(again.json.error.code, 'share_exhausted');
  // another link that has expired
  const e = (await pd.post(`/api/v1/storage/files/${up.upload.file_id}/shares`, {})).json;
  srv.sql(`UPDATE storage_shares SET expires_at = ${Date.now() - 1000} WHERE id = ${e.id}`);
  const gone = await srv.get(`/api/v1/public/shares/${e.token}`);
  assert.equal(gone.status, 410);
  assert.equal(gone.json.error.code, 'share_expired');
  // and one revoked
  const v = (await pd.post(`/api/v1/storage/files/${up.upload.file_id}/shares`, {})).json;
  assert.equal((await pd.post(`/api/v1/storage/shares/${v.id}/revoke`)).status, 200);
  assert.equal((await srv.get(`/api/v1/public/shares/${v.token}/content`)).status, 410);
  assert.equal((await srv.get('/api/v1/public/shares/0123456789abcdef0123456789abcdef')).status, 404);
  // the share list shows each link's state
  const list = (await pd.get(`/api/v1/storage/shares?file_id=${up.upload.file_id}`)).json.items;
  assert.deepEqual(list.map((x) => x.status).sort(), ['exhausted', 'expired', 'revoked']);
});

test('five wrong share passwords lock the link for a while', async () => {
  const up = await uploadFile(pd, text('锁定测试'), { filename: 'lock.txt', purpose: 'document' });
  const s = (await pd.post(`/api/v1/storage/files/${up.upload.file_id}/shares`, { password: 'right-one' })).json;
  for (let i = 0; i < 5; i++)
    assert.equal((await srv.post(`/api/v1/public/shares/${s.token}/unlock`, { password: `wrong${i}` })).status, 403);
  const locked = await srv.post(`/api/v1/public/shares/${s.token}/unlock`, { password: 'right-one' });
  assert.equal(locked.status, 429);
  assert.match(srv.readLog('security'), /storage.share_password_wrong/);
});

test('an upload over the organisation\'s quota is refused (413 quota_exceeded)', async () => {
  const q = await admin.put(`/api/v1/storage/usage/${hpOrg}`, { quota_mb: 1 });
  assert.equal(q.status, 200, q.body);
  assert.equal(q.json.quota_bytes, 1024 * 1024);
  const r = await create(hp, 1024 * 1024 + 1, { filename: 'q.bin', purpose: 'attachment' });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'quota_exceeded');
  assert.equal((await admin.put(`/api/v1/storage/usage/${hpOrg}`, { quota_mb: null })).status, 200);
  assert.equal((await hp.put(`/api/v1/storage/usage/${hpOrg}`, { quota_mb: 5 })).status, 403);
});

test('the verification job finds a blob changed on disk, quarantines it and downloads then say so', async () => {
  const body = text('将被篡改的文件内容');
  const up = await uploadFile(pd, body, { filename: 'tamper.txt', purpose: 'document' });
  const sha = sha256(body);
  const path = join(srv.data, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha);
  assert.ok(existsSync(path), path);
  writeFileSync(path, 'tampered');
  const run = await admin.post('/api/v1/storage/integrity/verify');
  assert.equal(run.status, 201, run.body);
  const job = await waitJob(admin, run.json.id);
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.ok(job.result.corrupt >= 1);
  const findings = (await admin.get('/api/v1/storage/integrity/findings')).json.items;
  assert.ok(findings.some((f) => f.sha256 === sha && f.status === 'corrupt'));
  const overview = (await admin.get('/api/v1/storage/integrity')).json;
  assert.ok(overview.corrupt >= 1 && overview.last_run.id === run.json.id);
  const dl = await pd.get(`/api/v1/storage/files/${up.upload.file_id}/content`);
  assert.equal(dl.status, 410);
  assert.match(srv.readLog('security'), /storage.integrity/);
  // uploading the same content again heals it
  await uploadFile(pd, body, { filename: 'tamper-again.txt', purpose: 'document' });
  assert.equal(srv.sql(`SELECT status FROM storage_blobs WHERE sha256 = '${sha}'`), 'ok');
  assert.equal((await pd.get(`/api/v1/storage/files/${up.upload.file_id}/content`)).body, body.toString());
  // the command line says the same
  const cli = srv.cli(['storage', 'verify', '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).corrupt, 0);
});

test('a photo gets thumbnails stripped of its location, and the download center finds it by name', async () => {
  const jpg = join(work, 'p.jpg');
  execFileSync('convert', ['-size', '800x600', 'gradient:red-blue', jpg]);
  execFileSync('exiftool', ['-q', '-overwrite_original', '-GPSLatitude=31.2304', '-GPSLatitudeRef=N',
    '-GPSLongitude=121.4737', '-GPSLongitudeRef=E', '-DateTimeOriginal=2026:07:01 09:30:00', '-Make=Zhendi', '-Model=Cam', jpg]);
  const r = await uploadFile(pd, readFileSync(jpg), { filename: '七一活动合影.jpg', purpose: 'photo' });
  assert.equal(r.status, 204, JSON.stringify(r.json));
  assert.equal(r.upload.status, 'done', JSON.stringify(r.upload));
  let f;
  for (let i = 0; i < 100; i++) {
    f = (await pd.get(`/api/v1/storage/files/${r.upload.file_id}`)).json;
    if (f.media_status === 'ready' || f.media_status === 'failed') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(f.media_status, 'ready', f.media_error);
  assert.deepEqual([f.width, f.height], [800, 600]);
  assert.ok(f.derivatives.names.includes('thumb_s') && f.derivatives.names.includes('web'));
  assert.match(f.taken_at, /^2026-07-01/);
  const t = await fetch(`${srv.base}/api/v1/storage/files/${f.id}/derivatives/thumb_s`, { headers: { cookie: pd.cookie } });
  assert.equal(t.status, 200);
  assert.equal(t.headers.get('content-type'), 'image/jpeg');
  const thumb = join(work, 't.jpg');
  writeFileSync(thumb, Buffer.from(await t.arrayBuffer()));
  const exif = execFileSync('exiftool', ['-GPSLatitude', '-Make', thumb], { encoding: 'utf8' });
  assert.equal(exif.trim(), '', 'no location and no camera in the thumbnail');
  const found = (await pd.get(`/api/v1/storage/files?q=${encodeURIComponent('七一')}&purpose=photo`)).json;
  assert.equal(found.items[0].id, f.id);
});

test('statistics count downloads by file, organisation and day, and export as .xlsx', async () => {
  const by = (await pd.get('/api/v1/storage/stats?group=file&direction=download')).json;
  assert.ok(by.totals.downloads >= 1, JSON.stringify(by));
  assert.ok(by.items[0].label);
  const day = (await pd.get('/api/v1/storage/stats?group=day')).json;
  assert.match(day.items.at(-1).label, /^\d{4}-\d{2}-\d{2}$/);
  const org = (await pd.get('/api/v1/storage/stats?group=org')).json;
  assert.ok(org.items.every((x) => x.key === pdOrg || x.key !== hpOrg || x.downloads === 0));
  const x = await fetch(`${srv.base}/api/v1/storage/stats/export?group=file`, { headers: { cookie: pd.cookie } });
  assert.equal(x.status, 200);
  const stats = sheetText(Buffer.from(await x.arrayBuffer()));
  assert.match(stats, /下载次数/);
  assert.match(stats, /<c r="C2"[^>]*><v>[\d.]+<\/v><\/c>/, 'the traffic in MB is a number, not an empty cell');
  const files = await fetch(`${srv.base}/api/v1/storage/files/export`, { headers: { cookie: pd.cookie } });
  assert.equal(files.status, 200);
  const list = sheetText(Buffer.from(await files.arrayBuffer()), 'xl/worksheets/sheet1.xml');
  assert.match(list, /文件名/);
  assert.match(list, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/, 'upload times in local time');
  assert.doesNotMatch(list, /\d{4}-\d{2}-\d{2}T\d{2}:/, 'no ISO 8601 times');
});

test('the system page shows the virus scanner with its signatures', async () => {
  const s = (await admin.get('/api/v1/storage/scanner')).json;
  assert.equal(s.available, true, s.error);
  assert.ok(s.signatures >= 1);
  assert.match(s.engine, /ClamAV/);
  assert.ok(s.databases.length >= 1);
});

test('a video is transcoded to an HLS ladder with a poster, and the stream plays with ffprobe', async () => {
  const mp4 = join(work, 'v.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=3:size=640x360:rate=25', '-f', 'lavfi',
    '-i', 'sine=duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', mp4]);
  const r = await uploadFile(pd, readFileSync(mp4), { filename: '党课视频.mp4', purpose: 'video' });
  assert.equal(r.status, 204, JSON.stringify(r.json));
  assert.equal(r.upload.status, 'done', JSON.stringify(r.upload));
  let f;
  for (let i = 0; i < 600; i++) {
    f = (await pd.get(`/api/v1/storage/files/${r.upload.file_id}`)).json;
    if (f.media_status === 'ready' || f.media_status === 'failed') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(f.media_status, 'ready', f.media_error);
  assert.ok(f.duration_ms >= 2900 && f.duration_ms <= 3200, String(f.duration_ms));
  assert.ok(f.derivatives.names.includes('poster') && f.derivatives.hls.length >= 1, JSON.stringify(f.derivatives));
  const master = await pd.get(`/api/v1/storage/files/${f.id}/hls/master.m3u8`);
  assert.equal(master.status, 200);
  assert.match(master.headers.get('content-type'), /mpegurl/);
  assert.match(master.body, /#EXT-X-STREAM-INF/);
  const probe = execFileSync('ffprobe', ['-v', 'error', '-headers', `Cookie: ${pd.cookie}\r\n`, '-show_entries',
    'format=duration', '-of', 'csv=p=0', `${srv.base}/api/v1/storage/files/${f.id}/hls/master.m3u8`], { encoding: 'utf8' });
  assert.ok(Math.abs(Number(probe.trim()) - 3) < 0.5, probe);
  const poster = await fetch(`${srv.base}/api/v1/storage/files/${f.id}/derivatives/poster`, { headers: { cookie: pd.cookie } });
  assert.equal(poster.headers.get('content-type'), 'image/jpeg');
  // another district cannot play it
  assert.equal((await hp.get(`/api/v1/storage/files/${f.id}/hls/master.m3u8`)).status, 404);
});
