// The grid module's endpoints (docs/grid.md): grids (list, GeoJSON, locate,
// import) and service sites.
import { api, download, exportList, upload } from '@/api/client.js';
import { V, XLSX } from '@/api/index.js';

export const gridApi = {
  list: (q) => api.get(`${V}/grids`, q),
  get: (id) => api.get(`${V}/grids/${id}`),
  geojson: (q) => api.get(`${V}/grids/geojson`, q),
  // the light outlines for the map (cached by the server, ETag: the browser revalidates)
  outlines: (q) => api.get(`${V}/grids/outlines`, q),
  mapConfig: () => api.get(`${V}/grids/map-config`),
  districtOutlines: (q) => api.get(`${V}/grids/district-outlines`, q),
  locate: (lon, lat) => api.get(`${V}/grids/locate`, { lon, lat }),
  create: (body) => api.post(`${V}/grids`, body),
  update: (id, body) => api.patch(`${V}/grids/${id}`, body),
  remove: (id) => api.del(`${V}/grids/${id}`),
  import: (body) => api.post(`${V}/grids/import`, body),
  exportXlsx: (q) => exportList(`${V}/grids`, q, '网格.xlsx'),
};

export const siteApi = {
  list: (q) => api.get(`${V}/sites`, q),
  get: (id) => api.get(`${V}/sites/${id}`),
  create: (body, opts) => api.post(`${V}/sites`, body, opts),
  update: (id, body, opts) => api.patch(`${V}/sites/${id}`, body, opts),
  remove: (id) => api.del(`${V}/sites/${id}`),
  exportXlsx: (q) => exportList(`${V}/sites`, q, '阵地.xlsx'),
};

export const contractApi = {
  commissioners: (q) => api.get(`${V}/commissioners`, q),
  createCommissioner: (body, opts) => api.post(`${V}/commissioners`, body, opts),
  updateCommissioner: (id, body, opts) => api.patch(`${V}/commissioners/${id}`, body, opts),
  removeCommissioner: (id) => api.del(`${V}/commissioners/${id}`),
  exportCommissioners: (q) => exportList(`${V}/commissioners`, q, '党建服务专员.xlsx'),
  ofSite: (id) => api.get(`${V}/sites/${id}/contracts`),
  bindOrg: (id, orgId) => api.post(`${V}/sites/${id}/orgs`, { org_id: orgId }),
  unbindOrg: (id, orgId) => api.del(`${V}/sites/${id}/orgs/${orgId}`),
  bindCommissioner: (id, cid) => api.post(`${V}/sites/${id}/commissioners`, { commissioner_id: cid }),
  unbindCommissioner: (id, cid) => api.del(`${V}/sites/${id}/commissioners/${cid}`),
  stats: (by) => api.get(`${V}/contracting/stats`, { by }),
};

// activities of the sites and the coverage of the contracted organisations
export const activityApi = {
  list: (q) => api.get(`${V}/site-activities`, q),
  get: (id) => api.get(`${V}/site-activities/${id}`),
  create: (body, opts) => api.post(`${V}/site-activities`, body, opts),
  update: (id, body, opts) => api.patch(`${V}/site-activities/${id}`, body, opts),
  remove: (id) => api.del(`${V}/site-activities/${id}`),
  exportXlsx: (q) => exportList(`${V}/site-activities`, q, '阵地活动.xlsx'),
  coverage: (q) => api.get(`${V}/site-activities/coverage`, q),
  exportCoverage: (q) => exportList(`${V}/site-activities/coverage`, q, '包干组织参与统计清单.xlsx'),
  importTemplate: () => download(`${V}/site-activities/import-template`, undefined, '阵地活动导入模板.xlsx'),
  // a refused file answers 422 with the rows' reasons: the dialog shows them
  importXlsx: (file, onProgress) => upload(`${V}/site-activities/import`, file, { contentType: XLSX, onProgress, silent: true }),
};

// portraits (整体画像) and the dashboard's indicators of every site
export const portraitApi = {
  get: (q) => api.get(`${V}/site-portraits`, q),
  sites: (q) => api.get(`${V}/site-portraits/sites`, q),
  // every site's marker and indicators, compact: {columns, items: [[…], …]}
  map: (q) => api.get(`${V}/site-portraits/map`, q),
};

// the big-data center connector (docs/bigdata-protocol.md)
export const bigdataApi = {
  settings: () => api.get(`${V}/bigdata/settings`),
  saveSettings: (body, opts) => api.put(`${V}/bigdata/settings`, body, opts),
  test: (body) => api.post(`${V}/bigdata/test`, body),
  orgMap: (q) => api.get(`${V}/bigdata/org-map`, q),
  addOrgMap: (body) => api.post(`${V}/bigdata/org-map`, body),
  removeOrgMap: (id) => api.del(`${V}/bigdata/org-map/${id}`),
  exportOrgMap: (q) => exportList(`${V}/bigdata/org-map`, q, '组织编码对照.xlsx'),
  runs: (q) => api.get(`${V}/bigdata/runs`, q),
  run: (id) => api.get(`${V}/bigdata/runs/${id}`),
  start: (full) => api.post(`${V}/bigdata/runs`, { full: !!full }),
  exportRuns: (q) => exportList(`${V}/bigdata/runs`, q, '同步记录.xlsx'),
  outbox: (q) => api.get(`${V}/bigdata/outbox`, q),
  retry: (id) => api.post(`${V}/bigdata/outbox/${id}/retry`, {}),
  exportOutbox: (q) => exportList(`${V}/bigdata/outbox`, q, '阵地推送队列.xlsx'),
};
