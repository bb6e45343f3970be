// Thin, named wrappers over the endpoints in docs/api.md, grouped by area.
// Pages call these rather than spelling paths, so a path change is one edit.
// Every function returns the promise of request() (see client.js).
import { api, download, upload } from './client.js';

const V = '/api/v1';
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const authApi = {
  // the login form shows its own errors, and a 401 there is not an expiry
  login: (body) => api.post(`${V}/auth/login`, body, { silent: true }),
  logout: () => api.post(`${V}/auth/logout`, undefined, { silent: true }),
  me: (opts) => api.get(`${V}/auth/me`, undefined, { silent: true, ...opts }),
  changePassword: (body) => api.post(`${V}/auth/password`, body),
  totpSetup: () => api.post(`${V}/auth/totp/setup`),
  totpEnable: (code) => api.post(`${V}/auth/totp/enable`, { code }),
  totpDisable: (password) => api.post(`${V}/auth/totp/disable`, { password }),
  tokens: () => api.get(`${V}/auth/tokens`),
  createToken: (body) => api.post(`${V}/auth/tokens`, body),
  revokeToken: (id) => api.del(`${V}/auth/tokens/${id}`),
};

export const orgApi = {
  types: () => api.get(`${V}/org-types`),
  list: (q) => api.get(`${V}/orgs`, q),
  get: (id) => api.get(`${V}/orgs/${id}`),
  tree: (id, depth = 2) => api.get(`${V}/orgs/${id}/tree`, { depth }),
  create: (body) => api.post(`${V}/orgs`, body),
  update: (id, body) => api.patch(`${V}/orgs/${id}`, body),
  remove: (id) => api.del(`${V}/orgs/${id}`),
  move: (id, body) => api.post(`${V}/orgs/${id}/move`, body),
  history: (id, q) => api.get(`${V}/orgs/${id}/history`, q),
  exportXlsx: (parentId) => download(`${V}/orgs/export`, { parent_id: parentId }, '组织机构.xlsx'),
  importXlsx: (file, onProgress) => upload(`${V}/orgs/import`, file, { contentType: XLSX, onProgress, toast422: true }),
};

export const userApi = {
  list: (q) => api.get(`${V}/users`, q),
  get: (id, opts) => api.get(`${V}/users/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/users`, body),
  update: (id, body) => api.patch(`${V}/users/${id}`, body),
  disable: (id) => api.del(`${V}/users/${id}`),
  resetPassword: (id, body = {}) => api.post(`${V}/users/${id}/reset-password`, body),
  unlock: (id) => api.post(`${V}/users/${id}/unlock`),
  logout: (id) => api.post(`${V}/users/${id}/logout`),
};

export const roleApi = {
  permissions: () => api.get(`${V}/permissions`),
  list: () => api.get(`${V}/roles`),
  get: (id) => api.get(`${V}/roles/${id}`),
  create: (body) => api.post(`${V}/roles`, body),
  update: (id, body) => api.patch(`${V}/roles/${id}`, body),
  remove: (id) => api.del(`${V}/roles/${id}`),
};

export const sessionApi = {
  list: (q) => api.get(`${V}/sessions`, q),
  end: (id) => api.del(`${V}/sessions/${id}`),
};

export const policyApi = {
  get: () => api.get(`${V}/security/policy`),
  update: (body) => api.patch(`${V}/security/policy`, body),
};

export const auditApi = {
  list: (q) => api.get(`${V}/audit`, q),
  get: (id) => api.get(`${V}/audit/${id}`),
  verify: () => api.get(`${V}/audit/verify`),
  exportXlsx: (q) => download(`${V}/audit/export`, q, '审计日志.xlsx'),
};

export const jobApi = {
  list: (q) => api.get(`${V}/jobs`, q),
  get: (id, opts) => api.get(`${V}/jobs/${id}`, undefined, opts),
  retry: (id) => api.post(`${V}/jobs/${id}/retry`),
  cancel: (id) => api.post(`${V}/jobs/${id}/cancel`),
  kinds: () => api.get(`${V}/job-kinds`),
  runs: (q) => api.get(`${V}/job-runs`, q),
  schedules: (q) => api.get(`${V}/schedules`, q),
  schedule: (id) => api.get(`${V}/schedules/${id}`),
  updateSchedule: (id, body) => api.patch(`${V}/schedules/${id}`, body),
  pause: (id) => api.post(`${V}/schedules/${id}/pause`),
  resume: (id) => api.post(`${V}/schedules/${id}/resume`),
  runNow: (id) => api.post(`${V}/schedules/${id}/run`),
};

export const systemApi = {
  health: () => api.get('/healthz', undefined, { silent: true }),
  info: () => api.get(`${V}/system/info`),
  logs: (q) => api.get(`${V}/system/logs`, q),
  logFiles: () => api.get(`${V}/system/log-files`),
  downloadLogFile: (name) => download(`${V}/system/log-files/${encodeURIComponent(name)}`, undefined, name),
};

// 校真: checks are open to every logged-in user
export const proofreadApi = {
  meta: () => api.get(`${V}/proofread/meta`),
  check: (body, opts) => api.post(`${V}/proofread`, body, opts),
  image: (file, onProgress) => upload(`${V}/proofread/image`, file, { field: 'file', onProgress }),
  video: (file, interval, onProgress) => upload(`${V}/proofread/video`, file, { field: 'file', fields: { interval }, onProgress }),
  videoJob: (id, opts) => api.get(`${V}/proofread/video/${id}`, undefined, opts),
  videoList: (q) => api.get(`${V}/proofread/video`, q),
  engine: () => api.get(`${V}/proofread/engine`),
};

export const lexiconApi = {
  list: (q) => api.get(`${V}/lexicons`, q),
  get: (id) => api.get(`${V}/lexicons/${id}`),
  // a taken name (409 conflict) is shown under the name field
  create: (body) => api.post(`${V}/lexicons`, body, { handled: [409] }),
  update: (id, body, opts = { handled: [409] }) => api.patch(`${V}/lexicons/${id}`, body, opts),
  remove: (id) => api.del(`${V}/lexicons/${id}`, { handled: [409] }),
  entries: (id, q) => api.get(`${V}/lexicons/${id}/entries`, q),
  // a word the lexicon already has (409 duplicate_word) is shown under the word field
  createEntry: (id, body) => api.post(`${V}/lexicons/${id}/entries`, body, { handled: [409] }),
  updateEntry: (id, entryId, body) => api.patch(`${V}/lexicons/${id}/entries/${entryId}`, body, { handled: [409] }),
  removeEntry: (id, entryId) => api.del(`${V}/lexicons/${id}/entries/${entryId}`),
  /** file: a Blob; .xlsx by its type, else UTF-8 text/plain */
  importFile: (id, file, onProgress) =>
    upload(`${V}/lexicons/${id}/import`, file, { contentType: file.type === XLSX ? XLSX : 'text/plain; charset=utf-8', onProgress }),
  exportTxt: (id, name) => download(`${V}/lexicons/${id}/export`, undefined, `${name || `词库${id}`}.txt`),
  history: (id, q) => api.get(`${V}/lexicons/${id}/history`, q),
};

export const homeApi = {
  todo: () => api.get(`${V}/dashboard/todo`),
};
