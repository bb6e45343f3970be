// The knowledge-base endpoints (docs/kb.md): bases, the chunk preview,
// documents (JSON text or an uploaded file; indexing state), chunks with
// their history, and the hit test through the search service.
import { api, upload } from '@/api/client.js';
import { V } from '@/api/index.js';

export const kbApi = {
  list: (q) => api.get(`${V}/kb`, q),
  get: (id, opts) => api.get(`${V}/kb/${id}`, undefined, opts),
  create: (body) => api.post(`${V}/kb`, body),
  update: (id, body) => api.patch(`${V}/kb/${id}`, body),
  remove: (id) => api.del(`${V}/kb/${id}`),
  preview: (id, body) => api.post(`${V}/kb/${id}/chunk-preview`, body),
  docs: (id, q) => api.get(`${V}/kb/${id}/documents`, q),
  doc: (id, docId) => api.get(`${V}/kb/${id}/documents/${docId}`),
  addText: (id, body) => api.post(`${V}/kb/${id}/documents`, body),
  uploadFile: (id, file, onProgress) => upload(`${V}/kb/${id}/documents`, file, { field: 'file', onProgress }),
  reindex: (id, docId) => api.post(`${V}/kb/${id}/documents/${docId}/reindex`),
  removeDoc: (id, docId) => api.del(`${V}/kb/${id}/documents/${docId}`),
  chunks: (id, q) => api.get(`${V}/kb/${id}/chunks`, q),
  chunk: (id, cid) => api.get(`${V}/kb/${id}/chunks/${cid}`),
  addChunk: (id, body) => api.post(`${V}/kb/${id}/chunks`, body),
  updateChunk: (id, cid, body) => api.patch(`${V}/kb/${id}/chunks/${cid}`, body),
  removeChunk: (id, cid) => api.del(`${V}/kb/${id}/chunks/${cid}`),
  // p: {mode, top_k, semantic_weight, keyword_weight, score_threshold, fusion, embedding}
  hitTest: (kbId, q, p) =>
    api.post(`${V}/search`, {
      q, mode: p.mode, kinds: ['kb_chunk'], kb_ids: [kbId], top_k: p.top_k, facets: false, fuzzy: p.fuzzy !== false,
      ...(p.mode === 'keyword' ? {} : {
        weights: { semantic: p.semantic_weight, keyword: p.keyword_weight },
        score_threshold: p.score_threshold, fusion: p.fusion,
        // the base's own provider (openai bases are searched in the openai index)
        embedding: p.embedding === 'openai' ? 'openai' : 'local',
        ...(p.exact ? { exact: true } : {}),
      }),
    }),
};
