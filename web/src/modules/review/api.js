// The review engine's endpoints (审核流程, src/modules/review/): items in the
// caller's scope, the caller's queue and its counts, an item with its chain,
// history and versions, one version's snapshot and findings, decisions,
// overrides of proofreading blocks, the chains per kind and the statistics.
// Every module's reviewable items (articles, photos, videos …) go through
// these; their own pages embed components/ReviewPanel.vue.
import { api, download } from '@/api/client.js';
import { V } from '@/api/index.js';

export const reviewApi = {
  items: (q) => api.get(`${V}/review/items`, q),
  queue: (q) => api.get(`${V}/review/queue`, q),
  queueCounts: (opts) => api.get(`${V}/review/queue/counts`, undefined, opts),
  get: (id, opts) => api.get(`${V}/review/items/${id}`, undefined, opts),
  version: (id, v, opts) => api.get(`${V}/review/items/${id}/versions/${v}`, undefined, opts),
  // 409: another reviewer decided first, or the content changed (shown in place)
  decide: (id, body) => api.post(`${V}/review/items/${id}/decision`, body, { handled: [409] }),
  override: (id, reason) => api.post(`${V}/review/items/${id}/override`, { reason }, { handled: [409] }),
  chains: () => api.get(`${V}/review/chains`),
  setChain: (kind, levels) => api.put(`${V}/review/chains/${encodeURIComponent(kind)}`, { levels }),
  resetChain: (kind) => api.del(`${V}/review/chains/${encodeURIComponent(kind)}`),
  stats: (q) => api.get(`${V}/review/stats`, q),
  exportStats: (q) => download(`${V}/review/stats/export`, q, '审核统计.xlsx'),
};

/** the menu badge of 审核工作台: how many items wait for the caller (stores/badges.js) */
export const QUEUE_BADGE = {
  key: 'review.queue',
  fetch: () => reviewApi.queueCounts({ silent: true }).then((r) => r?.total || 0),
};
