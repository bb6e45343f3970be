// The course matrix's console pages (系列党课矩阵, docs/course.md): the
// courses in the caller's scope with their lessons, schedule, QR code and
// review. Members learn on their phones under /m/. Collected by
// router/modules.js.
import { markRaw } from 'vue';
import { Collection, Notebook, ChatDotSquare } from '@element-plus/icons-vue';

export default {
  name: 'course',
  title: '系列党课',
  order: 18.5,
  menuGroups: [{ key: 'course', title: '系列党课', icon: markRaw(Collection), order: 18.5 }],
  routes: [
    {
      path: 'course/courses',
      name: 'course-courses',
      component: () => import('./views/CoursesPage.vue'),
      meta: { title: '党课管理', group: 'course', icon: markRaw(Notebook), perm: 'course.manage' },
    },
    {
      path: 'course/ratings',
      name: 'course-ratings',
      component: () => import('./views/RatingsPage.vue'),
      meta: { title: '评价审核', group: 'course', icon: markRaw(ChatDotSquare), perm: 'course.manage' },
    },
    {
      path: 'course/courses/:id(\\d+)',
      name: 'course-course',
      component: () => import('./views/CourseDetail.vue'),
      meta: {
        title: '党课详情',
        group: 'course',
        perm: 'course.manage',
        menu: false,
        parentTitle: '党课管理',
        parentPath: '/course/courses',
        tabTitle: (r) => `党课 #${r.params.id}`,
      },
    },
  ],
};
