/**
 * Messages are stored with CRLF line endings, as IMAP and POP3 send them, so that
 * every stored size is the exact octet count a client receives. Bare LF (from a
 * file or a pipe) becomes CRLF; input that is already CRLF is returned as is.
 */
export function toCrlf(raw: Buffer): Buffer {
  let bare = 0;
  for (let i = raw.indexOf(10); i !== -1; i = raw.indexOf(10, i + 1)) {
    if (i === 0 || raw[i - 1] !== 13) bare++;
  }
  if (bare === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + bare);
  let o = 0;
  let start = 0;
  for (let i = raw.indexOf(10); i !== -1; i = raw.indexOf(10, i + 1)) {
    if (i > 0 && raw[i - 1] === 13) continue;
    o += raw.copy(out, o, start, i);
    out[o++] = 13;
    out[o++] = 10;
    start = i + 1;
  }
  raw.copy(out, o, start);
  return out;
}
