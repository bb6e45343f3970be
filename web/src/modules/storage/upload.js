// Resumable uploads (tus 1.0, docs/storage.md "Life of an upload") with
// tus-js-client, loaded only by the pages that upload. One TusTransfer per
// file: 8 MiB PATCH requests, the session's CSRF header on each, pause and
// resume, and the upload's URL kept in localStorage under a fingerprint of
// the file (user, name, type, size, mtime), so picking the same file again
// after a reload or a dropped connection goes on from the server's offset
// (HEAD) instead of from the start. Once every byte is there the server
// checks and ingests the file as a job: waitForIngest() polls
// GET /uploads/{id} until it is done (a file) or refused (the reason).
import { csrfToken } from '@/api/client.js';
import { UPLOAD_ENDPOINT, uploadApi } from './api.js';

export const CHUNK_SIZE = 8 * 1024 * 1024;
const FINAL = new Set(['done', 'refused', 'failed', 'expired', 'cancelled']);

let tusModule = null;
/** tus-js-client, imported on first use (its own chunk) */
export async function loadTus() {
  if (!tusModule) tusModule = await import('tus-js-client');
  return tusModule;
}

/** the fingerprint under which an upload's URL is remembered (per user: a shared computer) */
export function fingerprintOf(file, userId) {
  return ['zhendi-tus', userId ?? 'anon', file.name, file.type, file.size, file.lastModified].join('|');
}

/** "…/api/v1/uploads/42" → 42 */
export function uploadIdOf(url) {
  const m = /\/uploads\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url || '');
  return m ? decodeURIComponent(m[1]) : null;
}

/**
 * The server's words for a failed tus request: the error envelope's message
 * ({"error":{"code","message"}}) of the answer when there is one, else a
 * sentence for the status, else the network.
 */
export function tusErrorMessage(err) {
  const res = err?.originalResponse;
  const status = res?.getStatus?.() || 0;
  let body = null;
  try {
    body = JSON.parse(res?.getBody?.() || '');
  } catch {
    body = null;
  }
  const msg = body?.error?.message;
  if (msg) return msg;
  const BY_STATUS = {
    401: '登录已过期，请重新登录后继续上传',
    403: '没有上传文件的权限',
    404: '上传记录已失效，请重新上传',
    410: '上传记录已过期，请重新上传',
    413: '文件超过允许的大小或本组织的存储配额',
    415: '不支持的文件格式',
    422: '文件内容不符合要求',
    460: '数据校验失败，请重试',
    429: '操作过于频繁，请稍后再试',
  };
  if (BY_STATUS[status]) return BY_STATUS[status];
  if (status >= 500) return `服务器处理失败（HTTP ${status}），请稍后重试`;
  return '网络连接中断，可稍后重新选择该文件继续上传';
}

/** the error code of a failed tus request's answer ('quota_exceeded' …), or '' */
export function tusErrorCode(err) {
  try {
    return JSON.parse(err?.originalResponse?.getBody?.() || '')?.error?.code || '';
  } catch {
    return '';
  }
}

/**
 * Unfinished uploads remembered in this browser (tus-js-client's URL
 * storage): [{key, uploadUrl, size, filename, purpose, creationTime}].
 */
export async function unfinishedUploads(userId) {
  const tus = await loadTus();
  const storage = tus.defaultOptions.urlStorage;
  const all = (await storage.findAllUploads().catch(() => [])) || [];
  const prefix = `tus::${['zhendi-tus', userId ?? 'anon'].join('|')}|`;
  return all
    .filter((u) => String(u.urlStorageKey || '').startsWith(prefix))
    .map((u) => ({
      key: u.urlStorageKey,
      uploadUrl: u.uploadUrl,
      size: u.size,
      filename: u.metadata?.filename || '',
      purpose: u.metadata?.purpose || '',
      creationTime: u.creationTime,
    }));
}

/** Forgets an unfinished upload here and ends it on the server (tus termination). */
export async function discardUnfinished(entry) {
  const tus = await loadTus();
  await tus.defaultOptions.urlStorage.removeUpload(entry.key).catch(() => {});
  const id = uploadIdOf(entry.uploadUrl);
  if (id) await uploadApi.cancel(id).catch(() => {});
}

