// Batch actions on the rows selected in a DataTable: confirm once, run the
// action row by row (the server checks each one, in its own request and
// audit record), then one message saying how many succeeded and, for the
// others, why — rather than a toast per failure.
//
//   await runBatch(rows, (r) => api.remove(r.id), {
//     name: (r) => r.title, verb: '删除', unit: '条', confirm: '删除后无法恢复。' })
import { ElMessage } from 'element-plus';
import { confirmAction } from './confirm.js';

/** Names of the first rows: "甲、乙、丙 等 8 条". */
export function batchNames(rows, name, unit = '项') {
  const shown = rows.slice(0, 5).map(name).join('、');
  return rows.length > 5 ? `${shown} 等 ${rows.length} ${unit}` : shown;
}

/** true when something was done (the caller reloads its table). */
export async function runBatch(rows, action, { name = (r) => r.name, verb, unit = '项', confirm, danger = true } = {}) {
  if (!rows.length) return false;
  const names = batchNames(rows, name, unit);
  if (!(await confirmAction(`${verb} ${names}？${confirm || ''}`, { confirmText: rows.length > 1 ? `批量${verb}` : verb, danger }))) return false;
  let done = 0;
  const failed = [];
  for (const r of rows) {
    try {
      await action(r);
      done++;
    } catch (e) {
      failed.push(`${name(r)}：${e.message}`);
    }
  }
  if (failed.length) ElMessage.warning(`已${verb} ${done} ${unit}，${failed.length} ${unit}未能${verb}：${failed.join('；')}`);
  else ElMessage.success(`已${verb} ${done} ${unit}`);
  return done > 0 || failed.length > 0;
}
