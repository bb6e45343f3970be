// The members' mobile pages (/m/): every module's m/routes.js is gathered
// into one router, the lecture hall's pages among them, and times read the
// way a phone shows them.
import { describe, it, expect } from 'vitest';
import { mobileRoutes } from '../src/m/router.js';
import { fmtWhen, fmtSpan } from '../src/modules/lecture/m/api.js';

describe('the members\' pages', () => {
  it('gather the modules\' m/routes.js, lazily, with the lecture hall\'s pages', () => {
    const routes = mobileRoutes(import.meta.glob('../src/modules/*/m/routes.js', { eager: true }));
    const paths = routes.map((r) => r.path);
    for (const p of ['/', '/lectures', '/lectures/:id(\\d+)', '/bookings', '/checkin']) expect(paths).toContain(p);
    for (const r of routes) expect(typeof r.component, r.name).toBe('function');
    expect(routes.filter((r) => r.meta?.tab).map((r) => r.name)).toEqual(['m-courses', 'm-home', 'm-lectures', 'm-bookings']);
  });

  it('show times as month, day, weekday and clock', () => {
    const at = new Date(2026, 11, 5, 14, 0).toISOString();
    const end = new Date(2026, 11, 5, 16, 30).toISOString();
    expect(fmtWhen(at)).toBe('12月5日 周六 14:00');
    expect(fmtSpan(at, end)).toBe('12月5日 周六 14:00–16:30');
    expect(fmtWhen(null)).toBe('');
  });
});
