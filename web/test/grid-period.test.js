// The periods of the activity pages (web/src/modules/grid/views/period.js):
// a day range is sent with its end as the day after (exclusive), a month
// range as the first day of its first month and of the month after.
import { describe, it, expect } from 'vitest';
import { dayAfter, thisMonth, lastMonths, monthsPeriod } from '../src/modules/grid/views/period.js';

describe('grid periods', () => {
  it('the day after crosses months and years', () => {
    expect(dayAfter('2026-11-30')).toBe('2026-12-01');
    expect(dayAfter('2026-12-31')).toBe('2027-01-01');
    expect(dayAfter('2028-02-28')).toBe('2028-02-29');
  });
  it('this month runs from its first to its last day', () => {
    expect(thisMonth(new Date(2026, 1, 14))).toEqual(['2026-02-01', '2026-02-28']);
  });
  it('the last twelve months end with this one', () => {
    expect(lastMonths(12, new Date(2026, 11, 5))).toEqual(['2026-01', '2026-12']);
    expect(lastMonths(3, new Date(2026, 0, 5))).toEqual(['2025-11', '2026-01']);
  });
  it('a month range is sent as from and an exclusive to', () => {
    expect(monthsPeriod(['2026-01', '2026-12'])).toEqual({ from: '2026-01-01', to: '2027-01-01' });
    expect(monthsPeriod(null)).toEqual({});
  });
});
