// Makes an SVG string from the server safe to put into the page with
// v-html: parses it as SVG, drops scripts, foreign objects, event handler
// attributes and links, and returns the serialised <svg>. Anything that does
// not parse as an <svg> root gives ''.
const DROP = new Set(['script', 'foreignobject', 'iframe', 'object', 'embed', 'a', 'use', 'image', 'style']);

export function sanitizeSvg(text) {
  if (!text || typeof DOMParser === 'undefined') return '';
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.nodeName.toLowerCase() !== 'svg' || doc.getElementsByTagName('parsererror').length) return '';
  const walk = (el) => {
    for (const child of [...el.children]) {
      if (DROP.has(child.nodeName.toLowerCase())) child.remove();
      else walk(child);
    }
    for (const a of [...el.attributes]) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on') || n === 'href' || n === 'xlink:href' || /javascript:/i.test(a.value)) el.removeAttribute(a.name);
    }
  };
  walk(root);
  return new XMLSerializer().serializeToString(root);
}
