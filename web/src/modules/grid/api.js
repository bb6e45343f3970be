// The grid module's endpoints (docs/grid.md): grids (list, GeoJSON, locate,
// import) and service sites.
import { api, exportList } from '@/api/client.js';
import { V } from '@/api/index.js';

export const gridApi = {
  list: (q) => api.get(`${V}/grids`, q),
  get: (id) => api.get(`${V}/grids/${id}`),
  geojson: (q) => api.get(`${V}/grids/geojson`, q),
  mapConfig: () => api.get(`${V}/grids/map-config`),
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
