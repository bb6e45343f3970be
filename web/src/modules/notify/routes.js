// The notify module's pages (消息中心): the message centre, open to every
// logged-in user (each sees only their own messages), and the bell in the
// header with the unread count pushed by the server (Server-Sent Events).
// Collected by router/modules.js.
import { defineAsyncComponent, markRaw } from 'vue';
import { Bell } from '@element-plus/icons-vue';

export default {
  name: 'notify',
  title: '消息中心',
  order: 5,
  routes: [
    {
      path: 'notifications',
      name: 'notifications',
      component: () => import('./views/NotificationCenter.vue'),
      meta: { title: '消息中心', icon: markRaw(Bell) },
    },
  ],
  headerItems: [{ name: 'notify-bell', order: 10, component: markRaw(defineAsyncComponent(() => import('./components/NotifyBell.vue'))) }],
};
