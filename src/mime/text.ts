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
  const text = collapsedStart(partText(raw, first, 4096), PREVIEW_LIMIT * 2);
  // The first PREVIEW_LIMIT code points, counted without splitting the string into an array.
  let end = 0;
  for (let n = 0; n < PREVIEW_LIMIT && end < text.length; n++) end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  return text.slice(0, end);
}

/**
 * The start of `text` with whitespace runs collapsed to one space and trimmed, at
 * least `want` units of it when there are: only as much of the text as that needs
 * is collapsed, a prefix at a time.
 */
function collapsedStart(text: string, want: number): string {
  for (let take = want * 2; ; take *= 4) {
    if (take >= text.length) return text.replace(/\s+/g, ' ').trim();
    // One unit more than wanted: a run cut at the prefix's end still counts as at most one space.
    const start = text.slice(0, take).replace(/\s+/g, ' ').trimStart();
    if (start.length > want) return start;
  }
}
