// The cron help in the schedule editor reads expressions as the server does.
import { describe, it, expect } from 'vitest';
import { parseCron, nextRuns, describeCron } from '../src/utils/cron.js';

describe('parseCron', () => {
  it('accepts lists, ranges, steps, names, 7 as Sunday and macros', () => {
    const c = parseCron('*/15 8-18 * JAN,MAR MON-FRI');
    expect([...c.minute]).toEqual([0, 15, 30, 45]);
    expect(c.hour.size).toBe(11);
    expect([...c.month]).toEqual([1, 3]);
    expect([...c.dow]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseCron('0 0 * * 7').dow]).toEqual([0]);
    expect([...parseCron('@daily').hour]).toEqual([0]);
  });

  it('refuses out-of-range fields and wrong field counts with a Chinese reason', () => {
    expect(() => parseCron('61 * * * *')).toThrow(/分钟/);
    expect(() => parseCron('0 24 * * *')).toThrow(/小时/);
    expect(() => parseCron('0 0 * *')).toThrow(/5 个字段/);
    expect(() => parseCron('@sometimes')).toThrow();
    expect(() => parseCron('*/0 * * * *')).toThrow(/步长/);
  });
});

describe('nextRuns', () => {
  it('gives the next daily 03:00 runs', () => {
    const after = new Date(2026, 10, 29, 10, 47);
    const r = nextRuns('0 3 * * *', 2, after);
    expect(r[0]).toEqual(new Date(2026, 10, 30, 3, 0));
    expect(r[1]).toEqual(new Date(2026, 11, 1, 3, 0));
  });

  it('fires on either day field when both are restricted (Vixie cron)', () => {
    const after = new Date(2026, 10, 29, 0, 0); // Sunday 29 Nov 2026
    const r = nextRuns('0 12 1 * MON', 2, after);
    expect(r[0]).toEqual(new Date(2026, 10, 30, 12, 0)); // Monday 30th
    expect(r[1]).toEqual(new Date(2026, 11, 1, 12, 0)); // the 1st
  });

  it('finds nothing for an impossible date', () => {
    expect(nextRuns('0 0 31 2 *', 1, new Date(2026, 0, 1))).toEqual([]);
  });
});

describe('describeCron', () => {
  it('reads common schedules in plain Chinese', () => {
    expect(describeCron('0 3 * * *')).toBe('每天 03:00');
    expect(describeCron('0 4 * * 0')).toBe('每周日 04:00');
    expect(describeCron('30 2 1 * *')).toBe('每月 1 日 02:30');
    expect(describeCron('5 * * * *')).toBe('每小时第 5 分');
  });
});
