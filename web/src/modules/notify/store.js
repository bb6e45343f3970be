// The caller's unread count and newest unread messages, shared by the bell
// and the message centre. The count is pushed by the server over
// Server-Sent Events (GET /notifications/stream, EventSource: it reconnects
// by itself after a network drop or a server restart). When the stream
// cannot be had (refused: too many consoles, a proxy without streaming) the
// count is polled every minute instead, and the stream is tried again every
// five minutes. The server ends the stream with event "end" when the
// session is over; one request then finds out (401 → the login page).
import { defineStore } from 'pinia';
import { notifyApi, STREAM_URL } from './api.js';

const POLL_MS = 60000;
const RETRY_STREAM_MS = 300000;

let source = null; // the EventSource
let pollTimer = null;
let streamFailedAt = 0;
let users = 0; // components holding the connection

export const useNotify = defineStore('notify', {
  state: () => ({
    count: 0,
    latest: [], // up to 5 newest unread
    live: false, // the stream is open
    version: 0, // bumped when the inbox changed (pages reload)
  }),
  actions: {
    /** the count changed (pushed or polled): the newest unread follow */
    async setCount(n) {
      const changed = n !== this.count;
      this.count = n;
      if (changed) {
        this.version++;
        await this.loadLatest();
      }
    },
    async loadLatest() {
      try {
        const r = await notifyApi.list({ unread: true, page_size: 5 }, { silent: true });
        this.latest = r?.items || [];
        if (r && typeof r.total === 'number') this.count = r.total;
      } catch {
        /* the bell keeps what it had */
      }
    },
    async poll() {
      try {
        const r = await notifyApi.unreadCount();
        await this.setCount(r.count);
      } catch {
        /* 401 went to the login page; anything else: the next poll */
      }
      if (!source && Date.now() - streamFailedAt > RETRY_STREAM_MS) this.openStream();
    },
    openStream() {
      if (source || typeof EventSource === 'undefined') return;
      const es = new EventSource(STREAM_URL, { withCredentials: true });
      source = es;
      es.addEventListener('open', () => {
        this.live = true;
        stopPolling();
      });
      es.addEventListener('unread', (e) => {
        try {
          this.setCount(JSON.parse(e.data).count);
        } catch {
          /* a malformed event: the next one */
        }
      });
      es.addEventListener('end', () => {
        // the session is over: no reconnecting; one request leads to the login page
        this.closeStream();
        notifyApi.unreadCount().catch(() => {});
      });
      es.onerror = () => {
        this.live = false;
        // CONNECTING: the browser retries by itself; CLOSED: refused for good
        if (es.readyState === EventSource.CLOSED) {
          if (source === es) source = null;
          streamFailedAt = Date.now();
          startPolling(this);
          this.poll(); // at once: a 401 (the session ended meanwhile) leads to the login page
        }
      };
    },
    closeStream() {
      if (source) source.close();
      source = null;
      this.live = false;
    },
    /** a component that shows the count starts using it (the bell) */
    attach() {
      users++;
      if (users === 1) {
        this.loadLatest();
        this.openStream();
        if (!source) startPolling(this);
      }
    },
    detach() {
      users = Math.max(0, users - 1);
      if (!users) {
        this.closeStream();
        stopPolling();
      }
    },
    async markRead(id) {
      await notifyApi.read(id, { silent: true });
      this.latest = this.latest.filter((m) => m.id !== id);
      await this.refresh();
    },
    async readAll() {
      const r = await notifyApi.readAll();
      this.latest = [];
      await this.refresh();
      return r?.count || 0;
    },
    /** after a change made here: the stream says it too, but not when polling */
    async refresh() {
      try {
        const r = await notifyApi.unreadCount({ silent: true });
        this.count = r.count;
      } catch {
        /* keep */
      }
      this.version++;
      await this.loadLatest();
    },
  },
});

function startPolling(store) {
  if (pollTimer) return;
  pollTimer = setInterval(() => store.poll(), POLL_MS);
}
function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}
