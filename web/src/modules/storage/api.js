// The storage module's endpoints (docs/storage.md, 存储与共享): the shared
// space (folders, files, recycle bin), share links and the public share
// page, downloads and their statistics, usage and quotas, the integrity
// check and the virus scanner. Resumable uploads speak tus 1.0 at
// UPLOAD_ENDPOINT (tus-js-client, ./upload.js); GET /uploads/{id} tells what
// became of one. Bytes (content, derivatives, HLS) are plain URLs the browser
// loads itself with the session cookie: fileUrl() and friends.
import { api, download } from '@/api/client.js';
import { V } from '@/api/index.js';

export const UPLOAD_ENDPOINT = `${V}/uploads`;

const enc = encodeURIComponent;

/** where the browser fetches a file's bytes, a derivative, its HLS playlist */
export const fileUrl = (id, { inline = false } = {}) => `${V}/storage/files/${id}/content${inline ? '?inline=true' : ''}`;
export const derivativeUrl = (id, name) => `${V}/storage/files/${id}/derivatives/${name}`;
export const hlsUrl = (id) => `${V}/storage/files/${id}/hls/master.m3u8`;
export const publicInfoPath = (token) => `${V}/public/shares/${enc(token)}`;
export const publicContentUrl = (token, ticket) =>
  `${V}/public/shares/${enc(token)}/content${ticket ? `?ticket=${enc(ticket)}` : ''}`;

export const uploadApi = {
  get: (id, opts) => api.get(`${V}/uploads/${id}`, undefined, opts),
  cancel: (id) => api.del(`${V}/uploads/${id}`, { silent: true }),
};

export const fileApi = {
  list: (q) => api.get(`${V}/storage/files`, q),
  get: (id, opts) => api.get(`${V}/storage/files/${id}`, undefined, opts),
  update: (id, body) => api.patch(`${V}/storage/files/${id}`, body),
  trash: (id) => api.del(`${V}/storage/files/${id}`),
  batch: (body) => api.post(`${V}/storage/files/batch`, body),
  retryMedia: (id) => api.post(`${V}/storage/files/${id}/media/retry`),
  exportXlsx: (q) => download(`${V}/storage/files/export`, q, '文件列表.xlsx'),
  share: (id, body) => api.post(`${V}/storage/files/${id}/shares`, body),
};

export const folderApi = {
  list: (q) => api.get(`${V}/storage/folders`, q),
  /** every folder of an organisation, flat (the list is paged: 200 at a time) */
  async all(orgId) {
    const out = [];
    for (let page = 1; page < 100; page++) {
      const r = await api.get(`${V}/storage/folders`, { org_id: orgId, page, page_size: 200 });
      out.push(...(r?.items || []));
      if (out.length >= (r?.total ?? 0) || !(r?.items || []).length) break;
    }
    return out;
  },
  create: (body) => api.post(`${V}/storage/folders`, body),
  update: (id, body) => api.patch(`${V}/storage/folders/${id}`, body),
  trash: (id) => api.del(`${V}/storage/folders/${id}`),
};

export const trashApi = {
  list: (q) => api.get(`${V}/storage/trash`, q),
  restore: (kind, id) => api.post(`${V}/storage/trash/${kind}/${id}/restore`),
  purge: (kind, id) => api.del(`${V}/storage/trash/${kind}/${id}`),
};

export const shareApi = {
  list: (q) => api.get(`${V}/storage/shares`, q),
  revoke: (id) => api.post(`${V}/storage/shares/${id}/revoke`),
};

// the public share page: no session, so a 401 is not an expiry and errors
// (404 gone, 410 expired/revoked/used up, 429 locked) are shown in place
export const publicShareApi = {
  info: (token) => api.get(publicInfoPath(token), undefined, { silent: true, auth: false }),
  unlock: (token, password) => api.post(`${publicInfoPath(token)}/unlock`, { password }, { silent: true, auth: false }),
};

export const statsApi = {
  get: (q) => api.get(`${V}/storage/stats`, q),
  exportXlsx: (q) => download(`${V}/storage/stats/export`, q, '下载统计.xlsx'),
  transfers: (q) => api.get(`${V}/storage/transfers`, q),
};

export const usageApi = {
  list: (q) => api.get(`${V}/storage/usage`, q),
  setQuota: (orgId, quotaMb) => api.put(`${V}/storage/usage/${orgId}`, { quota_mb: quotaMb }),
};

export const integrityApi = {
  get: () => api.get(`${V}/storage/integrity`),
  findings: (q) => api.get(`${V}/storage/integrity/findings`, q),
  verify: () => api.post(`${V}/storage/integrity/verify`),
  scanner: (opts) => api.get(`${V}/storage/scanner`, undefined, opts),
};
