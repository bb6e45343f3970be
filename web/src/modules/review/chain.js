// What the review panel draws from an item (GET /review/items/{id}): the
// chain as steps (提交, then each level) with the state of each, and the
// last decision of each level in the current round. Unit-tested in
// test/review.test.js.

const DECISIONS = new Set(['approve', 'return', 'reject']);

/** the latest decision taken at `level` on `version` ({action, actor_name, created_at, …}) or null */
export function lastDecision(history, version, level) {
  for (let i = (history || []).length - 1; i >= 0; i--) {
    const h = history[i];
    if (h.version === version && h.level === level && DECISIONS.has(h.action)) return h;
  }
  return null;
}

/** the level (1-based) where the item was returned or rejected last, 0 when none */
function stoppedAt(item) {
  const h = item.history || [];
  for (let i = h.length - 1; i >= 0; i--) {
    if (h[i].action === 'return' || h[i].action === 'reject') return h[i].level || 0;
    if (h[i].action === 'submit') return 0;
  }
  return 0;
}

/**
 * chainSteps(item) → [{title, status, decision}] for el-steps: the first step
 * is the submission, then one per level of the chain. status is one of
 * el-step's: wait, process, finish, success, error.
 */
export function chainSteps(item) {
  if (!item) return [];
  const levels = item.levels || [];
  const st = item.status;
  const stop = st === 'returned' || st === 'rejected' ? stoppedAt(item) : 0;
  const submitted = item.version > 0;
  let first;
  if (st === 'draft' || st === 'withdrawn' || st === 'returned') first = 'process';
  else first = 'finish';
  const steps = [{ title: '提交', status: first, decision: null, submit: true }];
  levels.forEach((l, i) => {
    const n = i + 1;
    let status = 'wait';
    if (st === 'approved') status = 'success';
    else if (st === 'in_review') status = n < item.level ? 'finish' : n === item.level ? 'process' : 'wait';
    else if (st === 'rejected') status = n < stop ? 'finish' : n === stop ? 'error' : 'wait';
    else if (st === 'returned') status = n === stop ? 'error' : 'wait';
    const decision = submitted && status !== 'wait' ? lastDecision(item.history, item.version, n) : null;
    steps.push({ title: l.title || `第 ${n} 级审核`, status, decision, orgType: l.org_type });
  });
  return steps;
}

/** the step el-steps marks active: the current one */
export function activeStep(item) {
  if (!item) return 0;
  if (item.status === 'in_review') return item.level;
  if (item.status === 'approved') return (item.levels || []).length + 1;
  if (item.status === 'rejected') return stoppedAt(item);
  return 0;
}

/** el-timeline-item's type for an action's dictionary tag */
export function timelineType(tag) {
  return ['primary', 'success', 'warning', 'danger', 'info'].includes(tag) ? tag : 'primary';
}

/** how long something has waited, in words: 不到 1 分钟, 25 分钟, 3 小时 5 分, 2 天 4 小时 */
export function waitText(ms) {
  if (ms === null || ms === undefined || Number.isNaN(Number(ms))) return '';
  const m = Math.floor(Number(ms) / 60000);
  if (m < 1) return '不到 1 分钟';
  if (m < 60) return `${m} 分钟`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} 小时 ${m % 60} 分` : `${h} 小时`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} 天 ${h % 24} 小时` : `${d} 天`;
}

/** an average review time for the statistics: in hours below two days, else in days (one decimal) */
export function avgText(ms) {
  if (!ms) return '—';
  const h = ms / 3600000;
  if (h < 1) return `${Math.max(1, Math.round(ms / 60000))} 分钟`;
  if (h < 48) return `${h.toFixed(1)} 小时`;
  return `${(h / 24).toFixed(1)} 天`;
}
