// The review module's pages (审核管理): the reviewer's workbench (审核工作台,
// with the number waiting as the menu entry's badge), every item in scope
// (审核记录), the chains per kind (审核链配置) and the statistics (审核统计).
// Each kind's own detail page (an article, a photo set, a video) embeds
// components/ReviewPanel.vue; /review/items/:id shows an item with the panel
// alone (a kind whose module has no console page). Collected by
// router/modules.js.
import { markRaw } from 'vue';
import { Stamp, List, Share, DataAnalysis, Checked } from '@element-plus/icons-vue';
import { QUEUE_BADGE } from './api.js';

// the reviewing levels: only reviewers have a queue
export const DECIDE_PERMS = ['review.street', 'review.district', 'review.city'];

export default {
  name: 'review',
  title: '审核管理',
  order: 7,
  menuGroups: [{ key: 'review', title: '审核管理', icon: markRaw(Stamp), order: 7 }],
  routes: [
    {
      path: 'review/queue',
      name: 'review-queue',
      component: () => import('./views/ReviewQueue.vue'),
      meta: { title: '审核工作台', group: 'review', icon: markRaw(Checked), perm: DECIDE_PERMS, badge: QUEUE_BADGE },
    },
    {
      path: 'review/items',
      name: 'review-items',
      component: () => import('./views/ReviewItems.vue'),
      meta: { title: '审核记录', group: 'review', icon: markRaw(List), perm: 'review.read' },
    },
    {
      path: 'review/items/:id(\\d+)',
      name: 'review-item',
      component: () => import('./views/ReviewItemPage.vue'),
      meta: {
        title: '审核事项',
        group: 'review',
        perm: 'review.read',
        menu: false,
        parentTitle: '审核记录',
        parentPath: '/review/items',
        tabTitle: (r) => `审核事项 #${r.params.id}`,
      },
    },
    {
      path: 'review/chains',
      name: 'review-chains',
      component: () => import('./views/ReviewChains.vue'),
      meta: { title: '审核链配置', group: 'review', icon: markRaw(Share), perm: ['review.read', 'review.admin'] },
    },
    {
      path: 'review/stats',
      name: 'review-stats',
      component: () => import('./views/ReviewStats.vue'),
      meta: { title: '审核统计', group: 'review', icon: markRaw(DataAnalysis), perm: 'review.stats' },
    },
  ],
};
