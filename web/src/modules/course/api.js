// The course module's endpoints (docs/course.md, 系列党课矩阵): courses
// (create, edit with their lessons and sessions, submit to the review,
// withdraw, delete), their QR codes and the printable sheet of a series,
// and the bookings of their in-person sessions with the organiser's
// decision and a session's check-in token.
// Review decisions go through the review engine.
import { api, exportList } from '@/api/client.js';
import { V } from '@/api/index.js';

export const courseApi = {
  list: (q) => api.get(`${V}/course/courses`, q),
  exportXlsx: (q) => exportList(`${V}/course/courses`, q, '系列党课.xlsx'),
  get: (id, opts) => api.get(`${V}/course/courses/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/course/courses`, body),
  update: (id, body) => api.patch(`${V}/course/courses/${id}`, body),
  remove: (id) => api.del(`${V}/course/courses/${id}`),
  submit: (id) => api.post(`${V}/course/courses/${id}/submit`),
  withdraw: (id) => api.post(`${V}/course/courses/${id}/withdraw`),
  // the revision (修订) of a published course
  saveRevision: (id, body) => api.put(`${V}/course/courses/${id}/revision`, body),
  submitRevision: (id) => api.post(`${V}/course/courses/${id}/revision/submit`),
  withdrawRevision: (id) => api.post(`${V}/course/courses/${id}/revision/withdraw`),
  discardRevision: (id) => api.del(`${V}/course/courses/${id}/revision`),
  ratings: (q) => api.get(`${V}/course/ratings`, q),
  moderate: (id, action) => api.post(`${V}/course/ratings/${id}/moderate`, { action }),
  bookings: (q) => api.get(`${V}/course/bookings`, q),
  decide: (bid, body) => api.post(`${V}/course/bookings/${bid}/decision`, body),
  checkinCode: (sid) => api.get(`${V}/course/sessions/${sid}/checkin-code`),
  callOff: (sid, reason) => api.post(`${V}/course/sessions/${sid}/call-off`, { reason }),
  qrPng: (id) => `${V}/course/courses/${id}/qr.png`,
  qrSvg: (id) => `${V}/course/courses/${id}/qr.svg`,
  qrSheet: (series) => `${V}/course/qr-sheet?series=${encodeURIComponent(series)}`,
};

/** The session bookings' side for SessionBookings (its exportXlsx is the booking list's). */
export const courseBookingApi = {
  bookings: courseApi.bookings,
  decide: courseApi.decide,
  checkinCode: courseApi.checkinCode,
  exportXlsx: (q) => exportList(`${V}/course/bookings`, q, '党课面授预约名单.xlsx'),
};
