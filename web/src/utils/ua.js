// A User-Agent header in words ("Chrome 120 · Windows 10/11"), for the
// sessions and the login log. The same rules as the server's exports
// (str_user_agent in src/core/str.c): the first browser token found names
// the browser (the specific before the generic), the first system token the
// system.

const BROWSERS = [
  ['MicroMessenger/', '微信'],
  ['Edg/', 'Edge'],
  ['OPR/', 'Opera'],
  ['Firefox/', 'Firefox'],
  ['HeadlessChrome/', 'Chrome（无界面）'],
  ['Chrome/', 'Chrome'],
  ['Version/', 'Safari'],
  ['curl/', 'curl'],
  ['node', 'Node.js'],
  ['python-requests/', 'Python'],
];
const SYSTEMS = [
  ['Windows NT 10', 'Windows 10/11'],
  ['Windows NT 6.3', 'Windows 8.1'],
  ['Windows NT 6.1', 'Windows 7'],
  ['Windows', 'Windows'],
  ['iPhone', 'iOS'],
  ['iPad', 'iPadOS'],
  ['Android', 'Android'],
  ['CrOS', 'ChromeOS'],
  ['Mac OS X', 'macOS'],
  ['Linux', 'Linux'],
];

/** 'Mozilla/5.0 (Windows NT 10.0; …) Chrome/120.0 …' → 'Chrome 120 · Windows 10/11'; '' for none. */
export function uaText(ua) {
  if (!ua) return '';
  let browser = '未知浏览器';
  let version = 0;
  for (const [token, name] of BROWSERS) {
    const i = ua.indexOf(token);
    if (i >= 0) {
      browser = name;
      version = parseInt(ua.slice(i + token.length), 10) || 0;
      break;
    }
  }
  const system = SYSTEMS.find(([token]) => ua.includes(token))?.[1] || '未知系统';
  return version > 0 ? `${browser} ${version} · ${system}` : `${browser} · ${system}`;
}
