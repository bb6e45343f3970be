// Uploads bytes through the storage module's tus endpoint (/api/v1/uploads)
// as client and waits until the file is processed; returns its file id.
// meta: the Upload-Metadata pairs ({filename, purpose}).
import assert from 'node:assert/strict';

const b64 = (s) => Buffer.from(String(s)).toString('base64');

export async function upload(client, bytes, meta) {
  const m = Object.entries(meta).map(([k, v]) => `${k} ${b64(v)}`).join(',');
  const c = await client.request('POST', '/api/v1/uploads', {
    headers: { 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': m },
  });
  assert.equal(c.status, 201, c.body);
  const url = c.headers.get('location');
  const p = await client.request('PATCH', url, {
    raw: bytes, headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
  });
  assert.equal(p.status, 204, p.body);
  for (let i = 0; i < 600; i++) {
    const r = (await client.get(url)).json;
    if (r.status === 'done') return r.file_id;
    assert.ok(r.status === 'processing' || r.status === 'receiving', JSON.stringify(r));
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('upload still processing');
}
