// The lecture hall's console pages (初心讲堂, docs/lecture.md): the lectures
// in the caller's scope with their review, sessions, bookings (预约审核) and
// each session's check-in QR code, the statistics and the moderation of the
// members' ratings. Members book and rate on their phones under /m/.
// Collected by router/modules.js.
import { markRaw } from 'vue';
import { Reading, Tickets, DataAnalysis, ChatDotSquare } from '@element-plus/icons-vue';

export default {
  name: 'lecture',
  title: '初心讲堂',
  order: 18,
  menuGroups: [{ key: 'lecture', title: '初心讲堂', icon: markRaw(Reading), order: 18 }],
  routes: [
    {
      path: 'lecture/lectures',
      name: 'lecture-lectures',
      component: () => import('./views/LecturesPage.vue'),
      meta: { title: '讲堂管理', group: 'lecture', icon: markRaw(Tickets), perm: 'lecture.manage' },
    },
    {
      path: 'lecture/stats',
      name: 'lecture-stats',
      component: () => import('./views/StatsPage.vue'),
      meta: { title: '讲堂统计', group: 'lecture', icon: markRaw(DataAnalysis), perm: 'lecture.manage' },
    },
    {
      path: 'lecture/ratings',
      name: 'lecture-ratings',
      component: () => import('./views/RatingsPage.vue'),
      meta: { title: '讲堂评价审核', group: 'lecture', icon: markRaw(ChatDotSquare), perm: 'lecture.manage' },
    },
    {
      path: 'lecture/lectures/:id(\\d+)',
      name: 'lecture-lecture',
      component: () => import('./views/LectureDetail.vue'),
      meta: {
        title: '讲堂详情',
        group: 'lecture',
        perm: 'lecture.manage',
        menu: false,
        parentTitle: '讲堂管理',
        parentPath: '/lecture/lectures',
        tabTitle: (r) => `讲堂 #${r.params.id}`,
      },
    },
  ],
};
