// A short video (ffmpeg's lavfi test source) uploaded through tus by a
// signed-in API client and waited for until the storage module has probed
// it (media_status ready): the lessons of the course browser tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const b64 = (s) => Buffer.from(s).toString('base64');

export async function uploadVideo(client, seconds, size = '320x180') {
  const dir = mkdtempSync(join(tmpdir(), 'zhendi-e2e-video-'));
  try {
    const mp4 = join(dir, 'v.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${size}:rate=25`, '-f', 'lavfi',
      '-i', `sine=duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', mp4]);
    const bytes = readFileSync(mp4);
    const c = await client.request('POST', '/api/v1/uploads', { headers: { 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': `filename ${b64('课时.mp4')},purpose ${b64('video')}` } });
    const url = c.headers.get('location');
    await client.request('PATCH', url, { raw: bytes, headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' } });
    for (let i = 0; i < 1200; i++) {
      const u = (await client.get(url)).json;
      if (u.status === 'done') {
        const f = (await client.get(`/api/v1/storage/files/${u.file_id}`)).json;
        if (f.media_status === 'ready') return u.file_id;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('video not ready');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
