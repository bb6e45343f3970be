// The search service's endpoint (docs/search.md): GET /api/v1/search with
// q, mode, kinds, tags, attrs (name:value,…), district_id, from, to, order,
// page, page_size; answers the list envelope plus facets and terms.
import { api } from '@/api/client.js';
import { V } from '@/api/index.js';

export const searchApi = {
  search: (q) => api.get(`${V}/search`, q),
  query: (body) => api.post(`${V}/search`, body),
  embedding: () => api.get(`${V}/search/embedding`),
  saveEmbedding: (body) => api.put(`${V}/search/embedding`, body),
  testEmbedding: (body) => api.post(`${V}/search/embedding/test`, body),
};
