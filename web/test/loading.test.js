// The delayed loading mask: quick work never shows it; slow work shows it
// after the delay and hides it when done.
import { describe, test, expect, vi, beforeEach, afterEach } from 'vitest';
import { delayedLoading } from '../src/utils/delayedLoading.js';

function fakeInner() {
  const calls = [];
  return {
    calls,
    updated: (el, b) => calls.push(b.value ? 'show' : 'hide'),
    unmounted: () => calls.push('unmount'),
  };
}

describe('delayed v-loading', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a request answered within the delay never shows the mask', () => {
    const inner = fakeInner();
    const d = delayedLoading(inner, 250);
    const el = {};
    d.mounted(el, { value: true });
    vi.advanceTimersByTime(100);
    d.updated(el, { value: false });
    vi.advanceTimersByTime(1000);
    expect(inner.calls).toEqual([]);
  });

  test('slow work shows the mask after the delay and hides it when done', () => {
    const inner = fakeInner();
    const d = delayedLoading(inner, 250);
    const el = {};
    d.mounted(el, { value: false });
    d.updated(el, { value: true });
    vi.advanceTimersByTime(249);
    expect(inner.calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(inner.calls).toEqual(['show']);
    d.updated(el, { value: true }); // a re-render while loading passes options through
    d.updated(el, { value: false });
    expect(inner.calls).toEqual(['show', 'show', 'hide']);
  });

  test('a timer does not outlive its element', () => {
    const inner = fakeInner();
    const d = delayedLoading(inner, 250);
    const el = {};
    d.mounted(el, { value: true });
    d.unmounted(el);
    vi.advanceTimersByTime(1000);
    expect(inner.calls).toEqual([]);
    const shown = {};
    d.mounted(shown, { value: true });
    vi.advanceTimersByTime(300);
    d.unmounted(shown);
    expect(inner.calls).toEqual(['show', 'unmount']);
  });
});
