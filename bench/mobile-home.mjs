// Members' pages first load (issue 13: "mobile home page first load < 300 KB
// gzip"; docs/benchmarks.md, "Members' pages"). A phone (390×844, touch,
// Debian's chromium) with an empty cache opens:
//  1. /m/login — what a member's phone loads after scanning a QR code;
//  2. /m/ (home: upcoming lectures, recommended courses, my bookings) of a
//     member already logged in (session cookie set), until its lists are
//     drawn and the network is idle — the page itself, its scripts, styles,
//     fonts, images and API answers.
// Bytes are what went over the wire (CDP Network.loadingFinished
// encodedDataLength, headers included); the server sends the pre-compressed
// .gz siblings of the assets and gzips large JSON answers.
//
//   make build && (cd tests && npm ci) && node bench/mobile-home.mjs
//   env: ZHENDI_BIN (default build/zhendi), REPEAT (default 3; the largest
//   figure is reported), LIMIT_KB (default 300: exit 1 above it)
import { startServer } from '../tests/api/lib/server.mjs';
import { launchChromium, WEB_ROOT } from '../tests/e2e/lib/console.mjs';

const DEMO = 'Zhendi@Demo2026'; // the demo members' password (--demo)
const REPEAT = Number(process.env.REPEAT || 3);
const LIMIT_KB = Number(process.env.LIMIT_KB || 300);
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

// Loads url in a fresh phone context with the cache disabled; resolves to
// { bytes, requests, shown_ms, kinds } once `ready` is on screen and the
// network is idle.
async function coldLoad(browser, url, ready, cookies = []) {
  const ctx = await browser.newContext(PHONE);
  if (cookies.length) await ctx.addCookies(cookies);
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const types = new Map();
  const kinds = {};
  let bytes = 0, requests = 0;
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    requests++;
    const k = types.get(e.requestId) || 'Other';
    kinds[k] = (kinds[k] || 0) + e.encodedDataLength;
  });
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator(ready).first().waitFor({ timeout: 30000 });
  const shown = Date.now() - t0;
  await page.waitForLoadState('networkidle');
  await ctx.close();
  return { bytes, requests, shown, kinds };
}

const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;

const srv = await startServer({ args: ['--demo', '--web-root', WEB_ROOT] });
const browser = await launchChromium();
let over = false;
try {
  const member = await srv.login('dangyuan01', DEMO);
  const eq = member.cookie.indexOf('=');
  const cookies = [{ name: member.cookie.slice(0, eq), value: member.cookie.slice(eq + 1), url: srv.base }];
  for (const [label, path, ready, jar] of [
    ['/m/login (cold)', '/m/login', '[data-test=m-username] input', []],
    ['/m/ home, member logged in (cold)', '/m/', '[data-test=m-tabbar]', cookies],
  ]) {
    const runs = [];
    for (let i = 0; i < REPEAT; i++) runs.push(await coldLoad(browser, srv.base + path, ready, jar));
    const worst = runs.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const parts = Object.entries(worst.kinds).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${kib(v)}`).join(', ');
    const shown = runs.map((r) => r.shown).sort((a, b) => a - b);
    console.log(`${label}: ${kib(worst.bytes)} in ${worst.requests} requests (${parts}); shown after ${shown[0]}–${shown[shown.length - 1]} ms`);
    if (worst.bytes > LIMIT_KB * 1024) {
      console.log(`  above the ${LIMIT_KB} KB limit`);
      over = true;
    }
  }
} finally {
  await browser.close().catch(() => {});
  await srv.stop();
}
process.exitCode = over ? 1 : 0;
