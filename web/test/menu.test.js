// Permission → menu: the side menu shows exactly the pages the permissions
// allow, grouped in order, without empty groups; the same check guards URLs.
// The route table is the modules' (web/src/modules/*/routes.js), collected
// as the router collects it. Every logged-in user has 校真 and 接口文档.
import { describe, it, expect } from 'vitest';
import { buildMenu, canAccess, breadcrumbFor } from '../src/utils/menu.js';
import { layoutRoutes, menuGroups } from '../src/router/routes.js';

const DOCS = ['运维监控', '  接口文档']; // the API document: every logged-in user
const titles = (menu) => menu.flatMap((m) => (m.children ? [m.title, ...m.children.map((c) => `  ${c.title}`)] : [m.title]));

describe('canAccess', () => {
  it('accepts no requirement, a held code, or any of a list', () => {
    expect(canAccess(undefined, [])).toBe(true);
    expect(canAccess('user.read', ['user.read'])).toBe(true);
    expect(canAccess('user.read', ['user.write'])).toBe(false);
    expect(canAccess(['audit.read', 'audit.export'], ['audit.export'])).toBe(true);
    expect(canAccess(['audit.read'], new Set())).toBe(false);
  });
});

describe('buildMenu over the real route table', () => {
  it('a user with no permissions sees the home page, the message centre and 校真 (proofreading is for everyone)', () => {
    expect(titles(buildMenu(layoutRoutes, menuGroups, []))).toEqual(['首页', '消息中心', '内容校对', '  校真', ...DOCS]);
  });

  it('词库管理 needs lexicon.read; the lexicon detail page never appears in the menu', () => {
    expect(titles(buildMenu(layoutRoutes, menuGroups, ['lexicon.read']))).toEqual(['首页', '消息中心', '内容校对', '  校真', '  词库管理', ...DOCS]);
    expect(titles(buildMenu(layoutRoutes, menuGroups, ['lexicon.write'])).join('|')).not.toContain('词库管理');
    expect(titles(buildMenu(layoutRoutes, menuGroups, ['lexicon.read'])).join('|')).not.toContain('词库详情');
    const detail = layoutRoutes.find((r) => r.name === 'lexicon-detail');
    expect(canAccess(detail.meta.perm, ['org.read'])).toBe(false);
    expect(breadcrumbFor(detail, menuGroups).map((c) => c.title)).toEqual(['内容校对', '词库管理', '词库详情']);
  });

  it('an organisation worker sees organisations and jobs, nothing else', () => {
    const m = buildMenu(layoutRoutes, menuGroups, ['org.read', 'job.read']);
    expect(titles(m)).toEqual(['首页', '消息中心', '内容校对', '  校真', '组织与用户', '  组织机构', '运维监控', '  任务调度', '  接口文档']);
  });

  it('the audit administrator sees the audit log but no user management', () => {
    const m = buildMenu(layoutRoutes, menuGroups, ['audit.read', 'audit.export']);
    expect(titles(m)).toEqual(['首页', '消息中心', '内容校对', '  校真', '安全审计', '  操作日志', '  登录日志', ...DOCS]);
  });

  it('the security administrator sees roles, sessions and policy', () => {
    const m = buildMenu(layoutRoutes, menuGroups, ['role.read', 'role.write', 'session.read', 'security.read']);
    expect(titles(m)).toEqual(['首页', '消息中心', '内容校对', '  校真', '安全管理', '  角色权限', '  在线会话', '  安全策略', ...DOCS]);
  });

  it('hidden pages (job detail, profile, 403, 404) never appear', () => {
    const all = ['org.read', 'user.read', 'role.read', 'session.read', 'security.read', 'audit.read', 'job.read', 'system.read'];
    const flat = titles(buildMenu(layoutRoutes, menuGroups, all)).join('|');
    for (const t of ['任务详情', '个人中心', '无权访问', '页面不存在']) expect(flat).not.toContain(t);
    expect(flat).toContain('系统日志');
  });

  it('menu entries carry absolute paths', () => {
    const m = buildMenu(layoutRoutes, menuGroups, ['system.read']);
    expect(m.find((x) => x.key === 'ops').children.map((c) => c.path)).toEqual(['/system', '/system/logs', '/api-docs']);
  });
});

describe('breadcrumb', () => {
  it('is group › parent › page', () => {
    const r = layoutRoutes.find((x) => x.name === 'job-detail');
    expect(breadcrumbFor(r, menuGroups).map((c) => c.title)).toEqual(['运维监控', '任务调度', '任务详情']);
  });
});
