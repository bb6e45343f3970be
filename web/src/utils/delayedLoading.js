// v-loading, delayed: Element Plus's loading mask (vLoading) appears only when
// the work is still going after a short delay. Most console requests answer
// in a few milliseconds; a mask for them flickers, mounts a small Vue app of
// its own and then holds the page for its 0.3 s fade-out before it can be
// clicked. Registered as the app's `v-loading` (main.js), so every page gets
// it unchanged: `<div v-loading="loading" element-loading-text="…">`.
import { vLoading } from 'element-plus';

export const LOADING_DELAY_MS = 250;
const STATE = Symbol('delayedLoading');

/** A directive that drives `inner` (vLoading's hooks) `delay` ms late. */
export function delayedLoading(inner = vLoading, delay = LOADING_DELAY_MS) {
  function schedule(el) {
    const s = el[STATE];
    s.timer = setTimeout(() => {
      s.timer = 0;
      if (el[STATE] !== s || !s.binding.value) return;
      s.shown = true;
      inner.updated(el, s.binding);
    }, delay);
  }
  return {
    mounted(el, binding) {
      el[STATE] = { timer: 0, shown: false, binding };
      if (binding.value) schedule(el);
    },
    updated(el, binding) {
      const s = el[STATE];
      s.binding = binding;
      if (!binding.value) {
        clearTimeout(s.timer);
        s.timer = 0;
        if (s.shown) {
          s.shown = false;
          inner.updated(el, binding);
        }
      } else if (s.shown) {
        inner.updated(el, binding); // text or other options changed
      } else if (!s.timer) {
        schedule(el);
      }
    },
    unmounted(el) {
      const s = el[STATE];
      if (!s) return;
      clearTimeout(s.timer);
      if (s.shown) inner.unmounted(el);
      el[STATE] = null;
    },
  };
}
