// Gathers the console's pages from the modules: every folder
// web/src/modules/<name>/ with a routes.js whose default export is
//
//   { name: 'system', title: '系统运维', order: 90,
//     menuGroups: [{ key: 'ops', title: '运维监控', icon: 'Monitor', order: 90 }],
//     routes: [{ path: 'jobs', name: 'jobs', component: () => import('./views/jobs/JobsPage.vue'),
//                meta: { title, group, icon, perm, ... } }] }
//
// Modules come in their `order` (then name), their routes in table order;
// menu groups in their own `order` (default: the module's), a key declared
// twice keeps its first declaration, so a module may put pages into
// another's group by naming its key. Adding a module's pages is adding its
// folder: nothing else on the web side changes.
//
// A module's pages for people without a session (a share link's page) are
// its `publicRoutes`: absolute paths, outside the layout, meta.public set
// (the guard lets them through without /auth/me).
//
// A module may also put a small widget into the header (the notification
// bell): `headerItems: [{ name, order, component }]`, shown left of the user
// menu in their `order` (then the module's).

/**
 * collectModules(found) → [{name, title, order, menuGroups, routes}] sorted.
 * found: the result of import.meta.glob('../modules/*\/routes.js', { eager: true }),
 * {'../modules/x/routes.js': {default: {...}}}. A module without a name is
 * named after its folder. Throws on two pages with the same route name or path
 * (vue-router would silently keep only one of them).
 */
export function collectModules(found) {
  const mods = Object.entries(found).map(([file, m]) => {
    const def = m?.default || {};
    const folder = /modules\/([^/]+)\/routes\.js$/.exec(file)?.[1] || file;
    return {
      ...def,
      name: def.name || folder,
      order: def.order ?? 1000,
      menuGroups: def.menuGroups || [],
      routes: def.routes || [],
      publicRoutes: def.publicRoutes || [],
      headerItems: def.headerItems || [],
    };
  });
  mods.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  const names = new Map();
  const paths = new Map();
  for (const m of mods) {
    for (const r of [...m.routes, ...m.publicRoutes]) {
      for (const [seen, key, what] of [[names, r.name, 'route name'], [paths, r.path, 'path']]) {
        if (key === undefined) continue;
        if (seen.has(key)) throw new Error(`module ${m.name}: ${what} "${key}" is already module ${seen.get(key)}'s`);
        seen.set(key, m.name);
      }
    }
  }
  return mods;
}

/** The menu groups of all modules, by order; the first declaration of a key wins. */
export function menuGroupsOf(mods) {
  const out = [];
  const seen = new Set();
  for (const m of mods) {
    for (const g of m.menuGroups) {
      if (seen.has(g.key)) continue;
      seen.add(g.key);
      out.push({ ...g, order: g.order ?? m.order });
    }
  }
  // a stable sort: equal orders keep module order
  return out.sort((a, b) => a.order - b.order);
}

/** Every module's routes, module after module. */
export function routesOf(mods) {
  return mods.flatMap((m) => m.routes);
}

/** Every module's pages outside the layout, open without a session (meta.public). */
export function publicRoutesOf(mods) {
  return mods.flatMap((m) => m.publicRoutes.map((r) => ({ ...r, meta: { ...(r.meta || {}), public: true } })));
}

/** Every module's header widgets [{name, order, component, module}], by order. */
export function headerItemsOf(mods) {
  return mods
    .flatMap((m) => m.headerItems.map((h) => ({ ...h, order: h.order ?? m.order, module: m.name })))
    .sort((a, b) => a.order - b.order);
}
