// One file up to the server and through its checks, as a promise: the
// storage module's tus transfer (../storage/upload.js: resumable, CSRF per
// request), then its ingest (virus scan, type by content, derivatives)
// until the upload is done — the file's id — or refused, with the server's
// reason. For the editor's pictures, the photos and the video of a
// submission; the submission then claims the file (it leaves the shared
// space).
import { TusTransfer, waitForIngest } from '@/modules/storage/upload.js';

/**
 * uploadFile(file, {purpose, org_id, userId, onProgress(pct), onState(state)})
 * → {promise: Promise<{file_id, upload}>, cancel()}. States: uploading,
 * checking (every byte sent, the server checks the file). The promise
 * rejects with an Error whose message is the server's reason.
 */
export function uploadFile(file, { purpose, org_id, userId, onProgress, onState } = {}) {
  let transfer = null;
  let poll = null;
  let cancelled = false;
  const promise = new Promise((resolve, reject) => {
    transfer = new TusTransfer(
      file,
      { filename: file.name, purpose, org_id },
      {
        onProgress: (sent, total) => onProgress?.(total ? Math.min(99, Math.floor((sent / total) * 100)) : 0),
        onSuccess: (id) => {
          if (cancelled) return;
          onState?.('checking');
          poll = waitForIngest(id);
          poll.promise
            .then((u) => {
              if (u.status === 'done' && u.file_id) {
                onProgress?.(100);
                resolve({ file_id: u.file_id, upload: u });
              } else reject(new Error(u.error || '文件未通过检查'));
            })
            .catch((e) => reject(new Error(`无法获取处理结果：${e.message}`)));
        },
        onError: (message) => reject(new Error(message)),
      },
      { userId },
    );
    onState?.('uploading');
    transfer.start().catch((e) => reject(new Error(e?.message || '无法开始上传')));
  });
  return {
    promise,
    async cancel() {
      cancelled = true;
      poll?.stop();
      await transfer?.cancel();
    },
  };
}
