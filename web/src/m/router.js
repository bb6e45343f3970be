// The members' pages under /m/: the login page here, every other page from
// the modules' m/routes.js (import.meta.glob, as the console gathers its
// pages). Pages need a session unless meta.public; without one they go to
// the login page, which comes back to them afterwards (?next=).
import { createRouter, createWebHistory } from 'vue-router';
import { ensureSession } from './session.js';

export function mobileRoutes(found) {
  const out = [];
  for (const mod of Object.values(found)) out.push(...(mod.default?.routes || []));
  return out;
}

export function createMobileRouter() {
  const routes = [
    { path: '/login', name: 'm-login', component: () => import('./LoginPage.vue'), meta: { public: true, title: '登录' } },
    ...mobileRoutes(import.meta.glob('../modules/*/m/routes.js', { eager: true })),
    { path: '/:rest(.*)*', name: 'm-missing', component: () => import('./MissingPage.vue'), meta: { public: true, title: '页面不存在' } },
  ];
  const router = createRouter({ history: createWebHistory('/m/'), routes, scrollBehavior: () => ({ top: 0 }) });
  router.beforeEach(async (to) => {
    const ok = await ensureSession();
    if (!to.meta.public && !ok) return { name: 'm-login', query: { next: to.fullPath } };
    if (to.name === 'm-login' && ok) return to.query.next || '/';
    return true;
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · 阵地党员服务` : '阵地党员服务';
  });
  return router;
}
