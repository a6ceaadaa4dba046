/**
 * The MIME part tree of a raw message, found the way Dovecot's message-parser
 * finds it, so sizes, line counts and part boundaries match what Dovecot reports:
 *
 * - a boundary line is "--" + a boundary of any open multipart, matched by prefix
 *   (longest wins); "--boundary--" closes it and every multipart inside it;
 * - the [CR]LF before a boundary line belongs to the boundary, not to the part;
 * - a boundary line inside a part's header ends that header;
 * - Content-* headers count only with Mime-Version or Content-Type present;
 * - parts below multipart/digest default to message/rfc822, others to text/plain.
 *
 * The parser is a loop over a cursor with explicit stacks (no recursion), and
 * every byte is examined a bounded number of times: linear in the message size.
 */
import { isBlankLine, readField, type HeaderField } from './header.ts';
import { parseParams } from './rfc2231.ts';
import { parseContentType, scanner, skipLwsp } from './rfc822.ts';

export const FLAG_MULTIPART = 1;
export const FLAG_RFC822 = 2;
export const FLAG_TEXT = 4;
export const FLAG_IS_MIME = 8;
export const FLAG_DIGEST = 16;

/** Header fields kept per part (others are only sized). */
const KEPT_FIELDS = new Set([
  'content-type', 'content-transfer-encoding', 'content-id', 'content-description',
  'content-disposition', 'content-language', 'content-location', 'content-md5',
  'date', 'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc',
  'in-reply-to', 'message-id', 'references',
]);
/** Occurrences kept per field name: the first ones and always the last. */
const MAX_SAME_FIELD = 32;

/** Dovecot truncates boundaries to 80 bytes (RFC 2046 allows 70). */
const BOUNDARY_MAX = 80;
const BOUNDARY_LINE_MAX = BOUNDARY_MAX + 4;

export interface Limits {
  /** Parts nested deeper than this are not parsed as multipart or message/rfc822. */
  maxDepth: number;
  /** After this many parts, no more boundaries are looked for. */
  maxParts: number;
}

/** Dovecot's defaults (message-parser.h). */
export const DEFAULT_LIMITS: Limits = { maxDepth: 100, maxParts: 10000 };

export interface Part {
  parent: Part | null;
  depth: number;
  flags: number;
  headerStart: number;
  headerEnd: number;
  headerLines: number;
  headerVirtual: number;
  bodyStart: number;
  bodySize: number;
  bodyLines: number;
  bodyVirtual: number;
  /** Kept header fields by lower-case name, in order. */
  fields: Map<string, HeaderField[]>;
  children: Part[];
}

interface Boundary {
  part: Part;
  bytes: Buffer;
}

function newPart(parent: Part | null, pos: number, flags: number): Part {
  return {
    parent, depth: parent ? parent.depth + 1 : 0, flags,
    headerStart: pos, headerEnd: pos, headerLines: 0, headerVirtual: 0,
    bodyStart: pos, bodySize: 0, bodyLines: 0, bodyVirtual: 0,
    fields: new Map(), children: [],
  };
}

/** Adds raw[start, end) to a part's body sizes: octets, lines, and CRLF-normalized octets. */
function addBody(raw: Buffer, part: Part, start: number, end: number): void {
  if (end <= start) return;
  const { lines, bare } = countNewlines(raw, start, end);
  part.bodySize += end - start;
  part.bodyLines += lines;
  part.bodyVirtual += end - start + bare;
}

/** LFs in raw[start, end), and how many of them lack a CR before them. */
export function countNewlines(raw: Buffer, start: number, end: number): { lines: number; bare: number } {
  let lines = 0;
  let bare = 0;
  for (let i = raw.indexOf(10, start); i >= 0 && i < end; i = raw.indexOf(10, i + 1)) {
    lines++;
    if (i === 0 || raw[i - 1] !== 13) bare++;
  }
  return { lines, bare };
}

