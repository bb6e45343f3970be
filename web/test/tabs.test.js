// The tabs above the pages (stores/tabs.js): the right-click menu's closing
// of groups around a tab, and tabs that survive F5 (sessionStorage) but not
// a logout.
import { describe, it, expect, beforeEach } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { useTabs } from '../src/stores/tabs.js';

const page = (path, title) => ({ path, fullPath: path, name: path.slice(1), meta: { title } });

function fresh() {
  setActivePinia(createPinia());
  return useTabs();
}

beforeEach(() => sessionStorage.clear());

describe('tabs', () => {
  function four() {
    sessionStorage.clear();
    const t = fresh();
    for (const [p, n] of [['/users', '用户管理'], ['/roles', '角色权限'], ['/audit', '操作日志'], ['/jobs', '任务调度']]) t.open(page(p, n));
    return t;
  }
  const keys = (t) => t.tabs.map((x) => x.key);

  it('closes the others, the left, the right or all, never the home tab', () => {
    let t = four();
    expect(t.closeMany('others', '/roles', '/roles')).toBe(null);
    expect(keys(t)).toEqual(['home', '/roles']);
    t = four();
    expect(t.closeMany('left', '/audit', '/audit')).toBe(null);
    expect(keys(t)).toEqual(['home', '/audit', '/jobs']);
    t = four();
    expect(t.closeMany('right', '/roles', '/jobs')).toBe('/roles'); // the active tab went: show the clicked one
    expect(keys(t)).toEqual(['home', '/users', '/roles']);
    t = four();
    expect(t.closeMany('all', '/roles', '/jobs')).toBe('/');
    expect(keys(t)).toEqual(['home']);
  });

  it('survives a reload of the page, and a logout forgets them', () => {
    four();
    const again = fresh(); // a new page life: the store starts from sessionStorage
    expect(keys(again)).toEqual(['home', '/users', '/roles', '/audit', '/jobs']);
    expect(again.tabs[1]).toMatchObject({ title: '用户管理', closable: true });
    again.reset();
    expect(keys(fresh())).toEqual(['home']);
  });

  it('ignores a damaged saved list', () => {
    sessionStorage.setItem('zhendi.tabs', '{"x":1}');
    expect(keys(fresh())).toEqual(['home']);
    sessionStorage.setItem('zhendi.tabs', '[{"key":1}]');
    expect(keys(fresh())).toEqual(['home']);
  });
});
