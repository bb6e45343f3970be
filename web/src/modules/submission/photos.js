// The photos chosen in components/PhotoPicker.vue, for the server.
import { toIso } from '@/utils/format.js';

/** the entries ready for the photo set: [{file_id, title?, shot_at?}] */
export function readyPhotos(list) {
  return (list || []).filter((p) => p.file_id).map((p) => ({ file_id: p.file_id, title: p.title?.trim() || undefined, shot_at: p.shot_at ? toIso(p.shot_at) : undefined }));
}

/** how many are still on their way (uploading or being checked) */
export function pendingPhotos(list) {
  return (list || []).filter((p) => p.state !== 'done' && !p.error).length;
}
