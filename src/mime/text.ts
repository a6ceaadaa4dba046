/**
 * Decoded text of a message for SEARCH BODY/TEXT, and its RFC 8970 preview.
 */
import { charsetDecode, transferDecode } from './decode.ts';
import { htmlToText } from './html.ts';
import type { PartIndex } from './types.ts';

/** Cap on the search text, in UTF-16 code units (1 Mi): enough for any real letter. */
export const TEXT_LIMIT = 1 << 20;
/** RFC 8970: a preview is at most 200 characters. */
export const PREVIEW_LIMIT = 200;

/** The text/* leaf parts in document order (inside message/rfc822 too). */
export function textParts(root: PartIndex): PartIndex[] {
  const out: PartIndex[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const part = stack.pop()!;
    if (part.parts) for (let i = part.parts.length - 1; i >= 0; i--) stack.push(part.parts[i]!);
    else if (part.message) stack.push(part.message);
    else if (part.type === 'text') out.push(part);
  }
  return out;
}

/** A part's text, transfer- and charset-decoded, HTML reduced to text; reads at most maxChars worth of input. */
export function partText(raw: Buffer, part: PartIndex, maxChars: number): string {
  // Encoded input is at most ~4 bytes per character (UTF-8, base64 overhead aside): bound the work.
  const end = Math.min(part.body.end, part.body.start + maxChars * 6 + 1024);
  const bytes = transferDecode(raw.subarray(part.body.start, end), part.encoding);
  const text = charsetDecode(bytes, part.charset);
  return part.subtype === 'html' ? htmlToText(text) : text;
}

export function searchText(raw: Buffer, root: PartIndex): string {
  const pieces: string[] = [];
  let size = 0;
  for (const part of textParts(root)) {
    if (size >= TEXT_LIMIT) break;
    const text = partText(raw, part, TEXT_LIMIT - size);
    pieces.push(text);
    size += text.length + 1;
  }
  return truncate(pieces.join('\n'), TEXT_LIMIT);
}

/** Cuts to at most max UTF-16 units without splitting a surrogate pair. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return s.slice(0, cut);
}

/** RFC 8970 PREVIEW: the first text part's start, whitespace collapsed, at most 200 characters. */
export function previewText(raw: Buffer, root: PartIndex): string {
  const first = textParts(root)[0];
  if (!first) return '';
  const text = partText(raw, first, 4096).replace(/\s+/g, ' ').trim();
  return [...text.slice(0, PREVIEW_LIMIT * 2)].slice(0, PREVIEW_LIMIT).join('');
}
