// The identity module's pages (身份与权限): organisations and users, roles,
// sessions and the security policy, the audit log, and the personal centre.
// The router and the side menu collect this table with every other
// module's (router/modules.js); see web/README.md "Adding a module's pages".
// The login, forced password change and TOTP enrolment pages are the
// shell's (router/routes.js): the router needs them before any module.

export default {
  name: 'identity',
  title: '身份与权限',
  order: 20,
  menuGroups: [
    { key: 'org', title: '组织与用户', icon: 'OfficeBuilding', order: 20 },
    { key: 'security', title: '安全管理', icon: 'Lock', order: 30 },
    { key: 'audit', title: '安全审计', icon: 'Document', order: 40 },
  ],
  routes: [
    {
      path: 'orgs',
      name: 'orgs',
      component: () => import('./views/org/OrgPage.vue'),
      meta: { title: '组织机构', group: 'org', icon: 'OfficeBuilding', perm: 'org.read' },
    },
    {
      path: 'users',
      name: 'users',
      component: () => import('./views/user/UserList.vue'),
      meta: { title: '用户管理', group: 'org', icon: 'User', perm: 'user.read' },
    },
    {
      path: 'roles',
      name: 'roles',
      component: () => import('./views/role/RoleList.vue'),
      meta: { title: '角色权限', group: 'security', icon: 'Key', perm: 'role.read' },
    },
    {
      path: 'sessions',
      name: 'sessions',
      component: () => import('./views/session/SessionList.vue'),
      meta: { title: '在线会话', group: 'security', icon: 'Connection', perm: 'session.read' },
    },
    {
      path: 'security/policy',
      name: 'policy',
      component: () => import('./views/security/PolicyForm.vue'),
      meta: { title: '安全策略', group: 'security', icon: 'SetUp', perm: 'security.read' },
    },
    // one audit store, two views with their own filters
    {
      path: 'audit',
      name: 'audit',
      component: () => import('./views/audit/AuditLog.vue'),
      props: { kind: 'operation' },
      meta: { title: '操作日志', group: 'audit', icon: 'Tickets', perm: 'audit.read' },
    },
    {
      path: 'audit/login',
      name: 'audit-login',
      component: () => import('./views/audit/AuditLog.vue'),
      props: { kind: 'login' },
      meta: { title: '登录日志', group: 'audit', icon: 'Key', perm: 'audit.read' },
    },
    {
      path: 'profile',
      name: 'profile',
      component: () => import('./views/profile/ProfilePage.vue'),
      meta: { title: '个人中心', menu: false },
    },
  ],
};
