// Thin, named wrappers over the endpoints in docs/api.md, grouped by area.
// Pages call these rather than spelling paths, so a path change is one edit.
// Every function returns the promise of request() (see client.js).
import { api, download, upload } from './client.js';

const V = '/api/v1';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

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
  get: (id) => api.get(`${V}/users/${id}`),
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
};

export const homeApi = {
  todo: () => api.get(`${V}/dashboard/todo`),
};