function keepField(part: Part, field: HeaderField): void {
  const key = field.name.toLowerCase();
  if (!KEPT_FIELDS.has(key)) return;
  const list = part.fields.get(key);
  if (!list) part.fields.set(key, [field]);
  else if (list.length < MAX_SAME_FIELD) list.push(field);
  else list[list.length - 1] = field;
}

/** The part's flags from its (first) Content-Type, and its boundary if multipart. */
function contentTypeFlags(value: string): { flags: number; boundary: string | null } {
  const p = scanner(value);
  skipLwsp(p);
  const out = { v: '' };
  const ret = parseContentType(p, out);
  const type = out.v.toLowerCase();
  let flags = 0;
  if (type === 'message/rfc822') flags = FLAG_RFC822;
  else if (type.startsWith('text') && (type.length === 4 || type[4] === '/')) flags = FLAG_TEXT;
  else if (type.startsWith('multipart/')) flags = FLAG_MULTIPART | (type === 'multipart/digest' ? FLAG_DIGEST : 0);
  let boundary: string | null = null;
  if (ret >= 0 && flags & FLAG_MULTIPART) {
    const param = parseParams(p).find((x) => x.name.toLowerCase() === 'boundary');
    if (param) boundary = param.value.slice(0, BOUNDARY_MAX);
  }
  return { flags, boundary };
}

