// The console's one way to talk to zhendi: JSON over fetch with the session
// cookie, the CSRF header on every mutating request, the error envelope
// turned into ApiError, and the cross-cutting reactions (401 → back to the
// login page, 403 password_change_required → the forced change page, 403
// totp_enrollment_required → the forced enrolment page, other errors → a toast that carries the X-Request-Id so support can find the
// request in the access log). Uploads go through XMLHttpRequest because
// fetch reports no upload progress.
//
// The reactions are injected with configureApi() (the router and the toast
// live outside this module), which also lets the unit tests observe them.

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** An error answer from the server (or the network). */
export class ApiError extends Error {
  constructor({ status, code, message, fields, requestId, retryAfter, body }) {
    super(message || '请求失败');
    this.name = 'ApiError';
    this.status = status; // 0 for network failures
    this.code = code || 'error';
    this.fields = fields || null; // 422: field → reason
    this.requestId = requestId || '';
    this.retryAfter = retryAfter || null; // 429: seconds, when the server says
    this.body = body ?? null; // the whole parsed answer (e.g. an import report)
  }
}

const state = {
  csrf: '',
  base: '',
  fetch: (...a) => globalThis.fetch(...a),
  onUnauthorized: null, // (err) => void
  onPasswordChange: null, // (err) => void
  onTotpRequired: null, // (err) => void
  notify: null, // ({type, message, requestId}) => void
};

/** Sets the hooks and, for tests, the fetch implementation and base URL. */
export function configureApi(opts) {
  Object.assign(state, opts);
}

/** The CSRF token from login or GET /auth/me; '' after logout. */
export function setCsrfToken(token) {
  state.csrf = token || '';
}
export function csrfToken() {
  return state.csrf;
}

/** '/api/v1/x' + {a:1,b:'',c:null} → '/api/v1/x?a=1' (empty values dropped). */
export function buildUrl(path, query) {
  let url = state.base + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) v.forEach((x) => qs.append(k, x));
      else qs.append(k, String(v));
    }
    const s = qs.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  return url;
}

export const STATUS_TEXT = {
  400: '请求格式有误',
  401: '未登录或登录已过期',
  403: '没有执行此操作的权限',
  404: '请求的内容不存在或不可见',
  405: '不支持的操作',
  409: '操作与当前状态冲突',
  413: '提交的内容过大',
  415: '不支持的内容类型',
  422: '填写的内容有误，请检查标红的项目',
  423: '账户已锁定',
  429: '操作过于频繁，请稍后再试',
  500: '服务器内部错误',
  502: '网关错误，服务暂不可用',
  503: '服务暂不可用（数据库无响应）',
  504: '服务响应超时',
};

// codes whose meaning the status alone does not tell, for an answer that
// comes without the server's message
const CODE_TEXT = {
  session_required: '此操作只能在登录会话中进行，不接受 API 令牌',
  password_change_required: '请先修改密码',
  totp_enrollment_required: '请先绑定身份验证器，开启两步验证',
};

/** Builds an ApiError from a status, the response text and headers. */
export function errorFrom(status, text, headers) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const env = body?.error || null;
  const get = (h) => (headers && typeof headers.get === 'function' ? headers.get(h) : null);
  const ra = Number(get('Retry-After'));
  return new ApiError({
    status,
    code: env?.code || `http_${status}`,
    message: env?.message || CODE_TEXT[env?.code] || STATUS_TEXT[status] || `请求失败（HTTP ${status}）`,
    fields: env?.fields || null,
    requestId: get('X-Request-Id') || '',
    retryAfter: Number.isFinite(ra) && ra > 0 ? ra : null,
    body,
  });
}

/**
 * Reacts to an error the way the whole console does, unless the caller asked
 * to handle it itself:
 *  - silent: true     → no reaction at all (the caller shows the error)
 *  - auth: false      → a 401 is not a session expiry (the login form)
 *  - toast422: true   → also toast a 422 (forms normally show fields in place)
 *  - handled: [409]   → statuses the caller shows itself, in place (no toast);
 *                       401 and the forced-change 403s still react
 */
export function handleError(err, opts = {}) {
  if (opts.silent) return;
  if (err.status === 401 && opts.auth !== false) {
    state.onUnauthorized?.(err);
    return;
  }
  if (err.status === 403 && err.code === 'password_change_required') {
    state.onPasswordChange?.(err);
    return;
  }
  if (err.status === 403 && err.code === 'totp_enrollment_required') {
    state.onTotpRequired?.(err);
    return;
  }
  if (err.status === 422 && err.fields && Object.keys(err.fields).length && !opts.toast422) return;
  if (Array.isArray(opts.handled) && opts.handled.includes(err.status)) return;
  state.notify?.({ type: 'error', message: err.message, requestId: err.requestId, status: err.status });
}

