// No raw codes in front of users: a user agent in words (utils/ua.js, the
// same rules as the server's str_user_agent) and any recorded value for
// people (fmtValue: null, booleans, times, arrays of codes).
import { describe, it, expect } from 'vitest';
import { uaText } from '../src/utils/ua.js';
import { fmtValue, fmtTime } from '../src/utils/format.js';

describe('uaText', () => {
  it('names the browser with its major version and the system', () => {
    expect(uaText('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36')).toBe('Chrome 120 · Windows 10/11');
    expect(uaText('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61')).toBe('Edge 120 · Windows 10/11');
    expect(uaText('Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI Language/zh_CN')).toBe('微信 8 · iOS');
    expect(uaText('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15')).toBe('Safari 17 · macOS');
    expect(uaText('Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0')).toBe('Firefox 115 · Linux');
    expect(uaText('curl/7.88.1')).toBe('curl 7 · 未知系统');
  });
  it('is empty for no header and says 未知 for an unknown one', () => {
    expect(uaText(null)).toBe('');
    expect(uaText('')).toBe('');
    expect(uaText('something')).toBe('未知浏览器 · 未知系统');
  });
});

describe('fmtValue', () => {
  it('shows null, booleans, times and lists in words', () => {
    expect(fmtValue(null)).toBe('（空）');
    expect(fmtValue(true)).toBe('是');
    expect(fmtValue(false)).toBe('否');
    expect(fmtValue('2026-12-05T10:42:20+08:00')).toBe(fmtTime('2026-12-05T10:42:20+08:00'));
    expect(fmtValue('2026-12-05T10:42:20.123Z')).toBe(fmtTime('2026-12-05T10:42:20.123Z'));
    expect(fmtValue([])).toBe('（无）');
    expect(fmtValue(3)).toBe('3');
  });
  it('names codes through the given label', () => {
    const label = (c) => ({ worker: '党务工作者', member: '党员' })[c];
    expect(fmtValue(['worker', 'member'], label)).toBe('党务工作者、党员');
    expect(fmtValue('active', () => '正常')).toBe('正常');
    expect(fmtValue('unknown', () => '')).toBe('unknown');
  });
});
