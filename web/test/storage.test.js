// The storage module's console logic: resumable uploads through
// tus-js-client against a fake tus server (the CSRF header on every
// request, 8 MiB chunks, the metadata, going on from the server's offset
// after a "reload", the server's Chinese reason on a refusal), following an
// upload to done/refused, folder trees, days left in the recycle bin, the
// download statistics' day series, the share link, and the public share
// page passing the router guard without a session.
import { describe, it, expect, beforeEach } from 'vitest';
import { configureApi, setCsrfToken } from '../src/api/client.js';
import { TusTransfer, fingerprintOf, uploadIdOf, tusErrorMessage, waitForIngest, unfinishedUploads, CHUNK_SIZE } from '../src/modules/storage/upload.js';
import { folderTree, subtreeIds, folderPath, daysLeft } from '../src/modules/storage/folders.js';
import { fillDays, statLabel } from '../src/modules/storage/stats.js';
import { shareLink } from '../src/modules/storage/share.js';
import { guard } from '../src/router/index.js';
import { routes } from '../src/router/routes.js';
import { createRouter, createMemoryHistory } from 'vue-router';

/**
 * A tus 1.0 server in memory, as tus-js-client's HttpStack: POST creates
 * (Location), HEAD tells the offset, PATCH appends at Upload-Offset. Records
 * every request's method, URL and headers. failAt: answer the PATCH that
 * would pass that offset with `failWith` ({status, body}).
 */
function fakeTus({ failAt = null, failWith = null, dropAfter = null } = {}) {
  const uploads = new Map();
  const log = [];
  let n = 0;
  const res = (status, headers = {}, body = '') => ({
    getStatus: () => status,
    getHeader: (h) => headers[h.toLowerCase()] ?? headers[h],
    getBody: () => body,
    getUnderlyingObject: () => null,
  });
  const stack = {
    getName: () => 'fake',
    createRequest(method, url) {
      const headers = {};
      let aborted = false;
      return {
        getMethod: () => method,
        getURL: () => url,
        setHeader: (k, v) => (headers[k] = v),
        getHeader: (k) => headers[k],
        setProgressHandler: () => {},
        getUnderlyingObject: () => null,
        abort: () => {
          aborted = true;
          return Promise.resolve();
        },
        async send(body) {
          log.push({ method, url, headers: { ...headers }, size: body?.size ?? 0 });
          await new Promise((r) => setTimeout(r, 0));
          if (aborted) throw new Error('aborted');
          if (method === 'POST') {
            const id = String(++n);
            uploads.set(id, { length: Number(headers['Upload-Length']), offset: 0, metadata: headers['Upload-Metadata'] });
            return res(201, { location: `/api/v1/uploads/${id}`, 'tus-resumable': '1.0.0' });
          }
          const id = uploadIdOf(url);
          const u = uploads.get(id);
          if (!u) return res(404, {}, '{"error":{"code":"not_found","message":"上传不存在"}}');
          if (method === 'HEAD') return res(200, { 'upload-offset': String(u.offset), 'upload-length': String(u.length) });
          if (method === 'PATCH') {
            if (Number(headers['Upload-Offset']) !== u.offset) return res(409, {}, '');
            const next = u.offset + body.size;
            if (failAt !== null && next >= failAt) return res(failWith.status, {}, failWith.body);
            if (dropAfter !== null && log.filter((x) => x.method === 'PATCH').length > dropAfter) throw new Error('network down');
            u.offset = next;
            return res(204, { 'upload-offset': String(u.offset) });
          }
          return res(405);
        },
      };
    },
  };
  return { stack, uploads, log };
}

function fileOf(size, name = 'report.pdf') {
  return new File([new Uint8Array(size)], name, { type: 'application/pdf', lastModified: 1700000000000 });
}

function run(file, meta, opts) {
  return new Promise((resolve) => {
    const events = { progress: [], resumed: null };
    const t = new TusTransfer(file, meta, {
      onProgress: (s, total) => events.progress.push([s, total]),
      onResumed: (p) => (events.resumed = p),
      onSuccess: (id) => resolve({ ok: true, id, events, t }),
      onError: (message, code) => resolve({ ok: false, message, code, events, t }),
    }, opts);
    t.start();
  });
}

beforeEach(() => {
  localStorage.clear();
  setCsrfToken('csrf-123');
});

