/**
 * A message APPENDed as a literal8 (RFC 3516 4.4) may hold parts in the binary
 * transfer encoding: raw octets, NULs and bare LFs included. IMAP can send such a
 * part only through BINARY[], so, as Dovecot does, each one is stored base64-encoded
 * with its Content-Transfer-Encoding field saying so ("The server MAY modify the CTE
 * of the appended data, however any such transformation MUST NOT result in a loss of
 * data"). BODYSTRUCTURE and BODY[] then describe and send base64 (RFC 3516 section 6),
 * and BINARY[] gives back exactly the octets sent.
 */
import { isBlankLine, readField } from './header.ts';
import { FLAG_IS_MIME, FLAG_MULTIPART, parseStructure, type Part } from './structure.ts';

const BASE64_LINE = 76;

/**
 * The Content-Transfer-Encoding field of a part that says binary (unfolded): its byte
 * range. Without Mime-Version or Content-Type the field means nothing (mime/part-data.ts).
 */
function binaryField(raw: Buffer, part: Part): { start: number; end: number } | null {
  if (!(part.flags & FLAG_IS_MIME)) return null;
  for (let pos = part.headerStart; pos < part.headerEnd && !isBlankLine(raw, pos);) {
    const { field, end } = readField(raw, pos);
    if (field.name.toLowerCase() === 'content-transfer-encoding' && field.value.toLowerCase() === 'binary') return { start: pos, end };
    pos = end;
  }
  return null;
}

/** Base64 in lines of 76 characters joined by CRLF, with no newline after the last. */
function base64Lines(data: Buffer): Buffer {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += BASE64_LINE) lines.push(text.slice(i, i + BASE64_LINE));
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/** The leaf parts, in order; iterative, as nesting can be deep. */
function leaves(root: Part): Part[] {
  const out: Part[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const part = stack.pop()!;
    if (part.children.length === 0 && !(part.flags & FLAG_MULTIPART)) out.push(part);
    for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i]!);
  }
  return out;
}

/** The message with every binary part base64-encoded; the same buffer when it has none. */
export function encodeBinaryParts(raw: Buffer): Buffer {
  if (!/content-transfer-encoding/i.test(raw.toString('latin1'))) return raw;
  const pieces: Buffer[] = [];
  let copied = 0;
  for (const part of leaves(parseStructure(raw))) {
    const field = binaryField(raw, part);
    if (!field) continue;
    const bodyEnd = part.bodyStart + part.bodySize;
    pieces.push(
      raw.subarray(copied, field.start),
      Buffer.from('Content-Transfer-Encoding: base64\r\n'),
      raw.subarray(field.end, part.bodyStart),
      base64Lines(raw.subarray(part.bodyStart, bodyEnd)),
    );
    copied = bodyEnd;
  }
  if (pieces.length === 0) return raw;
  pieces.push(raw.subarray(copied));
  return Buffer.concat(pieces);
}
