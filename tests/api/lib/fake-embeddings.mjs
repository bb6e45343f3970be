// A fake OpenAI-compatible embeddings service (docs/search.md § The openai
// provider): POST /v1/embeddings {"model","input":[...]} with
// "Authorization: Bearer <key>" answers {"object":"list","data":[{"object":
// "embedding","index","embedding":[…]}],"model","usage"}. Vectors are
// deterministic: character bigrams hashed into `dim` buckets (so texts
// sharing words are near, as with a real model), L2-normalised.
// Errors speak the real protocol: {"error":{"message","type","code"}}.
//
// Modes (fake.mode = …, changeable while running):
//   'ok'      — answers
//   'limit'   — the next `fake.limitCount` requests get 429 with
//               Retry-After: `fake.retryAfter` seconds, then answers
//   'hang'    — never answers (the socket stays open)
//   'error'   — 500 with an error body
//
//   const fake = await startFakeEmbeddings({ key: 'sk-test', dim: 64 });
//   fake.url; fake.requests; fake.mode = 'hang'; await fake.close();
import http from 'node:http';
import crypto from 'node:crypto';

export function fakeVector(text, dim) {
  const v = new Float64Array(dim);
  const chars = Array.from(String(text).replace(/\s+/g, ''));
  for (let i = 0; i + 1 < chars.length; i++) {
    const h = crypto.createHash('md5').update(chars[i] + chars[i + 1]).digest();
    v[h.readUInt32LE(0) % dim] += 1;
  }
  if (chars.length === 1) v[crypto.createHash('md5').update(chars[0]).digest().readUInt32LE(0) % dim] += 1;
  const n = Math.hypot(...v) || 1;
  return Array.from(v, (x) => Math.round((x / n) * 1e6) / 1e6);
}

export async function startFakeEmbeddings({ key = '', dim = 64, model = 'fake-embed' } = {}) {
  const requests = [];
  const sockets = new Set();
  const fake = { mode: 'ok', limitCount: 1, retryAfter: 1, requests, dim };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const auth = req.headers.authorization || '';
      const entry = { method: req.method, path: req.url, auth, body, at: Date.now() };
      requests.push(entry);
      const send = (code, obj, headers = {}) => {
        res.writeHead(code, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(obj));
      };
      const error = (code, message, type, errCode, headers) =>
        send(code, { error: { message, type, code: errCode } }, headers);
      if (fake.mode === 'hang') return; // never answers
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        return error(404, `Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url');
      }
      if (key && auth !== `Bearer ${key}`) {
        return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      }
      if (fake.mode === 'limit' && fake.limitCount > 0) {
        fake.limitCount--;
        entry.limited = true;
        return error(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded', {
          'retry-after': String(fake.retryAfter),
        });
      }
      if (fake.mode === 'error') return error(500, 'The server had an error while processing your request.', 'server_error', null);
      let j;
      try { j = JSON.parse(body); } catch { return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null); }
      const input = typeof j.input === 'string' ? [j.input] : j.input;
      if (!Array.isArray(input) || !input.length || !j.model) {
        return error(400, "'input' and 'model' are required", 'invalid_request_error', null);
      }
      entry.inputs = input.length;
      // answer out of order, as the protocol allows: clients must use index
      const data = input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t, dim) })).reverse();
      send(200, { object: 'list', data, model: j.model || model, usage: { prompt_tokens: 1, total_tokens: 1 } });
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(resolve);
  });
  return fake;
}
