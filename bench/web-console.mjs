// Web console benchmark (docs/benchmarks.md, "Web console"):
//  1. first load of the login page, cold cache, gzip: bytes transferred
//     (CDP Network.loadingFinished encodedDataLength) and navigation timing;
//  2. each administration list page with 10,000 rows behind it (server-side
//     paging): time until the first page of rows is shown and the loading
//     mask is gone — cold (full load in a fresh browser context), warm
//     reload (assets cached), and in-app (router navigation from the home
//     page, as a menu click).
// Seeds through the public API: 10,000 organisations under one district,
// 10,000 users, ≥ 20,000 audit records (every write is audited), 10,000
// jobs and their runs.
//
//   make build && (cd tests && npm ci) && node bench/web-console.mjs
//   env: ZHENDI_BIN (default build/zhendi), ROWS (default 10000), REPEAT (5:
//   each figure is the median of that many runs), KEEP=1 keeps the data dir
import { startServer, ADMIN_PASSWORD, totp } from '../tests/api/lib/server.mjs';
import { launchChromium, WEB_ROOT, TOTP_SECRET } from '../tests/e2e/lib/console.mjs';

const ROWS = Number(process.env.ROWS || 10000);
const CONC = 4;
const REPEAT = Number(process.env.REPEAT || 5); // medians of this many runs

// Runs fn(0..n-1) CONC at a time; a 503 (SQLite busy under concurrent
// writers) is retried after a pause, and counted.
let busyRetries = 0;
async function pool(n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: CONC }, async () => {
    for (let i = next++; i < n; i = next++) {
      for (let attempt = 0; ; attempt++) {
        try { await fn(i); break; } catch (e) {
          if (!/: 503 /.test(e.message) || attempt >= 20) throw e;
          busyRetries++;
          await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        }
      }
    }
  }));
}

function must(r, what) {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 200)}`);
  return r.json;
}

async function seed(srv) {
  const admin = await srv.login('admin', ADMIN_PASSWORD, totp(TOTP_SECRET));
  const types = must(await admin.get('/api/v1/org-types'), 'org-types').items;
  const root = must(await admin.get('/api/v1/orgs?type=city'), 'root').items[0];
  const district = must(await admin.post('/api/v1/orgs', { name: '基准测试区委', code: 'BENCH-D', type: 'district', parent_id: root.id }), 'district');
  const childType = types.find((t) => (t.parents || []).includes('district') && t.type !== 'district')?.type;
  const t0 = Date.now();
  await pool(ROWS, async (i) => {
    must(await admin.post('/api/v1/orgs', { name: `基准党支部${String(i).padStart(5, '0')}`, code: `BENCH-${i}`, type: childType, parent_id: district.id }), 'org');
  });
  const tOrgs = Date.now() - t0;
  await pool(ROWS, async (i) => {
    must(await admin.post('/api/v1/users', { username: `bench${i}`, name: `基准用户${i}`, password: 'Bench-Pass-2026!', org_id: district.id, roles: ['worker'] }), 'user');
  });
  const tUsers = Date.now() - t0 - tOrgs;
  const sched = must(await admin.get('/api/v1/schedules?page_size=200'), 'schedules').items.find((s) => s.name === 'system.log_prune');
  await pool(ROWS, async () => { must(await admin.post(`/api/v1/schedules/${sched.id}/run`), 'run'); });
  // let the worker drain the queue so that runs exist too
  for (let i = 0; i < 600; i++) {
    const q = must(await admin.get('/api/v1/jobs?status=queued&page_size=1'), 'queued').total;
    if (q === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const audit = await srv.login('auditor', ADMIN_PASSWORD, totp(TOTP_SECRET));
  const counts = {
    orgs_under_district: must(await admin.get(`/api/v1/orgs?parent_id=${district.id}&page_size=1`), 'c').total,
    users: must(await admin.get('/api/v1/users?page_size=1'), 'c').total,
    audit: must(await audit.get('/api/v1/audit?page_size=1'), 'c').total,
    jobs: must(await admin.get('/api/v1/jobs?page_size=1'), 'c').total,
    runs: must(await admin.get('/api/v1/job-runs?page_size=1'), 'c').total,
  };
  console.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s (orgs ${tOrgs} ms, users ${tUsers} ms, 503 busy retries ${busyRetries}):`, counts);
  return { admin, audit, district, counts };
}

async function contextFor(browser, base, client) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const [name, value] = client.cookie.split('=');
  await context.addCookies([{ name, value, url: base }]);
  return context;
}

