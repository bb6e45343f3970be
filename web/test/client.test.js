// The API client: CSRF header on mutating requests only, the error envelope
// turned into ApiError with the request id, and the console-wide reactions
// (401 → login, 403 password_change_required → change page, 422 → no toast).
import { describe, it, expect, beforeEach, vi } from 'vitest';
import { api, configureApi, setCsrfToken, buildUrl, errorFrom, filenameFrom, ApiError, request, upload } from '../src/api/client.js';

function reply(status, body, headers = {}) {
  return new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

let calls, hooks;
beforeEach(() => {
  calls = [];
  hooks = { onUnauthorized: vi.fn(), onPasswordChange: vi.fn(), notify: vi.fn() };
  setCsrfToken('tok-123');
  configureApi({ base: '', ...hooks, fetch: async (url, init) => { calls.push({ url, init }); return next(url, init); } });
});
let next = () => reply(200, {});
const respond = (fn) => { next = fn; };

describe('CSRF token', () => {
  it('is sent on POST, PATCH and DELETE but not on GET', async () => {
    respond(() => reply(200, { ok: true }));
    await api.get('/api/v1/x');
    await api.post('/api/v1/x', { a: 1 });
    await api.patch('/api/v1/x', { a: 2 });
    respond(() => reply(204));
    await api.del('/api/v1/x');
    expect(calls[0].init.headers['X-CSRF-Token']).toBeUndefined();
    expect(calls[1].init.headers['X-CSRF-Token']).toBe('tok-123');
    expect(calls[2].init.headers['X-CSRF-Token']).toBe('tok-123');
    expect(calls[3].init.headers['X-CSRF-Token']).toBe('tok-123');
    expect(calls[1].init.headers['Content-Type']).toBe('application/json');
    expect(calls[1].init.body).toBe('{"a":1}');
    expect(calls[1].init.credentials).toBe('same-origin');
  });

  it('is not sent after logout cleared it', async () => {
    setCsrfToken('');
    respond(() => reply(204));
    await api.post('/api/v1/auth/logout');
    expect(calls[0].init.headers['X-CSRF-Token']).toBeUndefined();
  });
});

describe('answers', () => {
  it('204 resolves to null and JSON bodies are parsed', async () => {
    respond(() => reply(204));
    expect(await api.del('/a')).toBeNull();
    respond(() => reply(200, { items: [1], total: 1 }));
    expect(await api.get('/a')).toEqual({ items: [1], total: 1 });
  });

  it('query values that are empty are left out of the URL', () => {
    expect(buildUrl('/api/v1/users', { q: '', org_id: null, role: undefined, page: 2, status: 'active' })).toBe('/api/v1/users?page=2&status=active');
  });
});

describe('errors', () => {
  it('carry code, Chinese message, fields and the request id', async () => {
    respond(() => reply(409, { error: { code: 'conflict', message: '只有排队中的任务可以取消' } }, { 'X-Request-Id': 'abc123' }));
    const err = await api.post('/api/v1/jobs/1/cancel').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(409);
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('只有排队中的任务可以取消');
    expect(err.requestId).toBe('abc123');
    expect(hooks.notify).toHaveBeenCalledWith(expect.objectContaining({ type: 'error', message: '只有排队中的任务可以取消', requestId: 'abc123' }));
  });

  it('401 sends the user to the login page and shows no toast', async () => {
    respond(() => reply(401, { error: { code: 'unauthorized', message: '未登录' } }));
    await expect(api.get('/api/v1/users')).rejects.toMatchObject({ status: 401 });
    expect(hooks.onUnauthorized).toHaveBeenCalledTimes(1);
    expect(hooks.notify).not.toHaveBeenCalled();
  });

  it('a 401 on the login form itself is not treated as an expired session', async () => {
    respond(() => reply(401, { error: { code: 'invalid_credentials', message: '用户名或密码错误' } }));
    await expect(request('POST', '/api/v1/auth/login', { body: {}, silent: true })).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(hooks.onUnauthorized).not.toHaveBeenCalled();
    expect(hooks.notify).not.toHaveBeenCalled();
  });

  it('403 password_change_required goes to the change page; other 403s toast', async () => {
    respond(() => reply(403, { error: { code: 'password_change_required', message: '请先修改密码' } }));
    await api.get('/api/v1/orgs').catch(() => {});
    expect(hooks.onPasswordChange).toHaveBeenCalledTimes(1);
    expect(hooks.notify).not.toHaveBeenCalled();
    respond(() => reply(403, { error: { code: 'forbidden', message: '没有权限' } }, { 'X-Request-Id': 'r9' }));
    await api.get('/api/v1/orgs').catch(() => {});
    expect(hooks.notify).toHaveBeenCalledWith(expect.objectContaining({ message: '没有权限', requestId: 'r9' }));
  });

  it('422 with fields is left to the form (no toast) and keeps the reasons', async () => {
    respond(() => reply(422, { error: { code: 'invalid_fields', message: '字段无效', fields: { cron: '分钟超出范围' } } }));
    const err = await api.patch('/api/v1/schedules/1', { cron: '61 * * * *' }).catch((e) => e);
    expect(err.fields).toEqual({ cron: '分钟超出范围' });
    expect(hooks.notify).not.toHaveBeenCalled();
  });

  it('a non-JSON error body still gives a Chinese message by status', () => {
    const e = errorFrom(502, '<html>bad gateway</html>', new Headers());
    expect(e.message).toMatch(/网关/);
    expect(e.code).toBe('http_502');
  });

  it('403 session_required (an API token where only a session may act) is told in Chinese, with or without the server\'s words', async () => {
    respond(() => reply(403, { error: { code: 'session_required', message: '此操作只能在登录会话中进行，不接受 API 令牌' } }));
    await api.post('/api/v1/auth/tokens', {}).catch(() => {});
    expect(hooks.notify).toHaveBeenCalledWith(expect.objectContaining({ message: '此操作只能在登录会话中进行，不接受 API 令牌' }));
    const bare = errorFrom(403, JSON.stringify({ error: { code: 'session_required' } }), new Headers());
    expect(bare.message).toBe('此操作只能在登录会话中进行，不接受 API 令牌');
    expect(errorFrom(403, JSON.stringify({ error: { code: 'forbidden' } }), new Headers()).message).toBe('没有执行此操作的权限');
  });

  it('429 exposes Retry-After', () => {
    const e = errorFrom(429, JSON.stringify({ error: { code: 'too_many_requests', message: '太频繁' } }), new Headers({ 'Retry-After': '30' }));
    expect(e.retryAfter).toBe(30);
  });

  it('a network failure becomes status 0 with a Chinese message', async () => {
    configureApi({ fetch: async () => { throw new TypeError('Failed to fetch'); } });
    const err = await api.get('/x').catch((e) => e);
    expect(err.status).toBe(0);
    expect(err.code).toBe('network_error');
    expect(hooks.notify).toHaveBeenCalled();
  });

  it('silent requests produce no reaction at all', async () => {
    respond(() => reply(500, { error: { code: 'internal', message: '内部错误' } }));
    await request('GET', '/x', { silent: true }).catch(() => {});
    expect(hooks.notify).not.toHaveBeenCalled();
  });
});

describe('errors the caller shows in place', () => {
  it('a 409 marked handled is not toasted, but a 500 still is', async () => {
    respond(() => reply(409, { error: { code: 'duplicate_word', message: '词库中已有该词条' } }));
    const err = await api.post('/api/v1/lexicons/1/entries', { word: 'x' }, { handled: [409] }).catch((e) => e);
    expect(err.code).toBe('duplicate_word');
    expect(hooks.notify).not.toHaveBeenCalled();
    respond(() => reply(500, { error: { code: 'internal', message: '内部错误' } }));
    await api.post('/api/v1/lexicons/1/entries', { word: 'x' }, { handled: [409] }).catch(() => {});
    expect(hooks.notify).toHaveBeenCalledTimes(1);
  });

  it('a handled status does not hide an expired session', async () => {
    respond(() => reply(401, { error: { code: 'unauthenticated', message: '未登录' } }));
    await api.post('/x', {}, { handled: [401, 409] }).catch(() => {});
    expect(hooks.onUnauthorized).toHaveBeenCalled();
  });
});

describe('uploads', () => {
  // a stand-in XMLHttpRequest that records what is sent
  let sent;
  class FakeXhr {
    constructor() { this.headers = {}; this.upload = {}; sent = this; }
    open(method, url) { this.method = method; this.url = url; }
    setRequestHeader(k, v) { this.headers[k] = v; }
    getResponseHeader() { return null; }
    send(body) {
      this.body = body;
      this.status = 201;
      this.responseText = '{"id":7}';
      queueMicrotask(() => this.onload());
    }
  }
  beforeEach(() => { globalThis.XMLHttpRequest = FakeXhr; });

  it('send a file as multipart/form-data under the given field, with extra fields and the CSRF header', async () => {
    const file = new File(['abc'], '视频.mp4', { type: 'video/mp4' });
    const r = await upload('/api/v1/proofread/video', file, { field: 'file', fields: { interval: 2 } }).promise;
    expect(r).toEqual({ id: 7 });
    expect(sent.body).toBeInstanceOf(FormData);
    expect(sent.body.get('interval')).toBe('2');
    expect(sent.body.get('file').name).toBe('视频.mp4');
    // the browser writes the multipart type with its boundary
    expect(sent.headers['Content-Type']).toBeUndefined();
    expect(sent.headers['X-CSRF-Token']).toBe('tok-123');
  });

  it('send a file as the raw body with its content type otherwise', async () => {
    const file = new File(['词条\n'], 'a.txt', { type: 'text/plain' });
    await upload('/api/v1/lexicons/1/import', file, { contentType: 'text/plain; charset=utf-8' }).promise;
    expect(sent.body).toBe(file);
    expect(sent.headers['Content-Type']).toBe('text/plain; charset=utf-8');
  });
});

describe('download names', () => {
  it('prefer the RFC 5987 UTF-8 name', () => {
    expect(filenameFrom(`attachment; filename="orgs.xlsx"; filename*=UTF-8''%E7%BB%84%E7%BB%87.xlsx`, 'x')).toBe('组织.xlsx');
    expect(filenameFrom('attachment; filename="audit.xlsx"', 'x')).toBe('audit.xlsx');
    expect(filenameFrom(null, '默认.xlsx')).toBe('默认.xlsx');
  });
});
