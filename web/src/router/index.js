// The router and its guard: loads the session once (GET /auth/me), sends the
// anonymous to /login?redirect=<where they were going>, holds a session that
// must change its password on /change-password (and one whose role requires
// two-step verification on /setup-totp until enrolled), and shows 403 for pages the
// user's permissions do not cover (the URL of the forbidden page is kept in
// ?from= so the 403 page can name it).
import { createRouter, createWebHistory } from 'vue-router';
import { routes } from './routes.js';
import { useAuth } from '@/stores/auth.js';

export function createAppRouter(history = createWebHistory()) {
  const router = createRouter({ history, routes, scrollBehavior: () => ({ top: 0 }) });
  router.beforeEach((to) => guard(to, useAuth()));
  router.afterEach((to) => {
    document.title = to.meta?.title ? `${to.meta.title} · 阵地` : '阵地';
  });
  return router;
}

/** The navigation decision, separate so that it can be unit-tested. */
export async function guard(to, auth) {
  if (to.meta?.public) {
    // a logged-in user opening /login goes home
    if (to.name === 'login' && auth.loggedIn && !auth.mustChangePassword) return to.query.redirect || '/';
    return true;
  }
  if (!auth.loaded || !auth.loggedIn) {
    // fetch the page's code while the session is checked (the router would
    // only start after this guard); the module loader shares the download
    for (const r of to.matched || []) {
      const c = r.components?.default;
      if (typeof c === 'function' && !c.__vccOpts && !c.render && !c.setup) c().catch(() => {});
    }
    try {
      await auth.fetchMe();
    } catch (e) {
      if (e?.status === 401 || e?.status === 404 || !auth.loggedIn) {
        auth.reset();
        return { name: 'login', query: to.fullPath && to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
      }
      throw e;
    }
  }
  if (auth.mustChangePassword && to.name !== 'change-password') {
    return { name: 'change-password', query: { redirect: to.fullPath } };
  }
  if (!auth.mustChangePassword && auth.totpEnrollmentRequired && to.name !== 'setup-totp') {
    return { name: 'setup-totp', query: { redirect: to.fullPath } };
  }
  if (to.meta?.perm && !auth.can(to.meta.perm)) {
    return { name: 'forbidden', query: { from: to.fullPath }, replace: true };
  }
  return true;
}
