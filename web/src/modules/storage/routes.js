// The storage module's pages (存储与共享): the shared space of each
// organisation (folders, files, upload), the download center with preview
// and playback, the recycle bin, share links, download statistics, usage
// and quotas, and the integrity check with the virus scanner. The page a
// share link opens (/share/<token>) needs no session: a public route,
// outside the layout. Collected by router/modules.js.
import { markRaw } from 'vue';
import { FolderOpened, Files, Delete, Share, DataLine, PieChart, FirstAidKit, Tickets } from '@element-plus/icons-vue';

export default {
  name: 'storage',
  title: '存储与共享',
  order: 15,
  menuGroups: [{ key: 'storage', title: '存储与共享', icon: markRaw(FolderOpened), order: 15 }],
  routes: [
    {
      path: 'storage/space',
      name: 'storage-space',
      component: () => import('./views/SpacePage.vue'),
      meta: { title: '共享空间', group: 'storage', icon: markRaw(FolderOpened), perm: 'storage.read' },
    },
    {
      path: 'storage/files',
      name: 'storage-files',
      component: () => import('./views/DownloadCenter.vue'),
      meta: { title: '下载中心', group: 'storage', icon: markRaw(Files), perm: 'storage.read' },
    },
    {
      path: 'storage/trash',
      name: 'storage-trash',
      component: () => import('./views/TrashPage.vue'),
      meta: { title: '回收站', group: 'storage', icon: markRaw(Delete), perm: 'storage.write' },
    },
    {
      path: 'storage/shares',
      name: 'storage-shares',
      component: () => import('./views/ShareList.vue'),
      meta: { title: '分享管理', group: 'storage', icon: markRaw(Share), perm: 'storage.share' },
    },
    {
      path: 'storage/stats',
      name: 'storage-stats',
      component: () => import('./views/StatsPage.vue'),
      meta: { title: '下载统计', group: 'storage', icon: markRaw(DataLine), perm: 'storage.read' },
    },
    {
      path: 'storage/transfers',
      name: 'storage-transfers',
      component: () => import('./views/TransferLog.vue'),
      meta: { title: '文件传输日志', group: 'storage', icon: markRaw(Tickets), perm: 'storage.read' },
    },
    {
      path: 'storage/usage',
      name: 'storage-usage',
      component: () => import('./views/UsagePage.vue'),
      meta: { title: '存储用量与配额', group: 'storage', icon: markRaw(PieChart), perm: 'storage.read' },
    },
    {
      path: 'storage/integrity',
      name: 'storage-integrity',
      component: () => import('./views/IntegrityPage.vue'),
      meta: { title: '完整性校核', group: 'storage', icon: markRaw(FirstAidKit), perm: 'storage.admin' },
    },
  ],
  publicRoutes: [
    {
      path: '/share/:token',
      name: 'share',
      component: () => import('./views/SharePublic.vue'),
      meta: { title: '文件分享' },
    },
  ],
};