/**
 * request(method, path, {query, body, raw, contentType, headers, signal,
 *   responseType: 'json'|'blob'|'text', silent, auth, toast422})
 * Resolves with the parsed JSON (null for 204), or a Blob / text; rejects
 * with ApiError after the standard reaction (see handleError).
 */
export async function request(method, path, opts = {}) {
  method = method.toUpperCase();
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  let body;
  if (opts.raw !== undefined) {
    body = opts.raw;
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  if (MUTATING.has(method) && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await state.fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    const err = new ApiError({ status: 0, code: 'network_error', message: '网络连接失败，请检查网络后重试' });
    handleError(err, opts);
    throw err;
  }
  if (!res.ok) {
    const err = errorFrom(res.status, await res.text().catch(() => ''), res.headers);
    handleError(err, opts);
    throw err;
  }
  if (res.status === 204) return null;
  if (opts.responseType === 'blob') return res.blob();
  if (opts.responseType === 'text') return res.text();
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  get: (path, query, opts = {}) => request('GET', path, { ...opts, query }),
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
  patch: (path, body, opts = {}) => request('PATCH', path, { ...opts, body }),
  put: (path, body, opts = {}) => request('PUT', path, { ...opts, body }),
  del: (path, opts = {}) => request('DELETE', path, opts),
};

/** Picks a file name from Content-Disposition (RFC 5987 filename* first). */
export function filenameFrom(disposition, fallback) {
  if (!disposition) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
  return plain ? plain[1].trim() : fallback;
}

/**
 * Downloads a file (GET with the cookie) and hands it to the browser under
 * its server-given name. Errors are handled like any request.
 */
/**
 * A list as a workbook: the list route itself with ?format=xlsx (routes
 * flagged HTTP_EXPORT on the server) and the table's filters and sort; the
 * server labels codes and times and records the export.
 */
export function exportList(path, query, fallbackName, opts = {}) {
  const { page, page_size, after, ...q } = query || {};
  void page, void page_size, void after;
  return download(path, { ...q, format: 'xlsx' }, fallbackName, opts);
}

export async function download(path, query, fallbackName, opts = {}) {
  let res;
  try {
    res = await state.fetch(buildUrl(path, query), { credentials: 'same-origin', signal: opts.signal });
  } catch {
    const err = new ApiError({ status: 0, code: 'network_error', message: '网络连接失败，请检查网络后重试' });
    handleError(err, opts);
    throw err;
  }
  if (!res.ok) {
    const err = errorFrom(res.status, await res.text().catch(() => ''), res.headers);
    handleError(err, opts);
    throw err;
  }
  const blob = await res.blob();
  const name = filenameFrom(res.headers.get('Content-Disposition'), fallbackName);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

/**
 * Uploads a file with progress, as the raw request body or, with `field`, as
 * multipart/form-data (the file under that field name, `fields` beside it):
 * upload(path, file, {method:'POST', contentType, field, fields, onProgress(pct, loaded, total), query})
 * → {promise, abort}. The promise resolves with the parsed JSON answer.
 */
export function upload(path, file, opts = {}) {
  const xhr = new XMLHttpRequest();
  let body = file;
  if (opts.field) {
    body = new FormData();
    for (const [k, v] of Object.entries(opts.fields || {})) if (v !== undefined && v !== null) body.append(k, String(v));
    body.append(opts.field, file, file.name || 'file');
  }
  const promise = new Promise((resolve, reject) => {
    xhr.open(opts.method || 'POST', buildUrl(path, opts.query));
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    // a FormData body sets its own type with the boundary
    if (!opts.field) xhr.setRequestHeader('Content-Type', opts.contentType || file.type || 'application/octet-stream');
    if (state.csrf) xhr.setRequestHeader('X-CSRF-Token', state.csrf);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress?.(Math.round((e.loaded / e.total) * 100), e.loaded, e.total);
    };
    xhr.onload = () => {
      const headers = { get: (h) => xhr.getResponseHeader(h) };
      if (xhr.status >= 200 && xhr.status < 300) {
        opts.onProgress?.(100, file.size, file.size);
        try {
          resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null);
        } catch {
          resolve(null);
        }
        return;
      }
      const err = errorFrom(xhr.status, xhr.responseText, headers);
      handleError(err, opts);
      reject(err);
    };
    xhr.onerror = () => {
      const err = new ApiError({ status: 0, code: 'network_error', message: '上传失败：网络连接中断' });
      handleError(err, opts);
      reject(err);
    };
    xhr.onabort = () => reject(new ApiError({ status: 0, code: 'aborted', message: '上传已取消' }));
    xhr.send(body);
  });
  return { promise, abort: () => xhr.abort() };
}