export function parseStructure(raw: Buffer, limits: Limits = DEFAULT_LIMITS): Part {
  const len = raw.length;
  const root = newPart(null, 0, 0);
  const boundaries: Boundary[] = [];
  let part = root;
  let pos = 0;
  let totalParts = 1;

  /** The open boundary that the line at s is, or null. */
  const boundaryAt = (s: number): { b: Boundary; closing: boolean } | null => {
    if (boundaries.length === 0 || s + 1 >= len || raw[s] !== 0x2d || raw[s + 1] !== 0x2d) return null;
    const rest = s + 2;
    const lf = raw.indexOf(10, rest);
    let size: number;
    if (lf >= 0) {
      size = lf - rest;
      if (size > 0 && raw[rest + size - 1] === 13) size--;
      if (size > 2 && raw[rest + size - 1] === 0x2d && raw[rest + size - 2] === 0x2d) size -= 2;
    } else size = Math.min(len - rest, BOUNDARY_LINE_MAX);
    let best: Boundary | null = null;
    for (let i = boundaries.length - 1; i >= 0; i--) {
      const b = boundaries[i]!;
      const n = b.bytes.length;
      if (n <= size && (best === null || best.bytes.length < n) && raw.compare(b.bytes, 0, n, rest, rest + n) === 0) {
        best = b;
        if (n === size) break;
      }
    }
    if (!best) return null;
    const n = best.bytes.length;
    return { b: best, closing: len - rest >= n + 2 && raw[rest + n] === 0x2d && raw[rest + n + 1] === 0x2d };
  };

  const finishPart = (): void => {
    const parent = part.parent!;
    parent.bodySize += part.headerEnd - part.headerStart + part.bodySize;
    parent.bodyLines += part.headerLines + part.bodyLines;
    parent.bodyVirtual += part.headerVirtual + part.bodyVirtual;
    part = parent;
  };

  const appendChild = (flags: number): void => {
    const child = newPart(part, pos, flags);
    part.children.push(child);
    part = child;
    totalParts++;
  };

  /** Parses the header of `part` at pos; returns whether a multipart body follows. */
  const parseHeader = (): boolean => {
    part.headerStart = pos;
    let headerEnd = pos;
    let pendingBoundary: string | null = null;
    let seenContentType = false;
    let multipart = false;
    let prevNewline = 0;
    for (;;) {
      if (pendingBoundary !== null && part.flags & FLAG_IS_MIME && pos < len && isBlankLine(raw, pos)) {
        if (part.depth + 1 < limits.maxDepth && totalParts < limits.maxParts) {
          boundaries.push({ part, bytes: Buffer.from(pendingBoundary, 'latin1') });
          multipart = true;
        } else part.flags &= ~FLAG_MULTIPART;
        pendingBoundary = null;
      }
      const found = boundaryAt(pos);
      if (found && found.b.part !== part) {
        // A boundary ends the header; the newline before it belongs to the boundary.
        if (prevNewline > 0) {
          headerEnd -= prevNewline;
          addBody(raw, part.parent!, headerEnd, pos);
        }
        break;
      }
      if (pos >= len) break;
      if (isBlankLine(raw, pos)) {
        pos += raw[pos] === 13 ? 2 : 1;
        headerEnd = pos;
        break;
      }
      const { field, end, newline } = readField(raw, pos);
      pos = headerEnd = end;
      prevNewline = newline;
      const name = field.name.toLowerCase();
      if (name === 'mime-version') part.flags |= FLAG_IS_MIME;
      else if (name === 'content-type') {
        part.flags |= FLAG_IS_MIME;
        if (!seenContentType) {
          seenContentType = true;
          const ct = contentTypeFlags(field.value);
          part.flags |= ct.flags;
          pendingBoundary = ct.boundary;
        }
      }
      keepField(part, field);
    }
    part.headerEnd = headerEnd;
    const { lines, bare } = countNewlines(raw, part.headerStart, headerEnd);
    part.headerLines = lines;
    part.headerVirtual = headerEnd - part.headerStart + bare;
    part.bodyStart = pos;
    if (!(part.flags & FLAG_IS_MIME)) part.flags = 0;
    if (!seenContentType || !(part.flags & FLAG_IS_MIME)) {
      part.flags |= part.parent && part.parent.flags & FLAG_DIGEST ? FLAG_RFC822 : FLAG_TEXT;
    }
    return multipart;
  };

  /** Body up to the next boundary line, then the boundary line itself. */
  const bodyToBoundary = (): 'eof' | 'part' | 'body' => {
    let found = boundaryAt(pos);
    let lineStart = pos;
    let lineRest = pos;
    if (!found) {
      for (let lf = raw.indexOf(10, pos); lf >= 0; lf = raw.indexOf(10, lf + 1)) {
        found = boundaryAt(lf + 1);
        if (found) {
          lineStart = lf > pos && raw[lf - 1] === 13 ? lf - 1 : lf;
          lineRest = lf + 1;
          break;
        }
      }
    }
    if (!found) {
      addBody(raw, part, pos, len);
      pos = len;
      return 'eof';
    }
    addBody(raw, part, pos, lineStart);
    const { b, closing } = found;
    while (part !== b.part) finishPart();
    boundaries.length = boundaries.indexOf(b) + (closing ? 0 : 1);
    // The boundary line, from its leading newline to its LF, is the multipart's own body.
    const lf = raw.indexOf(10, lineRest);
    const lineEnd = lf < 0 ? len : lf + 1;
    addBody(raw, part, lineStart, lineEnd);
    pos = lineEnd;
    if (lf < 0) return 'eof';
    const top = boundaries[boundaries.length - 1];
    if (!top || top.part !== part) return 'body';
    appendChild(FLAG_IS_MIME);
    return 'part';
  };

  // Each iteration handles one header block, or body text up to a boundary.
  let inHeader = true;
  for (;;) {
    if (inHeader) {
      const multipart = parseHeader();
      if (!multipart && part.flags & FLAG_RFC822) {
        if (part.depth + 1 < limits.maxDepth && totalParts < limits.maxParts) {
          appendChild(0);
          continue;
        }
        part.flags &= ~FLAG_RFC822;
      }
    }
    if (boundaries.length === 0 || totalParts >= limits.maxParts) {
      addBody(raw, part, pos, len);
      break;
    }
    const next = bodyToBoundary();
    if (next === 'eof') break;
    inHeader = next === 'part';
  }
  while (part.parent) finishPart();
  return root;
}
