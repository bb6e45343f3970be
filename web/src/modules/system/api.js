// The system module's endpoints (docs/api.md, 系统运维): jobs, runs and
// schedules, the system's state and logs, and the API document.
import { api, download, exportList } from '@/api/client.js';
import { V } from '@/api/index.js';

export const jobApi = {
  list: (q, opts) => api.get(`${V}/jobs`, q, opts),
  get: (id, opts) => api.get(`${V}/jobs/${id}`, undefined, opts),
  retry: (id) => api.post(`${V}/jobs/${id}/retry`),
  cancel: (id) => api.post(`${V}/jobs/${id}/cancel`),
  kinds: () => api.get(`${V}/job-kinds`),
  runs: (q) => api.get(`${V}/job-runs`, q),
  exportJobs: (q) => exportList(`${V}/jobs`, q, '任务.xlsx'),
  exportSchedules: (q) => exportList(`${V}/schedules`, q, '定时任务.xlsx'),
  exportRuns: (q) => exportList(`${V}/job-runs`, q, '任务执行记录.xlsx'),
  schedules: (q) => api.get(`${V}/schedules`, q),
  schedule: (id) => api.get(`${V}/schedules/${id}`),
  updateSchedule: (id, body) => api.patch(`${V}/schedules/${id}`, body),
  pause: (id) => api.post(`${V}/schedules/${id}/pause`),
  resume: (id) => api.post(`${V}/schedules/${id}/resume`),
  runNow: (id) => api.post(`${V}/schedules/${id}/run`),
};

export const systemApi = {
  health: () => api.get('/healthz', undefined, { silent: true }),
  info: () => api.get(`${V}/system/info`),
  logs: (q) => api.get(`${V}/system/logs`, q),
  logFiles: () => api.get(`${V}/system/log-files`),
  downloadLogFile: (name) => download(`${V}/system/log-files/${encodeURIComponent(name)}`, undefined, name),
  // the OpenAPI 3.1 document generated from every module's route table (接口文档)
  openapi: () => api.get(`${V}/openapi.json`),
  downloadOpenapi: () => download(`${V}/openapi.json`, undefined, 'zhendi-openapi.json'),
};
