// Numbers beside menu entries (待审 of 审核工作台 …). A page declares its
// badge in its route meta:
//
//   meta: { title: '审核工作台', perm: …,
//           badge: { key: 'review.queue', fetch: () => reviewApi.queueTotal(), interval: 60000 } }
//
// `fetch` resolves to a number (0 shows nothing). The side menu hands the
// badges of the entries the user can see to watch(): each is fetched at once
// and then every `interval` ms (60 s by default; skipped while the browser
// tab is hidden), and dropped again when the menu no longer shows it or the
// session ends (stop()). A page that changes the number (a decision taken)
// calls refresh(key), or set(key, n) when it already knows it.
import { defineStore } from 'pinia';

export const DEFAULT_INTERVAL = 60000;

// outside the state: functions and timers are not data
const sources = new Map(); // key → {fetch, interval, timer, seq}

export const useBadges = defineStore('badges', {
  state: () => ({ counts: {} }), // key → number
  actions: {
    /** the number for a key (0 when unknown) */
    count(key) {
      const n = this.counts[key];
      return Number.isFinite(n) && n > 0 ? n : 0;
    },
    set(key, n) {
      this.counts[key] = Number(n) || 0;
    },
    /**
     * Polls exactly these badges ([{key, fetch, interval?}]): new ones start
     * (fetched at once), ones no longer given stop.
     */
    watch(badges) {
      const want = new Map();
      for (const b of badges || []) if (b?.key && typeof b.fetch === 'function') want.set(b.key, b);
      for (const key of [...sources.keys()]) if (!want.has(key)) this.unwatch(key);
      for (const [key, b] of want) {
        if (sources.has(key)) continue;
        const s = { fetch: b.fetch, interval: b.interval || DEFAULT_INTERVAL, timer: null, seq: 0 };
        sources.set(key, s);
        this.refresh(key);
        s.timer = setInterval(() => {
          if (typeof document !== 'undefined' && document.hidden) return;
          this.refresh(key);
        }, s.interval);
      }
    },
    unwatch(key) {
      const s = sources.get(key);
      if (s) clearInterval(s.timer);
      sources.delete(key);
      delete this.counts[key];
    },
    /** fetches a badge now; resolves when done (a failure keeps the last number) */
    async refresh(key) {
      const s = sources.get(key);
      if (!s) return;
      const my = ++s.seq;
      try {
        const n = await s.fetch();
        if (sources.get(key) === s && my === s.seq) this.set(key, n);
      } catch {
        /* offline or no longer allowed: keep what we had */
      }
    },
    /** the session ends: no more polling, no numbers */
    stop() {
      for (const key of [...sources.keys()]) this.unwatch(key);
      this.counts = {};
    },
  },
});
