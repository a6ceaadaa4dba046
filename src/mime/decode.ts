/**
 * Decoding for search and preview: transfer encodings, charsets, RFC 2047
 * encoded-words. Lenient by design — undecodable input degrades to
 * replacement characters, never to an exception.
 */
import iconv from 'iconv-lite';
import libmime from 'libmime';

/** Bytes of a latin1 byte-string. */
export function bytesOf(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Raw 8-bit header text as Unicode: UTF-8 when it is valid UTF-8, else Windows-1252. */
export function headerBytesToUnicode(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s;
  const buf = bytesOf(s);
  const utf8 = buf.toString('utf8');
  return utf8.includes('\ufffd') ? iconv.decode(buf, 'windows-1252') : utf8;
}

/** A header value (latin1 byte-string) as Unicode, encoded-words decoded, unfolded. */
export function decodeHeaderText(s: string): string {
  let text = headerBytesToUnicode(s);
  // Every encoded-word starts with "=?": without one, decodeWords changes nothing (SEARCH calls this for every header).
  if (text.includes('=?')) {
    try {
      text = libmime.decodeWords(text);
    } catch {
      // keep the undecoded text
    }
  }
  return text.replace(/[\r\n]+/g, '').replace(/[ \t]+/g, ' ').trim();
}

/** Transfer-decodes a body (base64 and quoted-printable; others are as is). */
export function transferDecode(body: Buffer, encoding: string): Buffer {
  switch (encoding) {
    case 'base64':
      // Node ignores characters outside the base64 alphabet.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

/** A transfer decoder fed chunk by chunk, so a large body is never decoded whole in memory. */
export interface ChunkDecoder {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
}

/**
 * A quoted-printable escape or soft line break cut by a chunk end is held back, up to
 * this many bytes; so is whitespace at a chunk end, which a line break may follow.
 * (A longer run of whitespace is not quoted-printable, whose lines are at most 76.)
 */
const QP_HOLD_LIMIT = 1024;

/**
 * The chunked form of transferDecode: base64 is decoded in whole groups of four
 * characters, quoted-printable up to a `=` whose escape or soft line break the
 * next chunk completes; other encodings pass as they are.
 */
export function chunkDecoder(encoding: string): ChunkDecoder {
  if (encoding === 'base64') {
    let carry = '';
    return {
      push(chunk) {
        const text = carry + chunk.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, '');
        const whole = text.length - (text.length % 4);
        carry = text.slice(whole);
        return Buffer.from(text.slice(0, whole), 'base64');
      },
      end: () => Buffer.from(carry, 'base64'),
    };
  }
  if (encoding === 'quoted-printable') {
    let held = Buffer.alloc(0);
    return {
      push(chunk) {
        const data = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
        const cut = qpSafeEnd(data);
        held = Buffer.from(data.subarray(cut));
        return decodeQuotedPrintable(data.subarray(0, cut), false);
      },
      end: () => decodeQuotedPrintable(held),
    };
  }
  return { push: (chunk) => chunk, end: () => Buffer.alloc(0) };
}

/**
 * Where quoted-printable data can be cut: before a last `=` that may still become an
 * escape or a soft line break, and before whitespace (and a CR) at the end, which a
 * line break in the next chunk would remove.
 */
function qpSafeEnd(data: Buffer): number {
  let end = data.length;
  if (end > 0 && data[end - 1] === 0x0d) end--;
  while (end > 0 && (data[end - 1] === 0x20 || data[end - 1] === 0x09)) end--;
  if (data.length - end > QP_HOLD_LIMIT) end = data.length;
  const eq = data.lastIndexOf(0x3d);
  if (eq === -1 || data.length - eq > QP_HOLD_LIMIT) return end;
  for (let i = eq + 1; i < data.length; i++) {
    const c = data[i]!;
    const pending = (i - eq <= 2 && hexValue(c) >= 0) || c === 0x20 || c === 0x09 || c === 0x0d;
    if (!pending) return end;
  }
  return Math.min(eq, end);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Quoted-printable: =XX escapes, soft line breaks; malformed escapes are kept as
 * written. Whitespace before a hard line break is dropped (RFC 2045 6.7 rule 3: a
 * transport may have added it), and at the end of the body when `final`, as
 * Dovecot does; a chunk that more data follows keeps it.
 */
export function decodeQuotedPrintable(body: Buffer, final = true): Buffer {
  const out = Buffer.allocUnsafe(body.length);
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c > 0x3d || (c !== 0x3d && c !== 0x20 && c !== 0x09)) {
      out[o++] = c;
      continue;
    }
    if (c !== 0x3d) {
      // Whitespace: kept unless only whitespace is left before the end of the line.
      const next = body[i + 1];
      if (next !== undefined && next > 0x20) {
        out[o++] = c;
        continue;
      }
      let j = i + 1;
      while (body[j] === 0x20 || body[j] === 0x09) j++;
      const lineEnd = body[j] === 0x0a || (body[j] === 0x0d && body[j + 1] === 0x0a) || (final && j >= body.length);
      if (!lineEnd) for (let k = i; k < j; k++) out[o++] = body[k]!;
      i = j - 1;
      continue;
    }
    const h = hexValue(body[i + 1] ?? -1);
    const l = hexValue(body[i + 2] ?? -1);
    if (h >= 0 && l >= 0) {
      out[o++] = h * 16 + l;
      i += 2;
      continue;
    }
    // Soft line break: "=" then optional trailing whitespace then [CR]LF.
    let j = i + 1;
    while (body[j] === 0x20 || body[j] === 0x09) j++;
    if (body[j] === 0x0d && body[j + 1] === 0x0a) i = j + 1;
    else if (body[j] === 0x0a) i = j;
    else if (j >= body.length) i = j;
    else out[o++] = c;
  }
  return out.subarray(0, o);
}

/** Bytes in a charset as Unicode; unknown charsets are read as UTF-8. */
export function charsetDecode(bytes: Buffer, charset: string | undefined): string {
  const name = (charset ?? 'us-ascii').trim().toLowerCase();
  try {
    if (name === 'us-ascii' || name === 'ascii') {
      // Mislabelled 8-bit text is common: read it as UTF-8 when it is valid UTF-8.
      const utf8 = bytes.toString('utf8');
      return utf8.includes('\ufffd') ? iconv.decode(bytes, 'windows-1252') : utf8;
    }
    if (iconv.encodingExists(name)) return iconv.decode(bytes, name);
  } catch {
    // fall through to UTF-8
  }
  return bytes.toString('utf8');
}
