// Browser tests of the web console: starts a real zhendi serving the built
// console (web/dist) on a temp data dir, drives Debian's chromium through
// playwright-core, and saves a screenshot under tests/out/e2e/ when a test
// fails. Also computes TOTP codes (RFC 6238: SHA-1, 30 s, 6 digits) for the
// bootstrap administrators, which the server enrols when
// ZHENDI_ADMIN_TOTP_SECRET is set.
//
//   const ctx = await startConsole();           // server + browser
//   await step(t, ctx, async (page) => { ... }); // a fresh page; screenshot on failure
//   await ctx.stop();
import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';
import { mkdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startServer, ADMIN_PASSWORD } from '../../api/lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB_ROOT = process.env.ZHENDI_WEB_ROOT || join(here, '../../../web/dist');
export const OUT_DIR = join(here, '../../out/e2e');
// a phone for the members' pages (/m/): 390×844, touch, WeChat's browser on Android
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 3,
  userAgent: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.40',
};
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export { ADMIN_PASSWORD };

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA-1, 30 s step, 6 digits) for the given time (ms). */
export function totp(secret = TOTP_SECRET, now = Date.now()) {
  const counter = Math.floor(now / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const off = h[h.length - 1] & 0x0f;
  const code = ((h.readUInt32BE(off) & 0x7fffffff) % 1000000).toString();
  return code.padStart(6, '0');
}

// The server refuses a code that was already used (replay protection), so
// each (account, 30 s step) is used once: a second login of the same
// account in the same step waits for the next code.
const usedStep = new Map();

/** A code that stays valid for a few seconds and was not used for `who` yet. */
export async function freshTotp(secret = TOTP_SECRET, who = '') {
  for (;;) {
    const now = Date.now();
    const step = Math.floor(now / 30000);
    const left = 30000 - (now % 30000);
    if (left < 4000 || usedStep.get(who) === step) {
      await new Promise((r) => setTimeout(r, left + 200));
      continue;
    }
    usedStep.set(who, step);
    return totp(secret, now);
  }
}

/** Starts server + browser. env/args pass through to the server. */
export async function startConsole({ env = {}, args = [] } = {}) {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) throw new Error(`console not built: ${WEB_ROOT}/index.html missing (make build)`);
  const srv = await startServer({ env: { ZHENDI_ADMIN_TOTP_SECRET: TOTP_SECRET, ...env }, args: ['--web-root', WEB_ROOT, ...args] });
  const browser = await launchChromium();
  return {
    srv,
    browser,
    base: srv.base,
    states: {}, // username → cookies of a logged-in session (see signIn)
    async newPage(opts = {}) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true, ...opts });
      const page = await context.newPage();
      page.setDefaultTimeout(10000);
      return page;
    },
    async stop() {
      await browser.close().catch(() => {});
      await srv.stop();
    },
  };
}

/**
 * Runs fn(page) on a fresh page (own cookie jar); on failure saves
 * tests/out/e2e/<test name>.png and rethrows.
 */
export async function withPage(t, ctx, fn, opts) {
  const page = await ctx.newPage(opts);
  try {
    await fn(page);
  } catch (e) {
    mkdirSync(OUT_DIR, { recursive: true });
    const name = (t?.name || 'e2e').replace(/[^\w\u4e00-\u9fa5-]+/g, '_').slice(0, 100);
    const file = join(OUT_DIR, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    e.message += `\n(screenshot: ${file}; page: ${page.url()})`;
    throw e;
  } finally {
    await page.context().close().catch(() => {});
  }
}

/** Logs in through the form (with the TOTP step when asked for). */
export async function login(page, base, username, password, { totpSecret, expectTotp = !!totpSecret, redirect } = {}) {
  await page.goto(base + (redirect ? `/login?redirect=${encodeURIComponent(redirect)}` : '/login'));
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-test=login-submit]');
  if (expectTotp) {
    await page.waitForSelector('input[name=totp]');
    await page.fill('input[name=totp]', await freshTotp(totpSecret, username));
    // six digits submit by themselves
  }
}

/** Admin login (TOTP), then wait for the layout. */
export async function loginAdmin(page, base, username = 'admin') {
  await login(page, base, username, ADMIN_PASSWORD, { totpSecret: TOTP_SECRET });
  await page.waitForSelector('[data-test=user-menu]');
}

/**
 * Signs a page in as one of the bootstrap administrators: through the login
 * form (TOTP step included) the first time, then by reusing that session's
 * cookie, so a suite does not log the same account in again and again.
 */
export async function signIn(ctx, page, username = 'admin') {
  const saved = ctx.states[username];
  if (saved) {
    await page.context().addCookies(saved);
    return;
  }
  await loginAdmin(page, ctx.base, username);
  ctx.states[username] = (await page.context().storageState()).cookies;
}

/** Signs in as the system administrator. */
export function enterAsAdmin(ctx, page) {
  return signIn(ctx, page, 'admin');
}

// Waits until cond() (async) is true, polling; fails with what after timeout ms.
// For states a locator cannot express, e.g. "every row of the table matches".
export async function until(cond, what, timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Picks an operation in the 操作日志's 操作 filter (a searchable select that
 * shows the actions in words): types the code, clicks the option of that
 * code, and waits for the table to show only rows of it.
 */
export async function pickAuditAction(page, code) {
  const dicts = await page.evaluate(() => fetch('/api/v1/dicts').then((r) => r.json()));
  const label = dicts.dicts.audit_action.items.find((x) => x.value === code)?.label;
  if (!label) throw new Error(`no label for audit action ${code}`);
  const select = page.locator('[data-test=audit-action]');
  await select.click();
  await page.keyboard.type(code);
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).filter({ hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first().click();
  return label;
}
