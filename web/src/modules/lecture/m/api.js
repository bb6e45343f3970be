// The members' lecture endpoints (docs/lecture.md), and 我的预约 over both
// kinds of booking (lecture sessions and course sessions).
import { api } from '@/api/client.js';
import { V } from '@/api/index.js';

export const mLectureApi = {
  catalog: (q) => api.get(`${V}/lecture/catalog`, q),
  lecture: (id, opts) => api.get(`${V}/lecture/catalog/${id}`, undefined, opts),
  book: (sid) => api.post(`${V}/lecture/sessions/${sid}/book`, undefined, { handled: [409] }),
  myBookings: (q) => api.get(`${V}/lecture/my-bookings`, q),
  cancel: (bid) => api.post(`${V}/lecture/my-bookings/${bid}/cancel`),
  checkin: (token) => api.post(`${V}/lecture/checkin`, { token }, { handled: [404, 409] }),
  recordings: (id) => api.get(`${V}/lecture/catalog/${id}/recordings`),
};

// the recordings' player endpoints (LessonPlayer's `endpoints`)
export const recordingEndpoints = {
  beat: (rid, position_ms, playing) =>
    api.post(`${V}/lecture/recordings/${rid}/progress`, { position_ms: Math.max(0, Math.round(position_ms)), playing }, { silent: true }),
  hls: (rid) => `${V}/lecture/recordings/${rid}/hls/master.m3u8`,
  media: (rid) => `${V}/lecture/recordings/${rid}/media`,
};

// the two kinds' own endpoints for a booking of either (kind: lecture | course)
export const BOOKING_KINDS = {
  lecture: { dict: 'lecture_booking_status', title: (b) => b.lecture_title, cancel: mLectureApi.cancel, name: '讲堂' },
  course: {
    dict: 'course_booking_status',
    title: (b) => b.course_title,
    cancel: (bid) => api.post(`${V}/course/my-bookings/${bid}/cancel`),
    name: '党课面授',
  },
};

/** 我的预约: page `page` of the lecture bookings and of the course bookings,
 * merged, latest session first; total is both lists' (a member without the
 * course permission sees the lecture bookings only). */
export async function myBookingsAll(q) {
  const none = { items: [], total: 0 };
  const [l, c] = await Promise.all([
    mLectureApi.myBookings(q),
    api.get(`${V}/course/my-bookings`, q, { silent: true }).catch(() => none),
  ]);
  const items = [
    ...l.items.map((b) => ({ ...b, kind: 'lecture' })),
    ...c.items.map((b) => ({ ...b, kind: 'course' })),
  ].sort((a, b) => (a.starts_at < b.starts_at ? 1 : a.starts_at > b.starts_at ? -1 : 0));
  return { items, total: l.total + c.total, more: l.items.length + c.items.length > 0 };
}

/** "12月5日 周六 14:00" in the phone's zone */
export function fmtWhen(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const w = '日一二三四五六'[d.getDay()];
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getMonth() + 1}月${d.getDate()}日 周${w} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function fmtSpan(a, b) {
  const e = new Date(b);
  const p = (n) => String(n).padStart(2, '0');
  return `${fmtWhen(a)}–${p(e.getHours())}:${p(e.getMinutes())}`;
}
