// The console's pages come from the modules (web/src/modules/<name>/routes.js,
// collected by router/modules.js): their order, their menu groups, no two
// pages with one name or path, every page a lazy chunk, every module with
// its routes.js and api.js, and every URL the console had before the
// per-module folders still opens the same page.
import { describe, it, expect } from 'vitest';
import { createRouter, createMemoryHistory } from 'vue-router';
import { collectModules, menuGroupsOf, routesOf, headerItemsOf } from '../src/router/modules.js';
import { modules, menuGroups, layoutRoutes, routes, headerItems } from '../src/router/routes.js';

const page = (name, path, extra = {}) => ({ name, path, component: () => Promise.resolve({}), meta: { title: name, ...extra } });

describe('collectModules', () => {
  const found = {
    '../modules/b/routes.js': { default: { name: 'b', order: 20, menuGroups: [{ key: 'g2', title: 'G2' }], routes: [page('b1', 'b1', { group: 'g2' })] } },
    '../modules/a/routes.js': {
      default: { order: 10, menuGroups: [{ key: 'g1', title: 'G1' }, { key: 'g3', title: 'G3', order: 99 }], routes: [page('a1', 'a1'), page('a2', 'a2')] },
    },
    // a module that adds a page to another's group, and declares that group again
    '../modules/c/routes.js': { default: { name: 'c', order: 15, menuGroups: [{ key: 'g2', title: 'other' }], routes: [page('c1', 'c1', { group: 'g2' })] } },
  };

  it('sorts modules by order and names a module after its folder', () => {
    const mods = collectModules(found);
    expect(mods.map((m) => m.name)).toEqual(['a', 'c', 'b']);
    expect(routesOf(mods).map((r) => r.name)).toEqual(['a1', 'a2', 'c1', 'b1']);
  });

  it('orders menu groups by their own order (default: the module\'s); the first declaration of a key wins', () => {
    const groups = menuGroupsOf(collectModules(found));
    expect(groups.map((g) => `${g.key}:${g.title}`)).toEqual(['g1:G1', 'g2:other', 'g3:G3']);
  });

  it('gathers the modules\' header widgets by their order (default: the module\'s)', () => {
    const w = (name, order) => ({ name, order, component: {} });
    const mods = collectModules({
      ...found,
      '../modules/b/routes.js': { default: { ...found['../modules/b/routes.js'].default, headerItems: [w('bell', 5)] } },
      '../modules/c/routes.js': { default: { ...found['../modules/c/routes.js'].default, headerItems: [{ name: 'clock', component: {} }] } },
    });
    expect(headerItemsOf(mods).map((h) => `${h.module}:${h.name}`)).toEqual(['b:bell', 'c:clock']);
  });

  it('refuses two pages with one route name or one path', () => {
    expect(() => collectModules({ ...found, '../modules/d/routes.js': { default: { routes: [page('a1', 'zzz')] } } })).toThrow(/route name "a1"/);
    expect(() => collectModules({ ...found, '../modules/d/routes.js': { default: { routes: [page('zzz', 'b1')] } } })).toThrow(/path "b1"/);
  });
});

describe('the real modules', () => {
  it('are course, grid, identity, kb, lecture, live, notify, proofread, review, search, storage, submission and system, each with routes.js and api.js', () => {
    expect(modules.map((m) => m.name).sort()).toEqual(['course', 'grid', 'identity', 'kb', 'lecture', 'live', 'notify', 'proofread', 'review', 'search', 'storage', 'submission', 'system']);
    const apis = import.meta.glob('../src/modules/*/api.js');
    for (const m of modules) expect(Object.keys(apis)).toContain(`../src/modules/${m.name}/api.js`);
  });

  it('give the menu groups in the order of before', () => {
    expect(menuGroups.map((g) => g.key)).toEqual(['search', 'submission', 'review', 'proofread', 'storage', 'live', 'lecture', 'course', 'kb', 'grid', 'org', 'security', 'audit', 'ops']);
  });

  it('bring every page as a lazy component (one chunk per page)', () => {
    for (const r of layoutRoutes) expect(typeof r.component, r.name).toBe('function');
    for (const r of layoutRoutes) expect(r.component.__vccOpts || r.component.setup, r.name).toBeFalsy();
  });

  it('keep every URL of the console opening the same page', () => {
    const router = createRouter({ history: createMemoryHistory(), routes });
    const urls = {
      '/': 'home', '/login': 'login', '/change-password': 'change-password', '/setup-totp': 'setup-totp', '/403': 'forbidden',
      '/orgs': 'orgs', '/users': 'users', '/users?locked=1': 'users', '/roles': 'roles', '/sessions': 'sessions',
      '/security/policy': 'policy', '/audit': 'audit', '/profile': 'profile', '/profile?tab=totp': 'profile',
      '/jobs': 'jobs', '/jobs/12': 'job-detail', '/system': 'system', '/system/logs': 'logs', '/api-docs': 'api-docs',
      '/proofread': 'proofread', '/proofread?tab=video&job=3': 'proofread', '/lexicons': 'lexicons', '/lexicons/7': 'lexicon-detail',
      '/storage/space': 'storage-space', '/storage/files': 'storage-files', '/storage/trash': 'storage-trash',
      '/storage/shares': 'storage-shares', '/storage/stats': 'storage-stats', '/storage/usage': 'storage-usage',
      '/storage/integrity': 'storage-integrity', '/share/AbC-12_x': 'share', '/notifications': 'notifications',
      '/notifications?tab=unread': 'notifications',
      '/review/queue': 'review-queue', '/review/items': 'review-items', '/review/items?mine=true&status=returned': 'review-items',
      '/review/items/5': 'review-item', '/review/chains': 'review-chains', '/review/stats': 'review-stats',
      '/submission/articles': 'articles', '/submission/articles/new': 'article-new', '/submission/articles/12': 'article-detail',
      '/submission/articles/12/edit': 'article-edit', '/submission/photos': 'photo-sets', '/submission/photos/new': 'photo-new',
      '/submission/photos/3': 'photo-set', '/submission/my-photos': 'my-photos', '/submission/videos': 'videos',
      '/submission/videos/new': 'video-new', '/submission/videos/4': 'video-detail',
      '/no/such/page': 'not-found',
    };
    for (const [url, name] of Object.entries(urls)) expect(router.resolve(url).name, url).toBe(name);
  });

  it('put the public pages of a module outside the layout, open without a session', () => {
    const share = routes.find((r) => r.name === 'share');
    expect(share).toBeTruthy();
    expect(share.path).toBe('/share/:token');
    expect(share.meta.public).toBe(true);
    expect(typeof share.component).toBe('function');
    expect(layoutRoutes.find((r) => r.name === 'share')).toBeUndefined();
  });

  it('put the notification bell in the header and 消息中心 in the menu for everyone', () => {
    expect(headerItems.map((h) => h.name)).toEqual(['notify-bell']);
    const page = layoutRoutes.find((r) => r.name === 'notifications');
    expect(page.meta.title).toBe('消息中心');
    expect(page.meta.perm).toBeUndefined();
  });

  it('make 接口文档 a page of 运维监控 open to every logged-in user', () => {
    const docs = layoutRoutes.find((r) => r.name === 'api-docs');
    expect(docs.meta).toMatchObject({ title: '接口文档', group: 'ops' });
    expect(docs.meta.perm).toBeUndefined();
  });
});
