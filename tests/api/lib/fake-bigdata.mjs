// A fake city big-data center speaking docs/bigdata-protocol.md: signed
// requests (HMAC-SM3 or HMAC-SHA256 over method, path, timestamp, nonce and
// body digest; refused with 401 when wrong, stale or replayed), grids paged
// by an opaque cursor in change order, idempotent site upserts keyed by
// Idempotency-Key, and the faults the tests need: 429 with Retry-After, a
// connection cut in the middle of a pull, an outage, lost answers and 5xx
// on pushes.
//
//   const fake = await startFakeCenter({ appKey: 'zhendi', secret: 's3cret' });
//   fake.putGrid({ code, name, org_code, geometry });   fake.deleteGrid(code);
//   (geometry is served as given: in EPSG:4549 metres for a center whose setting crs says so)
//   fake.faults.cutAfterPages = 1;   fake.faults.down = true;   fake.faults.status429 = 1;
//   fake.faults.pushLoseAnswer = 1;  fake.faults.push500 = 1;
//   fake.sites.get(externalId) → { record, version, applied, received }
//   await fake.stop();
import { createServer } from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function sign({ method = 'HMAC-SM3', secret, verb, path, timestamp, nonce, body = '' }) {
  const algo = method === 'HMAC-SHA256' ? 'sha256' : 'sm3';
  const digest = createHash(algo).update(body).digest('hex');
  const signature = createHmac(algo, secret).update([verb, path, timestamp, nonce, digest].join('\n')).digest('hex');
  return { digest, signature };
}

export async function startFakeCenter({ appKey = 'zhendi', secret = 'fake-secret', base = '/gw' } = {}) {
  let seq = 0;
  const grids = new Map(); // code → { ...grid, seq }
  const sites = new Map(); // external_id → { record, version, applied, received }
  const idem = new Map(); // Idempotency-Key → answer
  const nonces = new Set();
  const faults = { cutAfterPages: 0, down: false, status429: 0, pushLoseAnswer: 0, push500: 0 };
  const stats = { requests: 0, badSignatures: 0, pages: 0, puts: 0, status429: 0 };
  const sockets = new Set();

  const json = (res, status, obj, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(obj));
  };

  function verify(req, body) {
    const h = (n) => req.headers[n.toLowerCase()] || '';
    const method = h('X-Zd-Signature-Method');
    if (h('X-Zd-App-Key') !== appKey || !['HMAC-SM3', 'HMAC-SHA256'].includes(method)) return false;
    const ts = Number(h('X-Zd-Timestamp'));
    if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return false;
    const nonce = h('X-Zd-Nonce');
    if (!/^[0-9a-f]{32}$/.test(nonce) || nonces.has(nonce)) return false;
    const { digest, signature } = sign({ method, secret, verb: req.method, path: req.url, timestamp: h('X-Zd-Timestamp'), nonce, body });
    if (digest !== h('X-Zd-Content-Digest')) return false;
    const got = Buffer.from(h('X-Zd-Signature'));
    const want = Buffer.from(signature);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return false;
    nonces.add(nonce);
    return true;
  }

  const server = createServer((req, res) => {
    let chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      stats.requests++;
      if (faults.down) {
        req.socket.destroy();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      if (!req.url.startsWith(base + '/')) return json(res, 404, { code: 'not_found', message: 'no such path' });
      if (!verify(req, body)) {
        stats.badSignatures++;
        return json(res, 401, { code: 'bad_signature', message: 'signature does not verify' });
      }
      if (faults.status429 > 0) {
        faults.status429--;
        stats.status429++;
        return json(res, 429, { code: 'rate_limited', message: 'slow down' }, { 'Retry-After': '1' });
      }
      const u = new URL(req.url, 'http://x');
      const path = u.pathname.slice(base.length);
      if (req.method === 'GET' && path === '/v1/ping') return json(res, 200, { time: new Date().toISOString() });
      if (req.method === 'GET' && path === '/v1/grids') {
        const cursor = u.searchParams.get('cursor') || '';
        const after = cursor ? Number(Buffer.from(cursor, 'base64url').toString().replace(/^seq:/, '')) : 0;
        if (!Number.isInteger(after) || after < 0) return json(res, 400, { code: 'bad_cursor', message: 'cursor' });
        const limit = Math.min(Math.max(Number(u.searchParams.get('limit')) || 100, 1), 1000);
        const all = [...grids.values()].filter((g) => g.seq > after).sort((a, b) => a.seq - b.seq);
        const items = all.slice(0, limit);
        const last = items.length ? items[items.length - 1].seq : after;
        stats.pages++;
        if (faults.cutAfterPages > 0 && stats.pages > faults.cutAfterPages) {
          faults.cutAfterPages = 0;
          req.socket.destroy(); // the disconnect in the middle of a pull
          return;
        }
        return json(res, 200, {
          items: items.map(({ seq: _s, ...g }) => g),
          next_cursor: Buffer.from(`seq:${last}`).toString('base64url'),
          has_more: all.length > items.length,
        });
      }
      const m = /^\/v1\/sites\/([0-9a-zA-Z-]{1,64})$/.exec(path);
      if (req.method === 'PUT' && m) {
        stats.puts++;
        const key = req.headers['idempotency-key'];
        if (!key) return json(res, 400, { code: 'idempotency_key_required', message: 'Idempotency-Key' });
        if (faults.push500 > 0) {
          faults.push500--;
          return json(res, 503, { code: 'unavailable', message: 'try later' });
        }
        let rec;
        try {
          rec = JSON.parse(body);
        } catch {
          return json(res, 400, { code: 'bad_json', message: 'body' });
        }
        if (rec.external_id !== m[1] || !Number.isInteger(rec.version))
          return json(res, 422, { code: 'invalid', message: 'external_id or version' });
        let s = sites.get(m[1]);
        if (!s) sites.set(m[1], (s = { record: null, version: 0, applied: 0, received: 0, keys: [] }));
        s.received++;
        let answer = idem.get(key);
        if (!answer) {
          const applied = rec.version > s.version;
          if (applied) {
            s.record = rec;
            s.version = rec.version;
            s.applied++;
            s.keys.push(key);
          }
          answer = { external_id: m[1], version: s.version, applied };
          idem.set(key, answer);
        }
        if (faults.pushLoseAnswer > 0) {
          faults.pushLoseAnswer--;
          req.socket.destroy(); // applied, but the answer never arrives
          return;
        }
        return json(res, 200, answer);
      }
      return json(res, 404, { code: 'not_found', message: 'no such endpoint' });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}${base}`;

  return {
    url,
    appKey,
    secret,
    grids,
    sites,
    faults,
    stats,
    putGrid(g) {
      grids.set(g.code, { attributes: {}, deleted: false, ...g, updated_at: new Date().toISOString(), seq: ++seq });
    },
    deleteGrid(code) {
      grids.set(code, { code, deleted: true, updated_at: new Date().toISOString(), seq: ++seq });
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
