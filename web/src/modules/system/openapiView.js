// The OpenAPI document as the 接口文档 page shows it: the same document, with
// the server's extensions put into words a reader of Chinese expects — each
// module's tag under its title (x-displayName), and above each operation who
// may call it (x-permission, titled from the dictionary), what it records in
// the audit log (x-audit) and whose data scope applies (x-scoped). The
// server's document itself is unchanged (a copy is made).

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * prepareDoc(doc, label) → a copy of doc for Redoc
 *  label(dict, code): the dictionary's label (stores/dicts.js), the code when unknown
 */
export function prepareDoc(doc, label = (d, c) => c) {
  const out = JSON.parse(JSON.stringify(doc || {}));
  // the module's title as the tag's name (Redoc would show it again as the text below)
  for (const t of out.tags || []) {
    if (t.description && !t['x-displayName']) {
      t['x-displayName'] = t.description;
      delete t.description;
    }
  }
  for (const item of Object.values(out.paths || {})) {
    for (const m of METHODS) {
      const op = item?.[m];
      if (op) op.description = [facts(op, label), op.description].filter(Boolean).join('\n\n');
    }
  }
  return out;
}

function titled(dict, code, label) {
  const l = label(dict, code);
  return l && l !== code ? `\`${code}\`（${l}）` : `\`${code}\``;
}

/** "**权限**：… · **审计**：… · **数据范围**：…" for an operation */
export function facts(op, label = (d, c) => c) {
  const parts = [];
  const perm = op['x-permission'];
  if (perm === '@anyone') parts.push('**权限**：无需登录');
  else if (perm === '@login') parts.push('**权限**：登录用户均可');
  else if (perm) parts.push(`**权限**：${titled('permission', perm, label)}`);
  if (op['x-audit']) parts.push(`**审计**：${titled('audit_action', op['x-audit'], label)}`);
  if (op['x-scoped']) parts.push(`**数据范围**：按角色的数据范围只见可见的${op['x-resource-title'] || '数据'}`);
  return parts.join(' · ');
}

/** how many operations the document has */
export function operationCount(doc) {
  return Object.values(doc?.paths || {}).reduce((n, item) => n + METHODS.filter((m) => item?.[m]).length, 0);
}
