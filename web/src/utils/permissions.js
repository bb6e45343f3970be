// GET /permissions groups → the tree the role editor shows: one node per
// group ("g:<group>") with one leaf per permission ("p:<code>"), labelled
// with the Chinese titles and the code.

export function permissionTree(groups) {
  return (groups || []).map((g) => ({
    key: `g:${g.group}`,
    label: g.title || g.group,
    children: (g.permissions || []).map((p) => ({ key: `p:${p.code}`, label: `${p.title || p.code}（${p.code}）` })),
  }));
}
