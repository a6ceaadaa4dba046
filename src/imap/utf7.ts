/**
 * Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3): printable ASCII
 * stands for itself, `&` is `&-`, anything else is UTF-16 in modified base64
 * (`,` for `/`) between `&` and `-`.
 */

export function encodeMailboxName(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const utf16 = Buffer.from(pending, 'utf16le').swap16();
    out += `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = '';
  };
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      pending += ch;
    }
  }
  flush();
  return out;
}

/** The name a client sent, or null when it is not valid modified UTF-7. */
export function decodeMailboxName(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null;
    if (text[i] !== '&') {
      out += text[i];
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end === -1) return null;
    const chunk = text.slice(i + 1, end);
    i = end;
    if (chunk === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(chunk)) return null;
    const bytes = Buffer.from(chunk.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) return null;
    const decoded = Buffer.from(bytes).swap16().toString('utf16le');
    // An encoded run must not hide printable ASCII, which has its own spelling.
    if ([...decoded].some((ch) => ch.codePointAt(0)! >= 0x20 && ch.codePointAt(0)! <= 0x7e)) return null;
    out += decoded;
  }
  return out;
}
