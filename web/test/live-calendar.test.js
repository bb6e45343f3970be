import { describe, it, expect } from 'vitest';
import { dayKey, parseDay, weekDays, viewRange, step, eventsOn, timeSpan, viewTitle, streamFormat } from '../src/modules/live/calendar.js';

describe('live calendar dates', () => {
  it('weeks start on Monday', () => {
    const days = weekDays(new Date(2026, 11, 6)); // a Sunday
    expect(dayKey(days[0])).toBe('2026-11-30');
    expect(dayKey(days[6])).toBe('2026-12-06');
  });
  it('a month view covers the whole weeks around the month', () => {
    const [from, to] = viewRange('month', new Date(2026, 11, 15));
    expect(dayKey(from)).toBe('2026-11-30');
    expect(dayKey(to)).toBe('2027-01-04');
    const [lf, lt] = viewRange('list', new Date(2026, 11, 15));
    expect([dayKey(lf), dayKey(lt)]).toEqual(['2026-12-01', '2027-01-01']);
  });
  it('steps by month or week', () => {
    expect(dayKey(step('month', new Date(2026, 0, 31), 1))).toBe('2026-02-01');
    expect(dayKey(step('week', new Date(2026, 11, 31), 1))).toBe('2027-01-07');
  });
  it('finds the events of a day, a stream over midnight on both days', () => {
    const ev = [
      { id: 1, starts_at: new Date(2026, 11, 7, 23).toISOString(), ends_at: new Date(2026, 11, 8, 1).toISOString() },
      { id: 2, starts_at: new Date(2026, 11, 7, 9).toISOString(), ends_at: new Date(2026, 11, 7, 10).toISOString() },
    ];
    expect(eventsOn(ev, new Date(2026, 11, 7)).map((e) => e.id)).toEqual([2, 1]);
    expect(eventsOn(ev, parseDay('2026-12-08')).map((e) => e.id)).toEqual([1]);
    expect(timeSpan(ev[1])).toBe('09:00–10:00');
    expect(timeSpan(ev[0])).toBe('12-07 23:00–12-08 01:00');
  });
  it('titles and formats', () => {
    expect(viewTitle('month', new Date(2026, 11, 3))).toBe('2026年12月');
    expect(viewTitle('week', new Date(2026, 11, 3))).toBe('2026年11月30日–12月6日');
    expect(parseDay('2026-02-30')).toBe(null);
    expect(streamFormat('https://a.cn/x/Live.M3U8?t=1')).toBe('hls');
    expect(streamFormat('http://a.cn/x.flv#t')).toBe('flv');
    expect(streamFormat('https://a.cn/x.mp4')).toBe('');
  });
});
