// The knowledge bases' console pages (知识库, docs/kb.md): the bases in the
// caller's scope; a base's documents with their live indexing state, its
// chunks (edit, history), the chunk preview of a rule, the hit test
// (召回测试) and its settings. Collected by router/modules.js.
import { markRaw } from 'vue';
import { Collection, Files } from '@element-plus/icons-vue';

export default {
  name: 'kb',
  title: '知识库',
  order: 19,
  menuGroups: [{ key: 'kb', title: '知识库', icon: markRaw(Collection), order: 19 }],
  routes: [
    {
      path: 'kb',
      name: 'kb-list',
      component: () => import('./views/KbListPage.vue'),
      meta: { title: '知识库管理', group: 'kb', icon: markRaw(Files), perm: 'kb.read' },
    },
    {
      path: 'kb/:id(\\d+)',
      name: 'kb-detail',
      component: () => import('./views/KbDetailPage.vue'),
      meta: {
        title: '知识库详情',
        group: 'kb',
        perm: 'kb.read',
        menu: false,
        parentTitle: '知识库管理',
        parentPath: '/kb',
        tabTitle: (r) => `知识库 #${r.params.id}`,
      },
    },
  ],
};
