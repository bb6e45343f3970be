// The system module's pages (系统运维): job scheduling, the system's state,
// its logs and the API document (接口文档, open to every logged-in user).
// Collected by router/modules.js with every other module's table. An icon
// may be a component (as 接口文档's) when the shell's icons.js lacks it.
import { markRaw } from 'vue';
import { Reading } from '@element-plus/icons-vue';

export default {
  name: 'system',
  title: '系统运维',
  order: 90,
  menuGroups: [{ key: 'ops', title: '运维监控', icon: 'Monitor', order: 90 }],
  routes: [
    {
      path: 'jobs',
      name: 'jobs',
      component: () => import('./views/jobs/JobsPage.vue'),
      meta: { title: '任务调度', group: 'ops', icon: 'Timer', perm: 'job.read' },
    },
    {
      path: 'jobs/:id(\\d+)',
      name: 'job-detail',
      component: () => import('./views/jobs/JobDetail.vue'),
      meta: {
        title: '任务详情',
        group: 'ops',
        perm: 'job.read',
        menu: false,
        parentTitle: '任务调度',
        parentPath: '/jobs',
        tabTitle: (r) => `任务 #${r.params.id}`,
      },
    },
    {
      path: 'system',
      name: 'system',
      component: () => import('./views/SystemStatus.vue'),
      meta: { title: '系统状态', group: 'ops', icon: 'Odometer', perm: 'system.read' },
    },
    {
      path: 'system/logs',
      name: 'logs',
      component: () => import('./views/LogViewer.vue'),
      meta: { title: '系统日志', group: 'ops', icon: 'Notebook', perm: 'system.read' },
    },
    {
      path: 'api-docs',
      name: 'api-docs',
      component: () => import('./views/ApiDocs.vue'),
      meta: { title: '接口文档', group: 'ops', icon: markRaw(Reading), pageScroll: true },
    },
  ],
};
