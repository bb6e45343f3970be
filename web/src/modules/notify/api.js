// The notify module's endpoints (docs/notify.md, 消息中心): the caller's own
// messages, their unread count, marking read, deleting, the push stream
// (an EventSource URL) and announcements to an organisation's users.
import { api } from '@/api/client.js';
import { V } from '@/api/index.js';

/** the Server-Sent Events stream of the unread count (EventSource, same origin) */
export const STREAM_URL = `${V}/notifications/stream`;

export const notifyApi = {
  list: (q, opts) => api.get(`${V}/notifications`, q, opts),
  // a background poll: a 401 still means the session is over
  unreadCount: (opts) => api.get(`${V}/notifications/unread-count`, undefined, opts),
  get: (id) => api.get(`${V}/notifications/${id}`),
  read: (id, opts) => api.post(`${V}/notifications/${id}/read`, undefined, opts),
  readAll: () => api.post(`${V}/notifications/read-all`),
  remove: (id) => api.del(`${V}/notifications/${id}`),
  broadcast: (body) => api.post(`${V}/notifications/broadcast`, body),
};
