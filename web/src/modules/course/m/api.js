// The members' course endpoints (docs/course.md).
import { api } from '@/api/client.js';
import { V } from '@/api/index.js';

export const mCourseApi = {
  catalog: (q) => api.get(`${V}/course/catalog`, q),
  course: (id, opts) => api.get(`${V}/course/catalog/${id}`, undefined, opts),
  beat: (lessonId, position_ms, playing) =>
    api.post(`${V}/course/lessons/${lessonId}/progress`, { position_ms: Math.max(0, Math.round(position_ms)), playing }, { silent: true }),
  myLearning: () => api.get(`${V}/course/my-learning`),
  hls: (lessonId) => `${V}/course/lessons/${lessonId}/hls/master.m3u8`,
  media: (lessonId) => `${V}/course/lessons/${lessonId}/media`,
  book: (sid) => api.post(`${V}/course/sessions/${sid}/book`, undefined, { handled: [409] }),
  myBookings: (q, opts) => api.get(`${V}/course/my-bookings`, q, opts),
  cancel: (bid) => api.post(`${V}/course/my-bookings/${bid}/cancel`),
  checkin: (token) => api.post(`${V}/course/checkin`, { token }, { handled: [404, 409] }),
};

/** "12:05" or "1:02:05" */
export function fmtClock(ms) {
  const s = Math.floor((ms || 0) / 1000);
  const p = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h ? `${h}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}` : `${Math.floor(s / 60)}:${p(s % 60)}`;
}
