// The other two browser engines of the specification (3.4: every mainstream
// engine), as Debian 12 carries them: Firefox ESR driven over WebDriver BiDi
// by puppeteer-core, and WebKitGTK's MiniBrowser driven over classic
// WebDriver by selenium-webdriver through WebKitWebDriver (under xvfb-run:
// MiniBrowser has no headless mode). Chromium keeps its own, larger suite in
// tests/e2e (playwright-core).
//
// Both are wrapped in one small interface, so that one scenario runs in both:
//   const b = await openFirefox() / await openWebKit();
//   await b.goto(url); await b.fill(css, text); await b.click(css);
//   await b.clickText(css, text); await b.waitFor(css, { text, gone });
//   await b.text(css); await b.upload(css, path); await b.screenshot(file); await b.close();
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import puppeteer from 'puppeteer-core';
import { Builder, By } from 'selenium-webdriver';

const TIMEOUT = 15000;

// "some element matching css is shown (and contains text)", evaluated in the page
const SHOWN = `return (function (css, text, gone) {
  const shown = Array.from(document.querySelectorAll(css)).filter((e) => e.getClientRects().length &&
    getComputedStyle(e).visibility !== 'hidden' && (!text || e.textContent.includes(text)));
  return gone ? shown.length === 0 : shown.length > 0;
})(arguments[0], arguments[1], arguments[2]);`;

// the first element matching css is shown and on top at its centre (no
// loading mask or leaving dialog over it): a person could click it now
const CLICKABLE = `return (function (css) {
  const el = document.querySelector(css);
  if (!el || !el.getClientRects().length) return false;
  el.scrollIntoView({ block: 'center' });
  const r = el.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!top && (top === el || el.contains(top));
})(arguments[0]);`;

// clicks the first shown element matching css whose text contains text
const CLICK_TEXT = `return (function (css, text) {
  const el = Array.from(document.querySelectorAll(css)).find((e) => e.getClientRects().length && e.textContent.includes(text));
  if (!el) return false;
  el.scrollIntoView({ block: 'center' });
  el.click();
  return true;
})(arguments[0], arguments[1]);`;

async function poll(cond, what, timeout = TIMEOUT) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function openFirefox() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    protocol: 'webDriverBiDi',
    headless: true,
    args: ['--no-remote'],
    extraPrefsFirefox: { 'intl.accept_languages': 'zh-CN', 'app.update.enabled': false, 'browser.shell.checkDefaultBrowser': false },
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1366, height: 768 });
  const run = (script, ...args) => page.evaluate((s, a) => new Function(s).apply(null, a), script, args);
  return {
    name: 'Firefox ESR',
    version: await browser.version(),
    goto: (url) => page.goto(url),
    url: () => page.url(),
    async fill(css, text) {
      await poll(() => run(SHOWN, css, '', false), css);
      await page.$eval(css, (e) => { e.focus(); e.select?.(); });
      await page.keyboard.press('Backspace');
      await page.type(css, text);
    },
    async click(css) {
      await poll(() => run(CLICKABLE, css), `${css} clickable`);
      await page.click(css);
    },
    clickText: (css, text) => poll(() => run(CLICK_TEXT, css, text), `${css} "${text}"`),
    waitFor: (css, { text = '', gone = false, timeout } = {}) => poll(() => run(SHOWN, css, text, gone), `${css} "${text}"${gone ? ' gone' : ''}`, timeout),
    text: (css) => page.$eval(css, (e) => e.textContent),
    async upload(css, file) {
      const el = await page.$(css);
      await el.uploadFile(file);
    },
    screenshot: (file) => page.screenshot({ path: file }),
    close: () => browser.close(),
  };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function openWebKit() {
  const port = await freePort();
  // its own process group: xvfb-run, Xvfb, the driver and MiniBrowser end together
  const drv = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], {
    stdio: 'ignore',
    detached: true,
    env: { ...process.env, WEBKIT_DISABLE_DMABUF_RENDERER: '1', WEBKIT_DISABLE_COMPOSITING_MODE: '1' },
  });
  const stop = () => { try { process.kill(-drv.pid, 'SIGTERM'); } catch { /* gone */ } };
  let d;
  try {
    await poll(() => fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false), 'WebKitWebDriver', 20000);
    d = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', args: ['--automation'] },
    }).build();
    await d.manage().window().setRect({ width: 1366, height: 768 }).catch(() => {});
  } catch (e) {
    stop();
    throw e;
  }
  const caps = await d.getCapabilities();
  const run = (script, ...args) => d.executeScript(script, ...args);
  const shown = async (css) => {
    await poll(() => run(SHOWN, css, '', false), css);
    return d.findElement(By.css(css));
  };
  return {
    name: 'WebKit (MiniBrowser)',
    run,
    version: caps.get('browserVersion'),
    goto: (url) => d.get(url),
    url: () => d.getCurrentUrl(),
    async fill(css, text) {
      const el = await shown(css);
      await el.clear();
      await el.sendKeys(text);
    },
    async click(css) {
      await poll(() => run(CLICKABLE, css), `${css} clickable`);
      await d.findElement(By.css(css)).click();
    },
    clickText: (css, text) => poll(() => run(CLICK_TEXT, css, text), `${css} "${text}"`),
    waitFor: (css, { text = '', gone = false, timeout } = {}) => poll(() => run(SHOWN, css, text, gone), `${css} "${text}"${gone ? ' gone' : ''}`, timeout),
    text: async (css) => (await d.findElement(By.css(css))).getAttribute('textContent'),
    async upload(css, file) {
      const el = await d.findElement(By.css(css));
      // the upload components hide their <input type=file>; WebDriver types only into a shown one
      await run("arguments[0].style.display = 'block'; arguments[0].style.opacity = '1';", el);
      await el.sendKeys(file);
    },
    async screenshot(file) {
      writeFileSync(file, Buffer.from(await d.takeScreenshot(), 'base64'));
    },
    async close() {
      await d.quit().catch(() => {});
      stop();
    },
  };
}
