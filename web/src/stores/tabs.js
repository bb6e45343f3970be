// The tabs of open pages above the content: one per visited page (by route
// name + params), the home page always first and not closable.
import { defineStore } from 'pinia';

const HOME = { key: 'home', path: '/', title: '首页', closable: false };
const MAX_TABS = 12;

export const useTabs = defineStore('tabs', {
  state: () => ({ tabs: [{ ...HOME }] }),
  actions: {
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
      return key;
    },
    /** Closes a tab; returns the path to show next when it was the active one. */
    close(key, activeKey) {
      const i = this.tabs.findIndex((x) => x.key === key);
      if (i <= 0) return null;
      this.tabs.splice(i, 1);
      if (key !== activeKey) return null;
      return (this.tabs[i] || this.tabs[i - 1]).path;
    },
    closeOthers(key) {
      this.tabs = this.tabs.filter((t) => !t.closable || t.key === key);
    },
    reset() {
      this.tabs = [{ ...HOME }];
    },
  },
});
