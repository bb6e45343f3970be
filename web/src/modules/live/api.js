// The live module's endpoints (docs/live.md, 远教直播): the calendar of
// approved streams and one stream to watch, the bookings (create, edit,
// submit to the review, withdraw, cancel, delete, export), the player's
// heartbeat and the viewer statistics; the push key of a stream pushed to
// the platform's nginx-rtmp (推流直播). Decisions go through the review
// engine's own route.
import { api, download } from '@/api/client.js';
import { V } from '@/api/index.js';

export const liveApi = {
  calendar: (q) => api.get(`${V}/live/calendar`, q),
  event: (id, opts) => api.get(`${V}/live/calendar/${id}`, undefined, opts),
  list: (q) => api.get(`${V}/live/streams`, q),
  get: (id, opts) => api.get(`${V}/live/streams/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/live/streams`, body),
  update: (id, body) => api.patch(`${V}/live/streams/${id}`, body),
  remove: (id) => api.del(`${V}/live/streams/${id}`),
  submit: (id) => api.post(`${V}/live/streams/${id}/submit`),
  withdraw: (id) => api.post(`${V}/live/streams/${id}/withdraw`),
  cancel: (id, reason) => api.post(`${V}/live/streams/${id}/cancel`, { reason }),
  // a pushed stream's key and push address (its organiser's only), a new key
  ingest: (id, opts) => api.get(`${V}/live/streams/${id}/ingest`, undefined, opts),
  newKey: (id) => api.post(`${V}/live/streams/${id}/ingest`),
  stats: (id, opts) => api.get(`${V}/live/streams/${id}/stats`, undefined, opts),
  // the player's beat: failures are its own business (shown in place), never a toast
  heartbeat: (id, body) => api.post(`${V}/live/streams/${id}/heartbeat`, body, { silent: true }),
  exportXlsx: (q) => download(`${V}/live/streams/export`, q, '直播预约.xlsx'),
  decide: (reviewId, body) => api.post(`${V}/review/items/${reviewId}/decision`, body),
};
