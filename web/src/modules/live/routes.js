// The live module's pages (远教直播, docs/live.md): the city's live calendar
// (month, week and list), the bookings with their review and viewer
// statistics, and the player, which plays an approved stream and sends the
// heartbeats the statistics are made of. Collected by router/modules.js.
import { markRaw } from 'vue';
import { VideoCamera, Calendar, Tickets } from '@element-plus/icons-vue';

export default {
  name: 'live',
  title: '远教直播',
  order: 17,
  menuGroups: [{ key: 'live', title: '远教直播', icon: markRaw(VideoCamera), order: 17 }],
  routes: [
    {
      path: 'live/calendar',
      name: 'live-calendar',
      component: () => import('./views/CalendarPage.vue'),
      meta: { title: '直播日历', group: 'live', icon: markRaw(Calendar), perm: 'live.read' },
    },
    {
      path: 'live/streams',
      name: 'live-streams',
      component: () => import('./views/StreamsPage.vue'),
      meta: { title: '直播预约', group: 'live', icon: markRaw(Tickets), perm: 'live.read' },
    },
    {
      path: 'live/streams/:id(\\d+)',
      name: 'live-stream',
      component: () => import('./views/StreamDetail.vue'),
      meta: {
        title: '直播预约详情',
        group: 'live',
        perm: 'live.read',
        menu: false,
        parentTitle: '直播预约',
        parentPath: '/live/streams',
        tabTitle: (r) => `直播预约 #${r.params.id}`,
      },
    },
    {
      path: 'live/watch/:id(\\d+)',
      name: 'live-watch',
      component: () => import('./views/WatchPage.vue'),
      meta: {
        title: '观看直播',
        group: 'live',
        perm: 'live.read',
        menu: false,
        parentTitle: '直播日历',
        parentPath: '/live/calendar',
        tabTitle: (r) => `直播 #${r.params.id}`,
      },
    },
  ],
};
