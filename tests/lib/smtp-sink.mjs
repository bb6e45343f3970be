// A small SMTP server for tests (RFC 5321, enough of it): 220 greeting,
// EHLO/HELO, MAIL FROM, RCPT TO, DATA … "." (with dot-unstuffing), RSET,
// NOOP, QUIT. It keeps every message and can decode the parts a test looks
// at (an RFC 2047 subject, a base64 UTF-8 body). No TLS, no AUTH: the
// server under test is started with --notify-smtp-starttls false.
//
//   const sink = await startSmtpSink();               // 127.0.0.1, a free port
//   ... server with --notify-smtp-url sink.url ...
//   const m = await sink.waitFor((m) => m.rcpt.includes('a@b.cn'));
//   m.subject, m.text, m.headers['content-type']
//   await sink.stop();
//
// failNext(n, code) answers the next n transactions' DATA with an error
// (e.g. 451) to exercise retries.
import { createServer } from 'node:net';

/** Decodes RFC 2047 encoded words (B and Q, UTF-8) in a header value. */
export function decodeHeader(v) {
  return v
    .replace(/\?=\s+=\?/g, '?==?') // whitespace between adjacent encoded words is not text
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, cs, enc, text) => {
      const buf = enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, h) => String.fromCharCode(parseInt(h, 16))), 'binary');
      return buf.toString(/utf-?8/i.test(cs) ? 'utf8' : 'latin1');
    });
}

/** Splits a raw message into {headers (lower-case names, unfolded), body}. */
export function parseMessage(raw) {
  const at = raw.indexOf('\r\n\r\n');
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at + 4);
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let text = body;
  if (/base64/i.test(headers['content-transfer-encoding'] || '')) text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, body, text, subject: decodeHeader(headers.subject || '') };
}

export async function startSmtpSink({ host = '127.0.0.1', port = 0 } = {}) {
  const messages = [];
  const waiters = [];
  let failing = 0, failCode = 451;
  const sockets = new Set();

  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    let tx = { from: null, rcpt: [] };
    let data = null; // lines of the message while in DATA
    const say = (s) => sock.write(`${s}\r\n`);
    say('220 smtp-sink.test ESMTP ready');
    sock.setEncoding('binary'); // bytes as they come: the message is decoded as UTF-8 at the end
    sock.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (data) {
          if (line === '.') {
            const raw = Buffer.from(data.join('\r\n'), 'binary').toString('utf8');
            data = null;
            if (failing > 0) {
              failing--;
              say(`${failCode} 4.3.0 try again later (test)`);
            } else {
              const m = { from: tx.from, rcpt: tx.rcpt, raw, at: Date.now(), ...parseMessage(raw) };
              messages.push(m);
              say('250 2.0.0 queued');
              for (const w of [...waiters]) if (w.match(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
            }
            tx = { from: null, rcpt: [] };
          } else {
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') { sock.write('250-smtp-sink.test\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n'); }
        else if (verb === 'HELO') say('250 smtp-sink.test');
        else if (verb === 'MAIL') { tx.from = (line.match(/<([^>]*)>/) || [])[1] ?? ''; say('250 2.1.0 ok'); }
        else if (verb === 'RCPT') {
          if (tx.from === null) { say('503 5.5.1 MAIL first'); continue; }
          tx.rcpt.push((line.match(/<([^>]*)>/) || [])[1] ?? '');
          say('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          if (!tx.rcpt.length) { say('554 5.5.1 no valid recipients'); continue; }
          data = [];
          say('354 end data with <CR><LF>.<CR><LF>');
        } else if (verb === 'RSET') { tx = { from: null, rcpt: [] }; say('250 2.0.0 ok'); }
        else if (verb === 'NOOP') say('250 2.0.0 ok');
        else if (verb === 'QUIT') { say('221 2.0.0 bye'); sock.end(); }
        else say('502 5.5.2 command not implemented');
      }
    });
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  const addr = server.address();
  return {
    host, port: addr.port,
    url: `smtp://${host}:${addr.port}`,
    messages,
    /** The first message (already received or to come) that match(m) accepts. */
    waitFor(match = () => true, timeoutMs = 10000) {
      const have = messages.find(match);
      if (have) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => { const i = waiters.indexOf(w); if (i >= 0) { waiters.splice(i, 1); reject(new Error(`no matching mail in ${timeoutMs} ms (${messages.length} received)`)); } }, timeoutMs);
      });
    },
    failNext(n = 1, code = 451) { failing = n; failCode = code; },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
