// The shell's own endpoints: the session (login, logout, me, password,
// TOTP, API tokens), the home page's to-do list and the dictionary of code
// labels. Each module's endpoints are in its own web/src/modules/<name>/api.js;
// pages call those wrappers rather than spelling paths, so a path change is
// one edit. Every function returns the promise of request() (see client.js).
import { api } from './client.js';

/** the API prefix every module's wrappers build on */
export const V = '/api/v1';
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const authApi = {
  // the login form shows its own errors, and a 401 there is not an expiry
  login: (body) => api.post(`${V}/auth/login`, body, { silent: true }),
  logout: () => api.post(`${V}/auth/logout`, undefined, { silent: true }),
  me: (opts) => api.get(`${V}/auth/me`, undefined, { silent: true, ...opts }),
  changePassword: (body) => api.post(`${V}/auth/password`, body),
  updateContact: (body) => api.patch(`${V}/auth/me`, body),
  totpSetup: () => api.post(`${V}/auth/totp/setup`),
  totpEnable: (code) => api.post(`${V}/auth/totp/enable`, { code }),
  totpDisable: (password) => api.post(`${V}/auth/totp/disable`, { password }),
  tokens: () => api.get(`${V}/auth/tokens`),
  createToken: (body) => api.post(`${V}/auth/tokens`, body),
  revokeToken: (id) => api.del(`${V}/auth/tokens/${id}`),
};

export const homeApi = {
  todo: () => api.get(`${V}/dashboard/todo`),
};

// the labels of codes (stores/dicts.js): no reaction of its own — a page
// without labels still works, with the codes
export const dictApi = {
  all: () => api.get(`${V}/dicts`, undefined, { silent: true }),
};
