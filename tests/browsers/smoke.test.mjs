// The console in Firefox ESR and in WebKit (specification 3.4: every
// mainstream browser engine; Chromium has the full suite in tests/e2e).
// One scenario in each: log in with the TOTP step, open a list, submit a
// form with an error and correct it, upload a file into it, and run a 校真
// check whose findings are highlighted in the text. Then the members' pages
// (/m/, Vant): a member logs in, sees the home page, opens a lecture, the
// course series and their bookings.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, ADMIN_PASSWORD } from '../api/lib/server.mjs';
import { WEB_ROOT, TOTP_SECRET, freshTotp } from '../e2e/lib/console.mjs';
import { openFirefox, openWebKit } from './drivers.mjs';

const OUT = new URL('../out/browsers/', import.meta.url).pathname;
let srv, work;
before(async () => {
  srv = await startServer({ env: { ZHENDI_ADMIN_TOTP_SECRET: TOTP_SECRET }, args: ['--web-root', WEB_ROOT, '--demo'] });
  work = mkdtempSync(join(tmpdir(), 'zhendi-browsers-'));
});
after(async () => {
  await srv?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

for (const [engine, open] of [['firefox', openFirefox], ['webkit', openWebKit]]) {
  describe(`in ${engine}`, () => {
    let b;
    before(async () => { b = await open(); });
    after(async () => { await b?.close(); });
    // a failing step leaves a screenshot under tests/out/browsers/
    const step = (name, fn) => test(name, async () => {
      try {
        await fn();
      } catch (e) {
        mkdirSync(OUT, { recursive: true });
        const file = join(OUT, `${engine}-${name.replace(/[^\w\u4e00-\u9fa5]+/g, '_').slice(0, 80)}.png`);
        await b.screenshot(file).catch(() => {});
        e.message += `\n(${b.name} ${b.version}; screenshot: ${file}; page: ${await Promise.resolve().then(() => b.url()).catch(() => '?')})`;
        throw e;
      }
    });

    step('the administrator logs in with password and TOTP', async () => {
      await b.goto(srv.base + '/login');
      await b.fill('input[name=username]', 'admin');
      await b.fill('input[name=password]', ADMIN_PASSWORD);
      await b.click('[data-test=login-submit]');
      // one code per account and 30 s step (the server refuses a replay): the
      // second browser waits for the next step
      await b.fill('input[name=totp]', await freshTotp(TOTP_SECRET, 'admin'));
      await b.waitFor('[data-test=user-menu]');
    });

    step('the user list shows its rows', async () => {
      await b.goto(srv.base + '/users');
      await b.waitFor('.el-table__body tr', { text: 'admin' });
    });

    step('a form shows its error, then saves once corrected, and a file uploads into it', async () => {
      const name = `浏览器兼容词库${engine}`;
      await b.goto(srv.base + '/lexicons');
      await b.click('[data-test=lexicon-create]');
      await b.waitFor('.el-dialog', { text: '新建词库' });
      await b.click('[data-test=lexicon-save]');
      await b.waitFor('.el-form-item__error');
      await b.fill('input[data-test=lexicon-name]', name);
      await b.clickText('[data-test=lexicon-category] .el-radio-button, [data-test=lexicon-category] label', '敏感词');
      await b.click('[data-test=lexicon-save]');
      await b.waitFor('.el-dialog', { text: '新建词库', gone: true });
      await b.clickText('[data-test=lexicon-link]', name);
      await b.waitFor('[data-test=lexicon-title]', { text: name });
      const txt = join(work, `${engine}.txt`);
      writeFileSync(txt, `兼容测试词${engine}\n`);
      await b.click('[data-test=entry-import]');
      await b.waitFor('.el-dialog', { text: '批量导入词条' });
      await b.upload('.el-dialog [data-test=upload-input]', txt);
      await b.clickText('.el-dialog button', '开始导入');
      await b.waitFor('[data-test=import-added]', { text: '1' });
      await b.clickText('.el-dialog__footer button', '关闭');
      await b.waitFor('[data-test=entries-table] .el-table__body tr', { text: `兼容测试词${engine}` });
    });

    step('a 校真 check highlights its findings in the text', async () => {
      await b.goto(srv.base + '/proofread');
      await b.fill('textarea[data-test=proofread-input]', `请按装新的软件，兼容测试词${engine}不能出现。`);
      await b.click('[data-test=proofread-check]');
      await b.waitFor('[data-test=hl-mark]', { text: '按装' });
      await b.waitFor('[data-test=hl-mark]', { text: `兼容测试词${engine}` });
      assert.match(await b.text('[data-test=verdict]'), /\S/);
    });

    step('a member logs in on the members\' pages, opens a lecture, the courses and their bookings', async () => {
      // the administrator logs out of the console first (user menu → 退出登录)
      await b.goto(srv.base + '/');
      await b.click('[data-test=user-menu]');
      await b.clickText('.el-dropdown-menu__item', '退出登录');
      await b.clickText('.el-message-box button', '退出');
      await b.waitFor('[data-test=login-submit]');
      await b.goto(srv.base + '/m/');
      await b.waitFor('[data-test=m-login-submit]');
      await b.fill('[data-test=m-username] input', 'dangyuan01');
      await b.fill('[data-test=m-password] input', 'Zhendi@Demo2026');
      await b.click('[data-test=m-login-submit]');
      await b.waitFor('[data-test=m-tabbar]');
      await b.waitFor('[data-test=m-lecture-card]'); // the home page's coming lectures
      await b.goto(srv.base + '/m/lectures');
      await b.click('[data-test=m-lecture-card]');
      await b.waitFor('[data-test=m-lecture-title]');
      assert.match(await b.text('[data-test=m-lecture-title]'), /\S/);
      await b.waitFor('[data-test=m-session]');
      await b.goto(srv.base + '/m/courses');
      await b.waitFor('.van-tab', { text: '红色节点党课' });
      await b.goto(srv.base + '/m/bookings');
      await b.waitFor('[data-test=m-tabbar]');
      await b.waitFor('.van-nav-bar__title, .van-empty, [data-test=m-booking]');
    });
  });
}
