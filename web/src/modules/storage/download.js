// Downloads of stored files: the browser fetches the bytes itself from an
// <a download> link (the session cookie goes along, same origin), so a file
// of gigabytes streams to disk instead of through the page's memory; the
// server names it (Content-Disposition) and records the download.
import { fileUrl } from './api.js';

export function saveUrl(url, name = '') {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** downloads a file row ({id, name}) of the shared space */
export function downloadFile(row) {
  saveUrl(fileUrl(row.id), row.name || '');
}
