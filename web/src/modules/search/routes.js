// The search service's console page (docs/search.md): one search box over
// every kind of content the caller may see, with facets, filters and
// highlighted snippets. Collected by router/modules.js.
import { markRaw } from 'vue';
import { Search, Connection } from '@element-plus/icons-vue';

export default {
  name: 'search',
  title: '全文检索',
  order: 4,
  menuGroups: [{ key: 'search', title: '全文检索', icon: markRaw(Search), order: 4 }],
  routes: [
    {
      path: 'search',
      name: 'search',
      component: () => import('./views/SearchPage.vue'),
      meta: { title: '全文检索', group: 'search', icon: markRaw(Search), perm: 'search.read' },
    },
    {
      path: 'search/embedding',
      name: 'search-embedding',
      component: () => import('./views/EmbeddingPage.vue'),
      meta: { title: '向量服务设置', group: 'search', icon: markRaw(Connection), perm: 'search.manage' },
    },
  ],
};
