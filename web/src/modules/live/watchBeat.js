// The live module's viewer heartbeat (docs/live.md "Viewers"), shared by the
// watch page (WatchPage.vue) and a lecture session's broadcast
// (SessionLivePlayer.vue): this tab's random session id and the milliseconds
// actually played since the last beat (at most 120 s a beat), sent every
// next_beat_s the server asks for; a viewer counts from the first seconds of
// playing when `early()` says so (a stream pushed to the platform, whose
// organiser watches the viewers of the last 15 s). A 404/409 (closed, over)
// stops the beats and leaves the server's message in `note`.
import { ref } from 'vue';

/**
 * @param {object} o
 * @param {(body: object) => Promise<object>} o.send posts one beat, resolves to the answer
 * @param {() => boolean} [o.early] beat 2 s after playing starts
 * @param {() => object} [o.extra] more fields of a beat (taken when it is sent), e.g. { interactions }
 */
export function useWatchBeat({ send, early = () => false, extra = () => ({}) }) {
  const note = ref('');
  const session = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  let beatMs = 30000;
  let watched = 0;
  let playingSince = null;
  let timer = null;
  let stopped = false;
  let began = false;
  let gone = false;

  function onPlaying() {
    const first = playingSince === null && !began;
    if (playingSince === null) playingSince = performance.now();
    if (first && early()) {
      began = true;
      setTimeout(beat, 2000);
    }
  }
  function onStopped() {
    if (playingSince !== null) watched += performance.now() - playingSince;
    playingSince = null;
  }
  /** the milliseconds played since the last beat (at most what a beat may carry) */
  function take() {
    let w = watched;
    if (playingSince !== null) {
      const now = performance.now();
      w += now - playingSince;
      playingSince = now;
    }
    watched = 0;
    return Math.min(Math.round(w), 120000);
  }
  async function beat() {
    if (stopped) return;
    const w = take();
    const more = extra();
    if (!w && !Object.values(more).some(Boolean)) return; // not watching: not a viewer now
    try {
      const r = await send({ session, watched_ms: w, ...more });
      note.value = '';
      if (r?.next_beat_s && r.next_beat_s * 1000 !== beatMs) schedule(r.next_beat_s * 1000);
    } catch (err) {
      if (err?.status === 409 || err?.status === 404) {
        stopped = true;
        note.value = err.message;
      }
    }
  }
  function schedule(ms) {
    if (gone) return;
    beatMs = ms;
    clearInterval(timer);
    timer = setInterval(beat, beatMs);
  }
  /** listens to the player's <video> */
  function attach(video) {
    if (!video) return;
    video.addEventListener('playing', onPlaying);
    for (const ev of ['pause', 'waiting', 'ended', 'error', 'emptied']) video.addEventListener(ev, onStopped);
  }
  /** the last beat with what was played, and no more */
  function stop() {
    gone = true;
    clearInterval(timer);
    onStopped();
    beat();
  }
  return { note, attach, start: schedule, stop };
}
