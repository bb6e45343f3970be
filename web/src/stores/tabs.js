// The tabs of open pages above the content: one per visited page (by route
// name + params), the home page always first and not closable. They are kept
// in sessionStorage, so they survive F5 in this browser tab (and not into
// another account: logout and session expiry reset them). refreshSeq is
// bumped to re-create the current page (the tab menu's 刷新).
import { defineStore } from 'pinia';

const HOME = { key: 'home', path: '/', title: '首页', closable: false };
const MAX_TABS = 12;
const STORE = 'zhendi.tabs';

function restore() {
  try {
    const saved = JSON.parse(globalThis.sessionStorage?.getItem(STORE) || 'null');
    if (Array.isArray(saved) && saved.every((t) => t && typeof t.key === 'string' && typeof t.path === 'string' && typeof t.title === 'string')) {
      return [{ ...HOME }, ...saved.filter((t) => t.key !== 'home').slice(0, MAX_TABS - 1).map((t) => ({ key: t.key, path: t.path, title: t.title, closable: true }))];
    }
  } catch {
    /* nothing usable kept */
  }
  return [{ ...HOME }];
}

export const useTabs = defineStore('tabs', {
  state: () => ({ tabs: restore(), refreshSeq: 0 }),
  actions: {
    save() {
      try {
        globalThis.sessionStorage?.setItem(STORE, JSON.stringify(this.tabs.filter((t) => t.closable)));
      } catch {
        /* private mode: the tabs last for this page */
      }
    },
    /** Adds or refreshes the tab for a route; returns its key. */
    open(route) {
      if (!route?.meta?.title || route.meta.public || route.meta.noTab) return null;
      if (route.name === 'home') return 'home';
      const key = route.meta.tabKey ? route.meta.tabKey(route) : route.path;
      const title = route.meta.tabTitle ? route.meta.tabTitle(route) : route.meta.title;
      const t = this.tabs.find((x) => x.key === key);
      if (t) {
        t.path = route.fullPath;
        t.title = title;
      } else {
        this.tabs.push({ key, path: route.fullPath, title, closable: true });
        if (this.tabs.length > MAX_TABS) this.tabs.splice(1, 1);
      }
      this.save();
      return key;
    },
    /** Closes a tab; returns the path to show next when it was the active one. */
    close(key, activeKey) {
      const i = this.tabs.findIndex((x) => x.key === key);
      if (i <= 0) return null;
      this.tabs.splice(i, 1);
      this.save();
      if (key !== activeKey) return null;
      return (this.tabs[i] || this.tabs[i - 1]).path;
    },
    /**
     * Closes a group of tabs around `key`: 'others', 'left', 'right' or 'all'
     * (the home tab stays). Returns the path to show next when the active tab
     * was closed, else null.
     */
    closeMany(which, key, activeKey) {
      const i = this.tabs.findIndex((x) => x.key === key);
      const keep = (t, j) => !t.closable || (which === 'others' ? j === i : which === 'left' ? j >= i : which === 'right' ? j <= i : false);
      this.tabs = this.tabs.filter(keep);
      this.save();
      if (this.tabs.some((t) => t.key === activeKey)) return null;
      return (this.tabs.find((t) => t.key === key) || this.tabs[this.tabs.length - 1]).path;
    },
    closeOthers(key) {
      this.closeMany('others', key, key);
    },
    /** Re-creates the page shown (刷新). */
    refresh() {
      this.refreshSeq++;
    },
    reset() {
      this.tabs = [{ ...HOME }];
      try {
        globalThis.sessionStorage?.removeItem(STORE);
      } catch {
        /* nothing kept */
      }
    },
  },
});
