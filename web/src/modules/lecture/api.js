// The lecture module's endpoints (docs/lecture.md, 初心讲堂): lectures
// (create, edit, submit to the review, withdraw, cancel, delete), their
// sessions, the bookings of a session with the organiser's decision, and a
// session's check-in token, the recordings (回放). Review decisions go through the review engine.
import { api, download } from '@/api/client.js';
import { V } from '@/api/index.js';

export const lectureApi = {
  list: (q) => api.get(`${V}/lecture/lectures`, q),
  get: (id, opts) => api.get(`${V}/lecture/lectures/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/lecture/lectures`, body),
  update: (id, body) => api.patch(`${V}/lecture/lectures/${id}`, body),
  remove: (id) => api.del(`${V}/lecture/lectures/${id}`),
  submit: (id) => api.post(`${V}/lecture/lectures/${id}/submit`),
  withdraw: (id) => api.post(`${V}/lecture/lectures/${id}/withdraw`),
  cancel: (id, reason) => api.post(`${V}/lecture/lectures/${id}/cancel`, { reason }),
  // the revision (修订) of a published lecture
  saveRevision: (id, body) => api.put(`${V}/lecture/lectures/${id}/revision`, body),
  submitRevision: (id) => api.post(`${V}/lecture/lectures/${id}/revision/submit`),
  withdrawRevision: (id) => api.post(`${V}/lecture/lectures/${id}/revision/withdraw`),
  discardRevision: (id) => api.del(`${V}/lecture/lectures/${id}/revision`),
  addSession: (id, body) => api.post(`${V}/lecture/lectures/${id}/sessions`, body),
  updateSession: (sid, body) => api.patch(`${V}/lecture/sessions/${sid}`, body),
  removeSession: (sid) => api.del(`${V}/lecture/sessions/${sid}`),
  // a session's live broadcast (讲堂直播)
  live: (sid, opts) => api.get(`${V}/lecture/sessions/${sid}/live`, undefined, opts),
  openLive: (sid, body) => api.post(`${V}/lecture/sessions/${sid}/live`, body),
  closeLive: (sid, reason) => api.post(`${V}/lecture/sessions/${sid}/live/close`, { reason }),
  checkinCode: (sid) => api.get(`${V}/lecture/sessions/${sid}/checkin-code`),
  bookings: (q) => api.get(`${V}/lecture/bookings`, q),
  stats: (q) => api.get(`${V}/lecture/stats`, q),
  exportStats: (q) => download(`${V}/lecture/stats/export`, q, '讲堂统计.xlsx'),
  decide: (bid, body) => api.post(`${V}/lecture/bookings/${bid}/decision`, body),
  ratings: (q) => api.get(`${V}/lecture/ratings`, q),
  recordings: (id) => api.get(`${V}/lecture/lectures/${id}/recordings`),
  addRecording: (id, body) => api.post(`${V}/lecture/lectures/${id}/recordings`, body, { handled: [409] }),
  removeRecording: (rid) => api.del(`${V}/lecture/recordings/${rid}`),
  moderate: (id, action) => api.post(`${V}/lecture/ratings/${id}/moderate`, { action }),
};
