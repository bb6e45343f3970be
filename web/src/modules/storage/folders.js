// Folder trees of the shared space: GET /storage/folders answers an
// organisation's folders flat, each with its parent_id; the pages show them
// as a tree under a root node (the organisation's top level, id null).
// Pure functions, unit-tested (web/test/storage.test.js).

/** flat [{id, parent_id, name, …}] → nested [{…, children}] sorted by name; orphans go to the top */
export function folderTree(flat) {
  const byId = new Map();
  for (const f of flat || []) byId.set(f.id, { ...f, children: [] });
  const roots = [];
  for (const f of byId.values()) {
    const parent = f.parent_id != null ? byId.get(f.parent_id) : null;
    (parent ? parent.children : roots).push(f);
  }
  const sort = (list) => {
    list.sort((a, b) => String(a.name).localeCompare(String(b.name), 'zh-CN'));
    list.forEach((x) => sort(x.children));
    return list;
  };
  return sort(roots);
}

/** the ids of a folder and everything under it (a folder cannot move into these) */
export function subtreeIds(flat, id) {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const f of flat || []) {
      if (f.parent_id != null && out.has(f.parent_id) && !out.has(f.id)) {
        out.add(f.id);
        grew = true;
      }
    }
  }
  return out;
}

/** "上级 / 下级 / 本文件夹" for a folder id, from the flat list */
export function folderPath(flat, id) {
  const byId = new Map((flat || []).map((f) => [f.id, f]));
  const names = [];
  const seen = new Set();
  for (let f = byId.get(id); f && !seen.has(f.id); f = byId.get(f.parent_id)) {
    seen.add(f.id);
    names.unshift(f.name);
  }
  return names.join(' / ');
}

/** whole days left before a trashed item is purged (its purge_at), never below 0; null: unknown */
export function daysLeft(purgeAt, now = Date.now()) {
  if (!purgeAt) return null;
  const end = new Date(purgeAt).getTime();
  if (Number.isNaN(end)) return null;
  return Math.max(0, Math.ceil((end - now) / 86400000));
}
