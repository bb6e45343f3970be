// The proofreading module's pages (内容校对): 校真 (text, picture, video
// checks, open to every logged-in user) and the lexicons behind it.
// Collected by router/modules.js with every other module's table.

export default {
  name: 'proofread',
  title: '内容校对（校真）',
  order: 10,
  menuGroups: [{ key: 'proofread', title: '内容校对', icon: 'EditPen', order: 10 }],
  routes: [
    {
      path: 'proofread',
      name: 'proofread',
      component: () => import('./views/ProofreadPage.vue'),
      meta: { title: '校真', group: 'proofread', icon: 'DocumentChecked' },
    },
    {
      path: 'lexicons',
      name: 'lexicons',
      component: () => import('./views/lexicon/LexiconList.vue'),
      meta: { title: '词库管理', group: 'proofread', icon: 'Collection', perm: 'lexicon.read' },
    },
    {
      path: 'lexicons/:id(\\d+)',
      name: 'lexicon-detail',
      component: () => import('./views/lexicon/LexiconDetail.vue'),
      meta: {
        title: '词库详情',
        group: 'proofread',
        perm: 'lexicon.read',
        menu: false,
        parentTitle: '词库管理',
        parentPath: '/lexicons',
        tabTitle: (r) => `词库 #${r.params.id}`,
      },
    },
  ],
};
