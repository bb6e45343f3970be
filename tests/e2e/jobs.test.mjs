// The jobs page in a real browser against a real server: the cron
// schedules with their next run, pause and resume, editing the cron with
// the help text, "run now" with the progress display, the queue, the job
// detail and the run history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, enterAsAdmin } from './lib/console.mjs';

let ctx;
before(async () => { ctx = await startConsole(); });
after(async () => { await ctx?.stop(); });

// reads through the page's own session (its cookies), as the console does
async function apiGet(page, path) {
  const r = await page.request.get(ctx.base + path);
  assert.equal(r.status(), 200, `${path}: ${r.status()}`);
  return r.json();
}
async function schedule(page, name) {
  return (await apiGet(page, '/api/v1/schedules?page_size=200')).items.find((s) => s.name === name);
}

async function confirmBox(page) {
  await page.locator('.el-message-box__btns .el-button--primary, .el-message-box__btns .el-button--danger').last().click();
}

test('the schedules are listed with their cron in words and the next run', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/jobs');
    const row = page.locator('#pane-schedules .el-table__body tr', { hasText: '每日数据库备份' });
    await row.waitFor();
    await assert.doesNotReject(row.getByText('每天 02:00').or(row.getByText(/每天 \d\d:\d\d/)).first().waitFor());
    const next = (await row.locator('[data-test=next-run]').textContent()).trim();
    assert.match(next, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, `next run shown: ${next}`);
    // side menu, breadcrumb and tab follow the page
    await page.locator('.el-breadcrumb', { hasText: '任务调度' }).waitFor();
    await page.locator('.tabs .tab.active', { hasText: '任务调度' }).waitFor();
  });
});

test('pausing and resuming a schedule changes it on the server', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/jobs');
    const row = page.locator('#pane-schedules .el-table__body tr', { hasText: '每日清理过期日志' });
    await row.getByRole('button', { name: '暂停' }).click();
    await confirmBox(page);
    await row.getByText('已暂停').waitFor();
    assert.equal((await schedule(page, 'system.log_prune')).enabled, false);
    assert.equal((await row.locator('[data-test=next-run]').textContent()).trim(), '—');
    await row.getByRole('button', { name: '恢复' }).click();
    await row.getByText('启用', { exact: true }).waitFor();
    assert.equal((await schedule(page, 'system.log_prune')).enabled, true);
  });
});

test('editing the cron explains it, refuses a bad one and saves a good one', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/jobs');
    const row = page.locator('#pane-schedules .el-table__body tr', { hasText: '每日清理已完成任务' });
    await row.getByRole('button', { name: '编辑' }).click();
    const dlg = page.locator('.el-dialog', { hasText: '编辑定时任务' });
    const cron = dlg.locator('input[data-test=cron-input]');
    await cron.fill('61 * * * *');
    await dlg.getByText(/分钟字段超出范围/).first().waitFor();
    await cron.fill('15 5 * * 1-5');
    await dlg.getByText('每周一、二、三、四、五 05:15').waitFor();
    await dlg.getByText('预计最近执行').waitFor();
    await dlg.locator('[data-test=schedule-save]').click();
    await dlg.waitFor({ state: 'hidden' });
    await row.getByText('15 5 * * 1-5').waitFor();
    const s = await schedule(page, 'system.jobs_purge');
    assert.equal(s.cron, '15 5 * * 1-5');
  });
});

test('run now shows the job progress until it is done, then the job detail and run history', async (t) => {
  await withPage(t, ctx, async (page) => {
    await enterAsAdmin(ctx, page);
    await page.goto(ctx.base + '/jobs');
    const row = page.locator('#pane-schedules .el-table__body tr', { hasText: '每周数据库维护' });
    await row.getByRole('button', { name: '立即执行' }).click();
    await confirmBox(page);
    const dlg = page.locator('.el-dialog', { hasText: '立即执行' });
    await dlg.locator('.job-progress').waitFor();
    await dlg.locator('.el-tag', { hasText: '已完成' }).waitFor({ timeout: 20000 });
    await dlg.locator('.el-progress.is-success').waitFor();
    await dlg.getByText('查看详情').click();
    await page.waitForURL(/\/jobs\/\d+$/);
    const id = Number(page.url().split('/').pop());
    await page.getByText(`任务 #${id}`).first().waitFor();
    await page.locator('.el-table', { hasText: '第几次' }).locator('.el-tag', { hasText: '已完成' }).waitFor();
    const job = await apiGet(page, `/api/v1/jobs/${id}`);
    assert.equal(job.status, 'done');
    assert.equal(job.kind, 'system.db_maintain');
    // the queue and the run history list it
    await page.goto(ctx.base + '/jobs?tab=jobs');
    await page.locator('#pane-jobs .el-table__body tr', { hasText: `${id}` }).first().waitFor();
    await page.goto(ctx.base + '/jobs?tab=runs');
    const run = page.locator('#pane-runs .el-table__body tr', { hasText: `#${id}` }).first();
    await run.waitFor();
    assert.match(await run.textContent(), /已完成|完成/);
    assert.match(await run.textContent(), /毫秒|秒/);
  });
});