describe('resumable uploads (tus-js-client)', () => {
  it('sends 8 MiB chunks with the CSRF header and the metadata, and gives the upload id', async () => {
    const srv = fakeTus();
    const file = fileOf(CHUNK_SIZE * 2 + 100);
    const r = await run(file, { filename: file.name, purpose: 'document', folder_id: 7, org_id: 3, title: '年度报告', tags: '' }, { userId: 1, tusOptions: { httpStack: srv.stack, retryDelays: [] } });
    expect(r.ok).toBe(true);
    expect(r.id).toBe('1');
    const patches = srv.log.filter((x) => x.method === 'PATCH');
    expect(patches.map((p) => p.size)).toEqual([CHUNK_SIZE, CHUNK_SIZE, 100]);
    for (const req of srv.log) expect(req.headers['X-CSRF-Token'], req.method).toBe('csrf-123');
    const post = srv.log.find((x) => x.method === 'POST');
    expect(post.url).toBe('/api/v1/uploads');
    const meta = Object.fromEntries(post.headers['Upload-Metadata'].split(',').map((kv) => kv.split(' ')).map(([k, v]) => [k, v ? new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0))) : '']));
    expect(meta).toEqual({ filename: 'report.pdf', purpose: 'document', folder_id: '7', org_id: '3', title: '年度报告' });
    expect(r.events.progress.at(-1)).toEqual([file.size, file.size]);
    // done: nothing left to resume
    expect(await unfinishedUploads(1)).toEqual([]);
  });

  it('goes on from the server\'s offset when the same file is picked again after a break', async () => {
    const srv = fakeTus({ dropAfter: 1 });
    const file = fileOf(CHUNK_SIZE * 3);
    const first = await run(file, { filename: file.name, purpose: 'video' }, { userId: 1, tusOptions: { httpStack: srv.stack, retryDelays: [] } });
    expect(first.ok).toBe(false);
    expect(first.message).toMatch(/网络连接中断/);
    // the page is reloaded: the browser remembers the upload under the file's fingerprint
    const left = await unfinishedUploads(1);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ filename: 'report.pdf', size: file.size, uploadUrl: '/api/v1/uploads/1' });
    expect(await unfinishedUploads(2)).toEqual([]); // another user's are not shown
    // the network is back
    const again = fakeTus();
    again.uploads.set('1', srv.uploads.get('1'));
    const second = await run(fileOf(CHUNK_SIZE * 3), { filename: file.name, purpose: 'video' }, { userId: 1, tusOptions: { httpStack: again.stack, retryDelays: [] } });
    expect(second.ok).toBe(true);
    expect(second.id).toBe('1');
    expect(second.events.resumed).toBeTruthy();
    expect(again.log.map((x) => x.method)).toEqual(['HEAD', 'PATCH', 'PATCH']);
    expect(again.log[1].headers['Upload-Offset']).toBe(String(CHUNK_SIZE));
    expect(await unfinishedUploads(1)).toEqual([]);
  });

  it('shows the server\'s reason when the file is refused, and forgets the upload', async () => {
    const srv = fakeTus({ failAt: 10, failWith: { status: 415, body: '{"error":{"code":"unsupported_type","message":"文件格式不符：视频只接受 MP4、MOV、MKV、WebM"}}' } });
    const file = fileOf(100);
    const r = await run(file, { filename: file.name, purpose: 'video' }, { userId: 1, tusOptions: { httpStack: srv.stack, retryDelays: [] } });
    expect(r.ok).toBe(false);
    expect(r.message).toBe('文件格式不符：视频只接受 MP4、MOV、MKV、WebM');
    expect(r.code).toBe('unsupported_type');
    await new Promise((res) => setTimeout(res, 10));
    expect(await unfinishedUploads(1)).toEqual([]);
  });

  it('words failures the server did not explain', () => {
    const e = (status, body = '') => ({ originalResponse: { getStatus: () => status, getBody: () => body } });
    expect(tusErrorMessage(e(413))).toMatch(/配额/);
    expect(tusErrorMessage(e(413, '{"error":{"code":"quota_exceeded","message":"本组织存储配额已用完"}}'))).toBe('本组织存储配额已用完');
    expect(tusErrorMessage(e(503))).toMatch(/HTTP 503/);
    expect(tusErrorMessage({})).toMatch(/网络/);
  });

  it('fingerprints a file per user and reads upload ids from URLs', () => {
    const f = fileOf(5, '视频.mp4');
    expect(fingerprintOf(f, 1)).not.toBe(fingerprintOf(f, 2));
    expect(fingerprintOf(f, 1)).toContain('视频.mp4');
    expect(uploadIdOf('http://x/api/v1/uploads/42')).toBe('42');
    expect(uploadIdOf('/api/v1/uploads/abc-9?x=1')).toBe('abc-9');
    expect(uploadIdOf('/api/v1/other')).toBe(null);
  });
});

