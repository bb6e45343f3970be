// The submission module's endpoints (基层投稿, src/modules/submission/):
// articles, photo sets and their photos, videos; images used in an
// article's body; each kind's submit and withdraw (the review itself goes
// through the review module's endpoints, ../review/api.js).
import { api } from '@/api/client.js';
import { V } from '@/api/index.js';

export const articleApi = {
  list: (q) => api.get(`${V}/articles`, q),
  get: (id, opts) => api.get(`${V}/articles/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/articles`, body),
  update: (id, body) => api.patch(`${V}/articles/${id}`, body),
  remove: (id) => api.del(`${V}/articles/${id}`, { handled: [409] }),
  // 422 proofread_block (findings in the answer) and 409 are shown in place
  submit: (id) => api.post(`${V}/articles/${id}/submit`, undefined, { handled: [409, 422, 503] }),
  withdraw: (id) => api.post(`${V}/articles/${id}/withdraw`, undefined, { handled: [409] }),
  check: (body) => api.post(`${V}/articles/check`, body, { handled: [503], toast422: true }),
};

export const photoSetApi = {
  list: (q) => api.get(`${V}/photo-sets`, q),
  get: (id, opts) => api.get(`${V}/photo-sets/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/photo-sets`, body),
  update: (id, body) => api.patch(`${V}/photo-sets/${id}`, body),
  remove: (id) => api.del(`${V}/photo-sets/${id}`, { handled: [409] }),
  submit: (id) => api.post(`${V}/photo-sets/${id}/submit`, undefined, { handled: [409, 422, 503] }),
  withdraw: (id) => api.post(`${V}/photo-sets/${id}/withdraw`, undefined, { handled: [409] }),
};

export const photoApi = {
  list: (q) => api.get(`${V}/photos`, q),
  update: (id, body) => api.patch(`${V}/photos/${id}`, body, { handled: [409] }),
  remove: (id) => api.del(`${V}/photos/${id}`, { handled: [409] }),
};
/** a photo's bytes: original (submission.download), web (default), thumb_m, thumb_s */
export const photoUrl = (id, variant = 'web') => `${V}/photos/${id}/file?variant=${variant}`;

export const videoApi = {
  list: (q) => api.get(`${V}/videos`, q),
  get: (id, opts) => api.get(`${V}/videos/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/videos`, body),
  update: (id, body) => api.patch(`${V}/videos/${id}`, body),
  /** the uploaded video file of a submission created without one, or a replacement */
  setFile: (id, fileId) => api.post(`${V}/videos/${id}/file`, { file_id: fileId }),
  remove: (id) => api.del(`${V}/videos/${id}`, { handled: [409] }),
  submit: (id) => api.post(`${V}/videos/${id}/submit`, undefined, { handled: [409, 422, 503] }),
  withdraw: (id) => api.post(`${V}/videos/${id}/withdraw`, undefined, { handled: [409] }),
};
export const videoFileUrl = (id) => `${V}/videos/${id}/file`;

export const submissionFileApi = {
  /** an uploaded picture (its storage file) for an article's body → {file_id, url} */
  attach: (fileId) => api.post(`${V}/submission/files`, { file_id: fileId }),
};
