// Who is logged in on the members' pages: the user and their permissions,
// from POST /auth/login or GET /auth/me (which also hand out the CSRF
// token); the labels of every code (GET /dicts) come with the session.
import { reactive } from 'vue';
import { api, setCsrfToken } from '@/api/client.js';
import { V } from '@/api/index.js';

export const session = reactive({ user: null, permissions: [], loaded: false, dicts: {} });

function apply(s) {
  session.user = s.user || null;
  session.permissions = s.permissions || [];
  if (s.csrf_token) setCsrfToken(s.csrf_token);
  session.loaded = true;
}

async function loadDicts() {
  try {
    session.dicts = (await api.get(`${V}/dicts`, undefined, { silent: true })).dicts || {};
  } catch {
    /* labels fall back to the codes */
  }
}

/** GET /auth/me once per page life; false when nobody is logged in. */
export async function ensureSession() {
  if (session.loaded) return !!session.user;
  try {
    apply(await api.get(`${V}/auth/me`, undefined, { silent: true }));
    await loadDicts();
  } catch {
    session.loaded = true;
    session.user = null;
  }
  return !!session.user;
}

export async function login(body) {
  apply(await api.post(`${V}/auth/login`, body, { silent: true }));
  await loadDicts();
  return session;
}

export async function logout() {
  try {
    await api.post(`${V}/auth/logout`, undefined, { silent: true });
  } finally {
    setCsrfToken('');
    session.user = null;
  }
}

/** the Chinese label of a code in a dictionary, and its tag type */
export function label(dict, value) {
  const it = session.dicts[dict]?.items?.find((x) => x.value === value);
  return it ? it.label : value;
}
const TAG = { success: 'success', warning: 'warning', danger: 'danger', info: 'default', primary: 'primary' };
export function tagType(dict, value) {
  const it = session.dicts[dict]?.items?.find((x) => x.value === value);
  return TAG[it?.tag] || 'default';
}

export const can = (perm) => session.permissions.includes(perm);
