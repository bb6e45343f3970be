// The labels of codes (statuses, types, audit actions, permissions ...),
// from the dictionary service GET /api/v1/dicts: each server module labels
// its own codes in Chinese, with the colour of their tag, so a label is
// defined once, on the server. Loaded once per session, after login or the
// first GET /auth/me (stores/auth.js), again on the next login, dropped on
// logout. Pages read it through label()/tag()/items(), reactively:
//
//   const dicts = useDicts();
//   dicts.label('user_status', 'active')  // '正常'
//   dicts.tag('user_status', 'active')    // 'success' (Element Plus tag type)
//   dicts.items('job_status')             // [{value, label, tag}] for filter options
//
// Until the dictionary has arrived a label is '' (not the code, which would
// flash); a code the dictionary does not know (or a dictionary that could
// not be loaded) shows as itself — the last resort.
import { defineStore } from 'pinia';
import { dictApi } from '@/api/index.js';

export const useDicts = defineStore('dicts', {
  state: () => ({
    dicts: {}, // name → {title, items:[{value,label,tag}]}
    loaded: false,
    failed: false, // the last load failed: codes show raw until a reload works
  }),
  getters: {
    /** name → Map(value → item), for lookups */
    index: (s) => {
      const out = {};
      for (const [name, d] of Object.entries(s.dicts)) out[name] = new Map((d.items || []).map((x) => [x.value, x]));
      return out;
    },
  },
  actions: {
    /** Loads the dictionaries (once; force: again). Resolves when done; never rejects. */
    load(force = false) {
      if (this.loaded && !force) return Promise.resolve();
      if (pending && !force) return pending;
      const my = (pending = dictApi
        .all()
        .then((r) => {
          if (my !== pending) return;
          this.dicts = r?.dicts || {};
          this.loaded = true;
          this.failed = false;
        })
        .catch(() => {
          if (my !== pending) return;
          this.failed = true;
        })
        .finally(() => {
          if (my === pending) pending = null;
        }));
      return my;
    },
    /** Resolves when the dictionaries are loaded (or their load failed). */
    ready() {
      return this.loaded ? Promise.resolve() : pending || this.load();
    },
    /** the Chinese label of a code; '' while loading; the code itself when unknown */
    label(dict, value) {
      if (value === null || value === undefined || value === '') return '';
      const item = this.index[dict]?.get(String(value));
      if (item) return item.label;
      return this.loaded || this.failed ? String(value) : '';
    },
    /** the Element Plus tag type of a code ('info' when unknown) */
    tag(dict, value) {
      return this.index[dict]?.get(String(value))?.tag || 'info';
    },
    /**
     * a dictionary's items [{value, label, tag}] in the server's order, for
     * filter options and tabs; [] until loaded. fallback: the codes to offer,
     * as themselves, when the dictionary could not be loaded (a page whose
     * tabs are the codes stays usable).
     */
    items(dict, fallback = []) {
      const items = this.dicts[dict]?.items;
      if (items?.length) return items;
      return this.failed ? fallback.map((v) => ({ value: v, label: v, tag: 'info' })) : [];
    },
    /** the dictionary's own title ('任务状态') */
    title(dict) {
      return this.dicts[dict]?.title || '';
    },
    reset() {
      pending = null;
      this.dicts = {};
      this.loaded = false;
      this.failed = false;
    },
  },
});

// the request in flight (outside the state: a promise is not data)
let pending = null;