describe('following an upload until the server has checked it', () => {
  it('polls GET /uploads/{id} until done or refused', async () => {
    const answers = [{ status: 'processing' }, { status: 'processing' }, { status: 'refused', error: '发现病毒：Eicar-Test-Signature', error_code: 'virus' }];
    const urls = [];
    configureApi({ base: '', notify: () => {}, fetch: async (url) => { urls.push(String(url)); return new Response(JSON.stringify(answers.shift()), { status: 200 }); } });
    const seen = [];
    const w = waitForIngest('9', (u) => seen.push(u.status));
    // fast-forward: the handle polls every second
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = (fn) => realSetTimeout(fn, 0);
    try {
      const u = await w.promise;
      expect(u).toMatchObject({ status: 'refused', error: '发现病毒：Eicar-Test-Signature' });
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(seen).toEqual(['processing', 'processing', 'refused']);
    expect(urls.every((u) => u === '/api/v1/uploads/9')).toBe(true);
  });
});

describe('folders', () => {
  const flat = [
    { id: 1, parent_id: null, name: '宣传' },
    { id: 2, parent_id: 1, name: '视频' },
    { id: 3, parent_id: 2, name: '2026' },
    { id: 4, parent_id: null, name: '党建' },
    { id: 5, parent_id: 99, name: '孤儿' },
  ];
  it('nests the flat list, orphans at the top', () => {
    const t = folderTree(flat);
    expect(t.map((f) => f.name).sort()).toEqual(['党建', '孤儿', '宣传'].sort());
    const xc = t.find((f) => f.id === 1);
    expect(xc.children[0].name).toBe('视频');
    expect(xc.children[0].children[0].name).toBe('2026');
  });
  it('knows a folder\'s subtree and path', () => {
    expect([...subtreeIds(flat, 1)].sort()).toEqual([1, 2, 3]);
    expect([...subtreeIds(flat, 4)]).toEqual([4]);
    expect(folderPath(flat, 3)).toBe('宣传 / 视频 / 2026');
    expect(folderPath(flat, 77)).toBe('');
  });
  it('counts the days left in the recycle bin', () => {
    const now = new Date('2026-03-10T12:00:00+08:00').getTime();
    expect(daysLeft('2026-03-31T12:00:00+08:00', now)).toBe(21);
    expect(daysLeft('2026-03-10T13:00:00+08:00', now)).toBe(1);
    expect(daysLeft('2026-01-31T00:00:00+08:00', now)).toBe(0);
    expect(daysLeft(null, now)).toBe(null);
  });
});

describe('download statistics', () => {
  it('fills the days without transfers with zeros', () => {
    const rows = [{ key: 20514, label: '2026-03-02', downloads: 5, uploads: 1 }, { key: 20516, label: '2026-03-04', downloads: 2 }];
    const days = fillDays(rows, new Date(2026, 2, 1), new Date(2026, 2, 4));
    expect(days).toEqual([
      { day: '2026-03-01', downloads: 0, uploads: 0 },
      { day: '2026-03-02', downloads: 5, uploads: 1 },
      { day: '2026-03-03', downloads: 0, uploads: 0 },
      { day: '2026-03-04', downloads: 2, uploads: 0 },
    ]);
  });
  it('labels a row by its grouping', () => {
    expect(statLabel({ key: 3, label: 'a.mp4' }, 'file')).toBe('a.mp4');
    expect(statLabel({ key: 2, label: '徐汇区' }, 'org')).toBe('徐汇区');
    expect(statLabel({ key: 2, label: '' }, 'org')).toBe('组织 #2');
    expect(statLabel({ key: 20514, label: '2026-03-02' }, 'day')).toBe('2026-03-02');
  });
});

describe('the share page', () => {
  it('has a link on the console\'s own history-mode path', () => {
    expect(shareLink('AbC_12-x', 'https://zd.example')).toBe('https://zd.example/share/AbC_12-x');
  });
  it('opens without a session and outside the layout', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes });
    const to = router.resolve('/share/AbC_12-x');
    expect(to.name).toBe('share');
    expect(to.params.token).toBe('AbC_12-x');
    expect(to.matched).toHaveLength(1); // not under the layout
    const auth = { loaded: false, loggedIn: false, fetchMe: () => Promise.reject(Object.assign(new Error('401'), { status: 401 })), reset() {} };
    expect(await guard(to, auth)).toBe(true);
  });
});
