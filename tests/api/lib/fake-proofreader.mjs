// A fake external proofreading service speaking the protocol of
// src/text/extcheck.h (docs/text-engine.md): POST JSON {"text","offsets",
// "request_id"} with "Authorization: Bearer <key>", answers
// {"findings":[{start,end,category,severity,suggestion,message}]} with code
// point offsets. It reports every occurrence of each word in `words` and
// records the requests it saw.
//
//   const fake = await startFakeProofreader({ key: 'k', words: { 外部词: 'sensitive' } });
//   fake.url; fake.requests; await fake.close();
import http from 'node:http';

export async function startFakeProofreader({ key = '', words = {}, delayMs = 0, status = 200 } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const auth = req.headers.authorization || '';
      requests.push({ method: req.method, auth, requestId: req.headers['x-request-id'], body });
      const answer = (code, obj) => {
        setTimeout(() => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(obj));
        }, delayMs);
      };
      if (key && auth !== `Bearer ${key}`) return answer(401, { error: 'bad key' });
      if (status !== 200) return answer(status, { error: 'failing on purpose' });
      let text;
      try { text = JSON.parse(body).text; } catch { return answer(400, { error: 'bad json' }); }
      const chars = Array.from(text); // code points
      const findings = [];
      for (const [word, category] of Object.entries(words)) {
        const w = Array.from(word);
        for (let i = 0; i + w.length <= chars.length; i++) {
          if (w.every((c, j) => chars[i + j] === c)) {
            findings.push({ start: i, end: i + w.length, category, severity: 'block', suggestion: null, message: '外部服务发现' });
          }
        }
      }
      answer(200, { findings });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/check`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
