// The grid module's console pages (网格阵地, docs/grid.md): the grids with
// their GeoJSON import, the service sites with a map picker, and the map of
// grids and sites. Collected by router/modules.js.
import { markRaw } from 'vue';
import { MapLocation, Grid, OfficeBuilding, Location, User, DataAnalysis, Connection, Calendar, PieChart, TrendCharts } from '@element-plus/icons-vue';

export default {
  name: 'grid',
  title: '网格阵地',
  order: 19.5,
  menuGroups: [{ key: 'grid', title: '网格阵地', icon: markRaw(MapLocation), order: 19.5 }],
  routes: [
    {
      path: 'grid/map',
      name: 'grid-map',
      component: () => import('./views/MapPage.vue'),
      meta: { title: '网格地图', group: 'grid', icon: markRaw(Location), perm: 'grid.read' },
    },
    {
      path: 'grid/grids',
      name: 'grid-grids',
      component: () => import('./views/GridsPage.vue'),
      meta: { title: '网格管理', group: 'grid', icon: markRaw(Grid), perm: 'grid.read' },
    },
    {
      path: 'grid/sites',
      name: 'grid-sites',
      component: () => import('./views/SitesPage.vue'),
      meta: { title: '阵地管理', group: 'grid', icon: markRaw(OfficeBuilding), perm: 'site.read' },
    },
    {
      path: 'grid/activities',
      name: 'grid-activities',
      component: () => import('./views/ActivitiesPage.vue'),
      meta: { title: '阵地活动', group: 'grid', icon: markRaw(Calendar), perm: 'site.read' },
    },
    {
      path: 'grid/coverage',
      name: 'grid-coverage',
      component: () => import('./views/CoveragePage.vue'),
      meta: { title: '包干组织参与', group: 'grid', icon: markRaw(PieChart), perm: 'site.read' },
    },
    {
      path: 'grid/portrait',
      name: 'grid-portrait',
      component: () => import('./views/PortraitPage.vue'),
      meta: { title: '整体画像', group: 'grid', icon: markRaw(TrendCharts), perm: 'site.read' },
    },
    {
      path: 'grid/commissioners',
      name: 'grid-commissioners',
      component: () => import('./views/CommissionersPage.vue'),
      meta: { title: '党建服务专员', group: 'grid', icon: markRaw(User), perm: 'site.read' },
    },
    {
      path: 'grid/contracting',
      name: 'grid-contracting',
      component: () => import('./views/ContractStats.vue'),
      meta: { title: '包干统计', group: 'grid', icon: markRaw(DataAnalysis), perm: 'site.read' },
    },
    {
      path: 'grid/bigdata',
      name: 'grid-bigdata',
      component: () => import('./views/BigdataPage.vue'),
      meta: { title: '大数据中心同步', group: 'grid', icon: markRaw(Connection), perm: 'bigdata.read' },
    },
  ],
};
