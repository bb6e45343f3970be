// The submission module's pages (投稿管理): articles written in the editor,
// photo sets and the caller's photos, videos — each with its detail page,
// where the review panel (../review/components/ReviewPanel.vue) shows and
// takes the decisions. The review engine's links point here
// (/submission/articles/12 …). Collected by router/modules.js.
import { markRaw } from 'vue';
import { Promotion, Document, Picture, PictureFilled, VideoCamera } from '@element-plus/icons-vue';

const READ = 'submission.read';
const WRITE = 'submission.write';
const detail = (title, parentTitle, parentPath, perm, tab) => ({
  title, group: 'submission', perm, menu: false, parentTitle, parentPath, tabTitle: tab,
});

export default {
  name: 'submission',
  title: '投稿管理',
  order: 5,
  menuGroups: [{ key: 'submission', title: '投稿管理', icon: markRaw(Promotion), order: 5 }],
  routes: [
    {
      path: 'submission/articles',
      name: 'articles',
      component: () => import('./views/articles/ArticleList.vue'),
      meta: { title: '文章投稿', group: 'submission', icon: markRaw(Document), perm: READ },
    },
    {
      path: 'submission/articles/new',
      name: 'article-new',
      component: () => import('./views/articles/ArticleEdit.vue'),
      meta: detail('新建文章', '文章投稿', '/submission/articles', WRITE),
    },
    {
      path: 'submission/articles/:id(\\d+)/edit',
      name: 'article-edit',
      component: () => import('./views/articles/ArticleEdit.vue'),
      meta: detail('编辑文章', '文章投稿', '/submission/articles', WRITE, (r) => `编辑文章 #${r.params.id}`),
    },
    {
      path: 'submission/articles/:id(\\d+)',
      name: 'article-detail',
      component: () => import('./views/articles/ArticleDetail.vue'),
      meta: detail('文章详情', '文章投稿', '/submission/articles', READ, (r) => `文章 #${r.params.id}`),
    },
    {
      path: 'submission/photos',
      name: 'photo-sets',
      component: () => import('./views/photos/PhotoSetList.vue'),
      meta: { title: '照片投稿', group: 'submission', icon: markRaw(Picture), perm: READ },
    },
    {
      path: 'submission/photos/new',
      name: 'photo-new',
      component: () => import('./views/photos/PhotoNew.vue'),
      meta: detail('上传照片', '照片投稿', '/submission/photos', WRITE),
    },
    {
      path: 'submission/photos/:id(\\d+)',
      name: 'photo-set',
      component: () => import('./views/photos/PhotoSetDetail.vue'),
      meta: detail('照片投稿详情', '照片投稿', '/submission/photos', READ, (r) => `照片投稿 #${r.params.id}`),
    },
    {
      path: 'submission/my-photos',
      name: 'my-photos',
      component: () => import('./views/photos/MyPhotos.vue'),
      meta: { title: '我的照片', group: 'submission', icon: markRaw(PictureFilled), perm: WRITE },
    },
    {
      path: 'submission/videos',
      name: 'videos',
      component: () => import('./views/videos/VideoList.vue'),
      meta: { title: '视频投稿', group: 'submission', icon: markRaw(VideoCamera), perm: READ },
    },
    {
      path: 'submission/videos/new',
      name: 'video-new',
      component: () => import('./views/videos/VideoNew.vue'),
      meta: detail('上传视频', '视频投稿', '/submission/videos', WRITE),
    },
    {
      path: 'submission/videos/:id(\\d+)',
      name: 'video-detail',
      component: () => import('./views/videos/VideoDetail.vue'),
      meta: detail('视频投稿详情', '视频投稿', '/submission/videos', READ, (r) => `视频 #${r.params.id}`),
    },
  ],
};
