// Permission → menu mapping. A page declares in its route meta the
// permission it needs (`perm`: a code, or an array meaning "any of"), its menu
// group and its title; the side menu shows exactly the pages the user may
// open, grouped, in table order, and drops groups left empty. The same
// canAccess() decides in the router guard whether a URL gives 403.

/** true when `perm` (string | string[] | undefined) is satisfied by the set. */
export function canAccess(perm, permissions) {
  if (!perm || (Array.isArray(perm) && perm.length === 0)) return true;
  const have = permissions instanceof Set ? permissions : new Set(permissions || []);
  if (have.has('*')) return true;
  return Array.isArray(perm) ? perm.some((p) => have.has(p)) : have.has(perm);
}

/**
 * buildMenu(routes, groups, permissions) → [{key, title, icon, path?, badge?, children?}]
 *  routes: [{path, name, meta:{title, icon, perm, group, menu:false?, badge?}}] (child
 *          routes of the layout; path relative or absolute)
 *  groups: [{key, title, icon}] in display order
 * Pages without a group become top-level entries before the groups.
 */
export function buildMenu(routes, groups, permissions) {
  const have = new Set(permissions || []);
  const top = [];
  const byGroup = new Map(groups.map((g) => [g.key, []]));
  for (const r of routes) {
    const m = r.meta || {};
    if (!m.title || m.menu === false) continue;
    if (!canAccess(m.perm, have)) continue;
    const item = { key: r.name || r.path, title: m.title, icon: m.icon, path: absPath(r.path) };
    if (m.badge) item.badge = m.badge; // {key, fetch, interval?}: stores/badges.js
    if (m.group && byGroup.has(m.group)) byGroup.get(m.group).push(item);
    else top.push(item);
  }
  const out = [...top];
  for (const g of groups) {
    const children = byGroup.get(g.key);
    if (children.length) out.push({ key: g.key, title: g.title, icon: g.icon, children });
  }
  return out;
}

function absPath(p) {
  return p.startsWith('/') ? p : `/${p}`;
}

/** The badges of a menu's entries ([{key, fetch, interval?}]), for stores/badges.js watch(). */
export function menuBadges(menu) {
  return (menu || []).flatMap((m) => (m.children ? menuBadges(m.children) : m.badge ? [m.badge] : []));
}

/** The breadcrumb for a route: [group title?, page title]. */
export function breadcrumbFor(route, groups) {
  const m = route?.meta || {};
  const out = [];
  const g = groups.find((x) => x.key === m.group);
  if (g) out.push({ title: g.title });
  if (m.parentTitle) out.push({ title: m.parentTitle, path: m.parentPath });
  if (m.title) out.push({ title: m.title });
  return out;
}
