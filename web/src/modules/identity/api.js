// The identity module's endpoints (docs/api.md, 身份与权限): organisations,
// users, roles, sessions, the security policy and the audit log. The
// session's own endpoints (login, password, TOTP, tokens) are the shell's,
// in src/api/index.js, because the login pages need them before any module.
import { api, download, exportList, upload } from '@/api/client.js';
import { V, XLSX } from '@/api/index.js';

export const orgApi = {
  types: () => api.get(`${V}/org-types`),
  list: (q) => api.get(`${V}/orgs`, q),
  get: (id, opts) => api.get(`${V}/orgs/${id}`, undefined, opts),
  tree: (id, depth = 2) => api.get(`${V}/orgs/${id}/tree`, { depth }),
  create: (body) => api.post(`${V}/orgs`, body),
  update: (id, body) => api.patch(`${V}/orgs/${id}`, body),
  remove: (id) => api.del(`${V}/orgs/${id}`),
  move: (id, body) => api.post(`${V}/orgs/${id}/move`, body),
  history: (id, q) => api.get(`${V}/orgs/${id}/history`, q),
  exportXlsx: (parentId) => download(`${V}/orgs/export`, { parent_id: parentId }, '组织机构.xlsx'),
  importXlsx: (file, onProgress) => upload(`${V}/orgs/import`, file, { contentType: XLSX, onProgress, toast422: true }),
  importTemplate: () => download(`${V}/orgs/import-template`, undefined, '组织导入模板.xlsx'),
};

export const userApi = {
  list: (q) => api.get(`${V}/users`, q),
  exportXlsx: (q) => exportList(`${V}/users`, q, '用户.xlsx'),
  importTemplate: () => download(`${V}/users/import-template`, undefined, '用户导入模板.xlsx'),
  // a refused file answers 422 with the rows' reasons: the dialog shows them
  importXlsx: (file, onProgress) => upload(`${V}/users/import`, file, { contentType: XLSX, onProgress, silent: true }),
  get: (id, opts) => api.get(`${V}/users/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/users`, body),
  update: (id, body) => api.patch(`${V}/users/${id}`, body),
  disable: (id, opts) => api.del(`${V}/users/${id}`, opts),
  resetPassword: (id, body = {}) => api.post(`${V}/users/${id}/reset-password`, body),
  unlock: (id) => api.post(`${V}/users/${id}/unlock`),
  logout: (id) => api.post(`${V}/users/${id}/logout`),
  resetTotp: (id) => api.post(`${V}/users/${id}/reset-totp`),
  tokens: (id) => api.get(`${V}/users/${id}/tokens`),
  revokeToken: (id, tokenId) => api.del(`${V}/users/${id}/tokens/${tokenId}`),
};

export const roleApi = {
  permissions: () => api.get(`${V}/permissions`),
  list: (opts) => api.get(`${V}/roles`, undefined, opts),
  exportXlsx: () => download(`${V}/roles`, { format: 'xlsx' }, '角色.xlsx'),
  get: (id) => api.get(`${V}/roles/${id}`),
  create: (body) => api.post(`${V}/roles`, body),
  update: (id, body) => api.patch(`${V}/roles/${id}`, body),
  remove: (id) => api.del(`${V}/roles/${id}`),
};

export const sessionApi = {
  list: (q) => api.get(`${V}/sessions`, q),
  exportXlsx: (q) => exportList(`${V}/sessions`, q, '在线会话.xlsx'),
  end: (id, opts) => api.del(`${V}/sessions/${id}`, opts),
};

export const policyApi = {
  get: () => api.get(`${V}/security/policy`),
  update: (body) => api.patch(`${V}/security/policy`, body),
};

export const auditApi = {
  list: (q) => api.get(`${V}/audit`, q),
  get: (id) => api.get(`${V}/audit/${id}`),
  verify: () => api.get(`${V}/audit/verify`),
  // the export takes the list's filters (kind, user, action …), not its paging or sort
  exportXlsx: ({ sort, ...q }, name = '审计日志.xlsx') => (void sort, download(`${V}/audit/export`, q, name)),
};