/**
 * One file's transfer. handlers: onProgress(sent, total), onSuccess(uploadId),
 * onError(message, code), onResumed(offset) (an earlier upload of the same
 * file continues). metadata: {filename, purpose, folder_id, org_id, title, …}
 * (empty values left out).
 */
export class TusTransfer {
  // tusOptions: more tus-js-client options (the unit tests give an httpStack)
  constructor(file, metadata, handlers = {}, { userId, chunkSize = CHUNK_SIZE, tusOptions = {} } = {}) {
    this.tusOptions = tusOptions;
    this.file = file;
    this.metadata = {};
    for (const [k, v] of Object.entries(metadata || {})) if (v !== undefined && v !== null && v !== '') this.metadata[k] = String(v);
    this.handlers = handlers;
    this.userId = userId;
    this.chunkSize = chunkSize;
    this.upload = null;
    this.running = false;
  }

  async start() {
    const tus = await loadTus();
    const userId = this.userId;
    const h = this.handlers;
    this.upload = new tus.Upload(this.file, {
      endpoint: UPLOAD_ENDPOINT,
      chunkSize: this.chunkSize,
      metadata: this.metadata,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      fingerprint: (file) => Promise.resolve(fingerprintOf(file, userId)),
      // the token may change (a new login in another tab): read it per request
      onBeforeRequest: (req) => {
        const t = csrfToken();
        if (t) req.setHeader('X-CSRF-Token', t);
      },
      onProgress: (sent, total) => h.onProgress?.(sent, total),
      onSuccess: () => {
        this.running = false;
        h.onSuccess?.(uploadIdOf(this.upload.url));
      },
      onError: (err) => {
        this.running = false;
        // refused for good (too large, wrong format, bad pixels): nothing to resume
        const status = err?.originalResponse?.getStatus?.() || 0;
        if ([413, 415, 422].includes(status)) this.forget();
        h.onError?.(tusErrorMessage(err), tusErrorCode(err), err);
      },
      ...this.tusOptions,
    });
    const previous = await this.upload.findPreviousUploads().catch(() => []);
    if (previous.length) {
      previous.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
      this.upload.resumeFromPreviousUpload(previous[0]);
      h.onResumed?.(previous[0]);
    }
    this.running = true;
    this.upload.start();
  }

  /** drops what this browser remembers of this file's upload */
  async forget() {
    const tus = await loadTus();
    const storage = tus.defaultOptions.urlStorage;
    const fp = fingerprintOf(this.file, this.userId);
    for (const u of (await storage.findUploadsByFingerprint(fp).catch(() => [])) || []) await storage.removeUpload(u.urlStorageKey).catch(() => {});
  }

  pause() {
    if (!this.upload || !this.running) return Promise.resolve();
    this.running = false;
    // false: keep the upload on the server, to resume
    return this.upload.abort(false).catch(() => {});
  }

  resume() {
    if (!this.upload || this.running) return;
    this.running = true;
    this.upload.start();
  }

  /** stops and ends the upload on the server */
  async cancel() {
    this.running = false;
    if (this.upload) await this.upload.abort(true).catch(() => {});
    await this.forget();
  }
}

/**
 * Polls GET /uploads/{id} (1 s, 3 s after a minute) until the server has
 * ingested or refused the file. onUpdate(upload) for each answer; resolves
 * with the last. stop() of the returned handle ends the polling.
 */
export function waitForIngest(id, onUpdate) {
  let timer = null;
  let stopped = false;
  const started = Date.now();
  const promise = new Promise((resolve, reject) => {
    const poll = async () => {
      if (stopped) return;
      try {
        const u = await uploadApi.get(id, { silent: true });
        onUpdate?.(u);
        if (FINAL.has(u?.status)) return resolve(u);
      } catch (e) {
        if ([401, 403, 404].includes(e?.status)) return reject(e);
      }
      if (!stopped) timer = setTimeout(poll, Date.now() - started < 60000 ? 1000 : 3000);
    };
    poll();
  });
  return {
    promise,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