// ms from navigation start until rows are visible and no loading mask remains
async function timeList(page, url, rowsSel, { inApp = false } = {}) {
  const t0 = Date.now();
  if (inApp) await page.evaluate((u) => { history.pushState({}, '', u); dispatchEvent(new PopStateEvent('popstate')); }, url);
  else await page.goto(url);
  await page.locator(rowsSel).first().waitFor({ timeout: 15000 });
  // (waitForFunction would need eval, which the console's CSP forbids)
  for (let i = 0; i < 1500; i++) {
    const busy = await page.evaluate(() => [...document.querySelectorAll('.el-table .el-loading-mask')].some((m) => m.offsetParent !== null));
    if (!busy) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const wall = Date.now() - t0;
  if (inApp) return { wall };
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n ? { dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) } : {};
  });
  return { wall, ...nav };
}

async function main() {
  const srv = await startServer({ env: { ZHENDI_ADMIN_TOTP_SECRET: TOTP_SECRET }, args: ['--web-root', WEB_ROOT], keepData: !!process.env.KEEP });
  const browser = await launchChromium();
  try {
    // 1. login page, cold
    const ctx1 = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await ctx1.newPage();
    const cdp = await ctx1.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0, requests = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; requests++; });
    const t0 = Date.now();
    await page.goto(srv.base + '/login', { waitUntil: 'commit' });
    await page.locator('input[name=username]').waitFor();
    const shown = Date.now() - t0;
    await page.waitForLoadState('networkidle');
    const nav = await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0]; return { dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }; });
    console.log(`login page (cold, gzip): ${(bytes / 1024).toFixed(1)} KiB transferred in ${requests} requests; form shown after ${shown} ms; DOMContentLoaded ${nav.dcl} ms, load ${nav.load} ms`);
    await ctx1.close();

    // 2. list pages over ROWS rows
    const { admin, audit, district } = await seed(srv);
    const pages = [
      ['组织机构 › 下级组织', admin, `/orgs?id=${district.id}&tab=children`, '#pane-children .el-table__body tr'],
      ['用户管理', admin, '/users', '[data-test=users-table] .el-table__body tr'],
      ['任务队列', admin, '/jobs?tab=jobs', '#pane-jobs .el-table__body tr'],
      ['执行记录', admin, '/jobs?tab=runs', '#pane-runs .el-table__body tr'],
      ['审计日志', audit, '/audit', '[data-test=audit-table] .el-table__body tr'],
    ];
    const results = [];
    const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
    for (const [title, client, path, sel] of pages) {
      const cold = [], warm = [], inApp = [], busy = [];
      for (let i = 0; i < REPEAT; i++) {
        const context = await contextFor(browser, srv.base, client);
        const p = await context.newPage();
        cold.push((await timeList(p, srv.base + path, sel)).wall);
        warm.push((await timeList(p, srv.base + path, sel)).wall);
        // in-app: from the home page through the router, as a menu click does
        await p.goto(srv.base + '/');
        await p.locator('[data-test=user-menu]').waitFor();
        await new Promise((r) => setTimeout(r, 300));
        // main-thread busy time (CPU, much less sensitive to a loaded machine than wall time)
        const cdp = await context.newCDPSession(p);
        await cdp.send('Performance.enable');
        const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
        const before = await task();
        inApp.push((await timeList(p, path, sel, { inApp: true })).wall);
        busy.push(Math.round((await task() - before) * 1000));
        await context.close();
      }
      // the page's list request alone, as the server answers it
      const apiPath = { '组织机构 › 下级组织': `/api/v1/orgs?parent_id=${district.id}&page=1&page_size=20`, 用户管理: '/api/v1/users?page=1&page_size=20', 任务队列: '/api/v1/jobs?page=1&page_size=20', 执行记录: '/api/v1/job-runs?page=1&page_size=20', 审计日志: '/api/v1/audit?page=1&page_size=20' }[title];
      const api = [];
      for (let i = 0; i < REPEAT; i++) {
        const t = performance.now();
        must(await client.get(apiPath), apiPath);
        api.push(Math.round(performance.now() - t));
      }
      results.push({ page: title, api_ms: median(api), cold_ms: median(cold), warm_reload_ms: median(warm), in_app_ms: median(inApp), in_app_cpu_ms: median(busy) });
    }
    console.table(results);
    console.log(`machine load average: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const k of ['api_ms', 'cold_ms', 'warm_reload_ms', 'in_app_ms', 'in_app_cpu_ms']) {
      const worst = Math.max(...results.map((r) => r[k]));
      console.log(`worst ${k}: ${worst} ms (${worst < 1000 ? 'under' : 'OVER'} 1 s)`);
    }
  } finally {
    await browser.close();
    await srv.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
