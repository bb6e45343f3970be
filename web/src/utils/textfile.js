// Text files picked in the browser, made ready for the server, which takes
// UTF-8 only: a file that is not valid UTF-8 is read as GB18030 (what
// Windows Notepad and Excel save Chinese text as, "ANSI"; a superset of GBK
// and GB2312) and sent on as UTF-8. A byte order mark is dropped.

/** → {text, encoding: 'UTF-8' | 'GB18030'} */
export function decodeText(buffer) {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buffer), encoding: 'UTF-8' };
  } catch {
    return { text: new TextDecoder('gb18030').decode(buffer), encoding: 'GB18030' };
  }
}

/** A File/Blob of text → {blob (UTF-8, text/plain), encoding, lines} */
export async function toUtf8Blob(file) {
  const buf = typeof file.arrayBuffer === 'function' ? await file.arrayBuffer() : await new Response(file).arrayBuffer();
  const { text, encoding } = decodeText(buf);
  const lines = text ? text.split(/\r\n|\r|\n/).filter((l) => l.trim()).length : 0;
  return { blob: new Blob([text], { type: 'text/plain;charset=utf-8' }), encoding, lines };
}
