// The link of a share's public page. The console routes with the HTML5
// history (router/index.js, createWebHistory), and zhendi answers
// index.html for client-side paths, so the link is a plain path.
export function shareLink(token, origin = window.location.origin) {
  return `${origin}/share/${encodeURIComponent(token)}`;
}
