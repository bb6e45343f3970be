// A video's length as a clock (1:02:03, 4:05), and whether its detail
// page still has to follow the server (transcoding or the frames' check
// not finished).

export function clock(ms) {
  if (ms === null || ms === undefined || ms === '') return '';
  const s = Math.round(Number(ms) / 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

const MEDIA_FINAL = new Set(['ready', 'failed', 'none', 'skipped']);
const CHECK_FINAL = new Set(['done', 'failed']);

/** true while the server is still working on the video (poll again) */
export function videoBusy(v) {
  if (!v || !v.file_id) return false; // no file yet: nothing happens on the server
  const ms = v.file?.media_status;
  return (ms && !MEDIA_FINAL.has(ms)) || !CHECK_FINAL.has(v.check_status);
}
