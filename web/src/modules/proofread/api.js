// The proofreading module's endpoints (docs/api.md, 内容校对): checks of
// text, documents, pictures and videos (open to every logged-in user), one's
// own history of checks with its reports, and the lexicons.
import { api, download, exportList, upload } from '@/api/client.js';
import { V, XLSX } from '@/api/index.js';

export const proofreadApi = {
  meta: () => api.get(`${V}/proofread/meta`),
  check: (body, opts) => api.post(`${V}/proofread`, body, opts),
  image: (file, onProgress) => upload(`${V}/proofread/image`, file, { field: 'file', onProgress }),
  video: (file, interval, onProgress) => upload(`${V}/proofread/video`, file, { field: 'file', fields: { interval }, onProgress }),
  videoJob: (id, opts) => api.get(`${V}/proofread/video/${id}`, undefined, opts),
  videoList: (q) => api.get(`${V}/proofread/video`, q),
  engine: () => api.get(`${V}/proofread/engine`),
  /** a document read by its content, checked and kept in the history → {promise, abort} */
  document: (file, fields, onProgress) => upload(`${V}/proofread/document`, file, { field: 'file', fields, onProgress }),
  history: (q) => api.get(`${V}/proofread/history`, q),
  historyExport: (q) => exportList(`${V}/proofread/history`, q, '我的校对记录.xlsx'),
  historyGet: (id, opts) => api.get(`${V}/proofread/history/${id}`, undefined, opts),
  historyRemove: (id, opts) => api.del(`${V}/proofread/history/${id}`, opts),
  /** format: docx (Word, with the marked text) or xlsx (the findings table) */
  report: (id, format) => download(`${V}/proofread/history/${id}/report`, { format }, `校对报告.${format}`),
};

export const lexiconApi = {
  list: (q) => api.get(`${V}/lexicons`, q),
  exportXlsx: (q) => exportList(`${V}/lexicons`, q, '词库.xlsx'),
  exportEntries: (id, q) => exportList(`${V}/lexicons/${id}/entries`, q, '词条.xlsx'),
  get: (id, opts) => api.get(`${V}/lexicons/${id}`, undefined, opts),
  // a taken name (409 conflict) is shown under the name field
  create: (body) => api.post(`${V}/lexicons`, body, { handled: [409] }),
  update: (id, body, opts = { handled: [409] }) => api.patch(`${V}/lexicons/${id}`, body, opts),
  remove: (id) => api.del(`${V}/lexicons/${id}`, { handled: [409] }),
  entries: (id, q) => api.get(`${V}/lexicons/${id}/entries`, q),
  // a word the lexicon already has (409 duplicate_word) is shown under the word field
  createEntry: (id, body) => api.post(`${V}/lexicons/${id}/entries`, body, { handled: [409] }),
  updateEntry: (id, entryId, body) => api.patch(`${V}/lexicons/${id}/entries/${entryId}`, body, { handled: [409] }),
  removeEntry: (id, entryId, opts) => api.del(`${V}/lexicons/${id}/entries/${entryId}`, opts),
  /** file: a Blob; .xlsx by its type, else UTF-8 text/plain */
  importFile: (id, file, onProgress) =>
    upload(`${V}/lexicons/${id}/import`, file, { contentType: file.type === XLSX ? XLSX : 'text/plain; charset=utf-8', onProgress }),
  exportTxt: (id, name) => download(`${V}/lexicons/${id}/export`, undefined, `${name || `词库${id}`}.txt`),
  history: (id, q) => api.get(`${V}/lexicons/${id}/history`, q),
};
