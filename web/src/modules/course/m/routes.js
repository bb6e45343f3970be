// The course matrix's members' pages under /m/ (docs/course.md): the
// courses by series with search, a course with its player (progress every
// few seconds, resume on any device) and 我的学习. Gathered by src/m/router.js.
export default {
  name: 'course',
  routes: [
    { path: '/courses', name: 'm-courses', component: () => import('./CoursesPage.vue'), meta: { title: '系列党课', tab: true } },
    { path: '/courses/:id(\\d+)', name: 'm-course', component: () => import('./CoursePage.vue'), meta: { title: '党课学习' } },
    { path: '/learning', name: 'm-learning', component: () => import('./LearningPage.vue'), meta: { title: '我的学习' } },
  ],
};
