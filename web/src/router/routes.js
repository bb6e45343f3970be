// The console's page table: the shell's own pages (login, forced password
// change and TOTP enrolment, home, 403, 404) around the pages every module
// brings in web/src/modules/<name>/routes.js (collected by ./modules.js).
// Each page under the layout declares its title, menu group, icon and the
// permission it needs (a code, or an array: any of). The side menu, the
// breadcrumb, the tabs and the 403 check are all derived from this table
// (utils/menu.js). Components are dynamic imports: one chunk per page.
import { collectModules, menuGroupsOf, routesOf, publicRoutesOf, headerItemsOf } from './modules.js';

/** every module's routes.js, in the modules' order */
export const modules = collectModules(import.meta.glob('../modules/*/routes.js', { eager: true }));

export const menuGroups = menuGroupsOf(modules);

/** the modules' widgets in the header (the notification bell) */
export const headerItems = headerItemsOf(modules);

export const layoutRoutes = [
  { path: '', name: 'home', component: () => import('@/views/Dashboard.vue'), meta: { title: '首页', icon: 'HomeFilled' } },
  ...routesOf(modules),
  {
    path: '403',
    name: 'forbidden',
    component: () => import('@/views/Forbidden.vue'),
    meta: { title: '无权访问', menu: false, noTab: true },
  },
  {
    path: ':pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFound.vue'),
    meta: { title: '页面不存在', menu: false, noTab: true },
  },
];

export const routes = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginPage.vue'), meta: { public: true, title: '登录' } },
  // the modules' pages for people without a session (a share link)
  ...publicRoutesOf(modules),
  {
    path: '/change-password',
    name: 'change-password',
    component: () => import('@/views/ChangePassword.vue'),
    meta: { title: '修改密码', bare: true },
  },
  {
    path: '/setup-totp',
    name: 'setup-totp',
    component: () => import('@/views/SetupTotp.vue'),
    meta: { title: '绑定动态口令', bare: true },
  },
  { path: '/', component: () => import('@/layout/AppLayout.vue'), children: layoutRoutes },
];
