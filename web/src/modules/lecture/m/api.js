// The members' lecture endpoints (docs/lecture.md).
import { api } from '@/api/client.js';
import { V } from '@/api/index.js';

export const mLectureApi = {
  catalog: (q) => api.get(`${V}/lecture/catalog`, q),
  lecture: (id, opts) => api.get(`${V}/lecture/catalog/${id}`, undefined, opts),
  book: (sid) => api.post(`${V}/lecture/sessions/${sid}/book`, undefined, { handled: [409] }),
  myBookings: (q) => api.get(`${V}/lecture/my-bookings`, q),
  cancel: (bid) => api.post(`${V}/lecture/my-bookings/${bid}/cancel`),
  checkin: (token) => api.post(`${V}/lecture/checkin`, { token }, { handled: [404, 409] }),
};

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
