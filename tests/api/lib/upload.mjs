// Uploads for the API tests: a short test video made by ffmpeg's lavfi
// sources, a tus upload in one PATCH waited for until stored, and the wait
// for the storage module's media probe (duration, HLS ladder).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** an H.264/AAC mp4 of `seconds` in dir, as bytes */
export function makeVideo(dir, seconds = 4) {
  const mp4 = join(dir, `video-${seconds}.mp4`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=320x180:rate=25`, '-f', 'lavfi',
    '-i', `sine=duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', mp4]);
  return readFileSync(mp4);
}

const b64 = (s) => Buffer.from(String(s)).toString('base64');
const metadata = (m) => Object.entries(m).map(([k, v]) => `${k} ${b64(v)}`).join(',');

/** a tus upload in one PATCH, waited for until stored: its file id */
export async function upload(client, bytes, meta) {
  const c = await client.request('POST', '/api/v1/uploads', {
    headers: { 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': metadata(meta) },
  });
  assert.equal(c.status, 201, c.body);
  const url = c.headers.get('location');
  const p = await client.request('PATCH', url, {
    raw: bytes, headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
  });
  assert.equal(p.status, 204, p.body);
  let u;
  for (let i = 0; i < 600; i++) {
    u = (await client.get(url)).json;
    if (u.status !== 'processing' && u.status !== 'receiving') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(u.status, 'done', JSON.stringify(u));
  return u.file_id;
}

/** waits until the storage module made the file's media (duration, HLS) */
export async function mediaReady(client, fileId) {
  for (let i = 0; i < 900; i++) {
    const f = (await client.get(`/api/v1/storage/files/${fileId}`)).json;
    if (f?.media_status === 'ready') return f;
    assert.notEqual(f?.media_status, 'failed', f?.media_error);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('media not ready');
}
