// The console's page table. Each page under the layout declares its title,
// menu group, icon and the permission it needs (a code, or an array: any
// of). The side menu, the breadcrumb, the tabs and the 403 check are all
// derived from this table (utils/menu.js). A later module adds its pages by
// adding rows here (and a group to menuGroups when it needs a new one).
// Components are dynamic imports: one chunk per page.

export const menuGroups = [
  { key: 'proofread', title: '内容校对', icon: 'EditPen' },
  { key: 'org', title: '组织与用户', icon: 'OfficeBuilding' },
  { key: 'security', title: '安全管理', icon: 'Lock' },
  { key: 'audit', title: '安全审计', icon: 'Document' },
  { key: 'ops', title: '运维监控', icon: 'Monitor' },
];

export const layoutRoutes = [
  { path: '', name: 'home', component: () => import('@/views/Dashboard.vue'), meta: { title: '首页', icon: 'HomeFilled' } },
  {
    path: 'proofread',
    name: 'proofread',
    component: () => import('@/views/proofread/ProofreadPage.vue'),
    meta: { title: '校真', group: 'proofread', icon: 'DocumentChecked' },
  },
  {
    path: 'lexicons',
    name: 'lexicons',
    component: () => import('@/views/lexicon/LexiconList.vue'),
    meta: { title: '词库管理', group: 'proofread', icon: 'Collection', perm: 'lexicon.read' },
  },
  {
    path: 'lexicons/:id(\\d+)',
    name: 'lexicon-detail',
    component: () => import('@/views/lexicon/LexiconDetail.vue'),
    meta: {
      title: '词库详情',
      group: 'proofread',
      perm: 'lexicon.read',
      menu: false,
      parentTitle: '词库管理',
      parentPath: '/lexicons',
      tabTitle: (r) => `词库 #${r.params.id}`,
    },
  },
  {
    path: 'orgs',
    name: 'orgs',
    component: () => import('@/views/org/OrgPage.vue'),
    meta: { title: '组织机构', group: 'org', icon: 'OfficeBuilding', perm: 'org.read' },
  },
  {
    path: 'users',
    name: 'users',
    component: () => import('@/views/user/UserList.vue'),
    meta: { title: '用户管理', group: 'org', icon: 'User', perm: 'user.read' },
  },
  {
    path: 'roles',
    name: 'roles',
    component: () => import('@/views/role/RoleList.vue'),
    meta: { title: '角色权限', group: 'security', icon: 'Key', perm: 'role.read' },
  },
  {
    path: 'sessions',
    name: 'sessions',
    component: () => import('@/views/session/SessionList.vue'),
    meta: { title: '在线会话', group: 'security', icon: 'Connection', perm: 'session.read' },
  },
  {
    path: 'security/policy',
    name: 'policy',
    component: () => import('@/views/security/PolicyForm.vue'),
    meta: { title: '安全策略', group: 'security', icon: 'SetUp', perm: 'security.read' },
  },
  {
    path: 'audit',
    name: 'audit',
    component: () => import('@/views/audit/AuditLog.vue'),
    meta: { title: '审计日志', group: 'audit', icon: 'Tickets', perm: 'audit.read' },
  },
  {
    path: 'jobs',
    name: 'jobs',
    component: () => import('@/views/jobs/JobsPage.vue'),
    meta: { title: '任务调度', group: 'ops', icon: 'Timer', perm: 'job.read' },
  },
  {
    path: 'jobs/:id(\\d+)',
    name: 'job-detail',
    component: () => import('@/views/jobs/JobDetail.vue'),
    meta: {
      title: '任务详情',
      group: 'ops',
      perm: 'job.read',
      menu: false,
      parentTitle: '任务调度',
      parentPath: '/jobs',
      tabTitle: (r) => `任务 #${r.params.id}`,
    },
  },
  {
    path: 'system',
    name: 'system',
    component: () => import('@/views/system/SystemStatus.vue'),
    meta: { title: '系统状态', group: 'ops', icon: 'Odometer', perm: 'system.read' },
  },
  {
    path: 'system/logs',
    name: 'logs',
    component: () => import('@/views/system/LogViewer.vue'),
    meta: { title: '系统日志', group: 'ops', icon: 'Notebook', perm: 'system.read' },
  },
  {
    path: 'profile',
    name: 'profile',
    component: () => import('@/views/profile/ProfilePage.vue'),
    meta: { title: '个人中心', menu: false },
  },
  {
    path: '403',
    name: 'forbidden',
    component: () => import('@/views/Forbidden.vue'),
    meta: { title: '无权访问', menu: false, noTab: true },
  },
  {
    path: ':pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFound.vue'),
    meta: { title: '页面不存在', menu: false, noTab: true },
  },
];

export const routes = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginPage.vue'), meta: { public: true, title: '登录' } },
  {
    path: '/change-password',
    name: 'change-password',
    component: () => import('@/views/ChangePassword.vue'),
    meta: { title: '修改密码', bare: true },
  },
  {
    path: '/setup-totp',
    name: 'setup-totp',
    component: () => import('@/views/SetupTotp.vue'),
    meta: { title: '绑定动态口令', bare: true },
  },
  { path: '/', component: () => import('@/layout/AppLayout.vue'), children: layoutRoutes },
];
