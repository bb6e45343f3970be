// The lecture hall's members' pages under /m/ (docs/lecture.md): home
// (upcoming lectures, my bookings), the lecture list with search, a
// lecture with its sessions and the 预约 button, 我的预约 with cancel, and
// the check-in page the session's QR code opens. Gathered by src/m/router.js.
export default {
  name: 'lecture',
  routes: [
    { path: '/', name: 'm-home', component: () => import('./HomePage.vue'), meta: { title: '首页', tab: true } },
    { path: '/lectures', name: 'm-lectures', component: () => import('./LecturesPage.vue'), meta: { title: '初心讲堂', tab: true } },
    { path: '/lectures/:id(\\d+)', name: 'm-lecture', component: () => import('./LecturePage.vue'), meta: { title: '讲堂详情' } },
    { path: '/bookings', name: 'm-bookings', component: () => import('./BookingsPage.vue'), meta: { title: '我的预约', tab: true } },
    { path: '/checkin', name: 'm-checkin', component: () => import('./CheckinPage.vue'), meta: { title: '扫码签到' } },
  ],
};
