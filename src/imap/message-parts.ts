import type { ByteRange, PartIndex } from '../mime/types.ts';
import type { BlobMeta } from '../store/types.ts';
import type { SectionText } from './fetch-query.ts';

export type { ByteRange };

/**
 * The blob record itself, not its index: the store parses the index on first use, and
 * neither the whole message nor (when the record keeps where it ends) its header needs it.
 */
type IndexedBlob = Pick<BlobMeta, 'index' | 'headerEnd'>;

/** A message's parts as IMAP numbers them: a multipart's children, else the body itself as part 1. */
const partsOf = (message: PartIndex): PartIndex[] => message.parts ?? [message];

/** The part a section path names (RFC 3501 6.4.5), or null when there is none. */
function locate(root: PartIndex, path: number[]): PartIndex | null {
  let node: PartIndex | null = null;
  for (const n of path) {
    // Below a message/rfc822 part the numbering starts again in the encapsulated message.
    const children: PartIndex[] | undefined = node === null ? partsOf(root) : node.message ? partsOf(node.message) : node.parts;
    node = children?.[n - 1] ?? null;
    if (!node) return null;
  }
  return node;
}

/**
 * The bytes a `BODY[section]` names, as offsets into the message as served:
 * the per-copy prefix comes first and belongs to the top-level header, so
 * every range moves by its length and one starting at the top header takes it in.
 */
export function sectionRange(blob: IndexedBlob, prefixLength: number, size: number, path: number[], text: SectionText): ByteRange | null {
  if (path.length === 0 && text === '') return { start: 0, end: size };
  if (path.length === 0 && text !== 'TEXT' && blob.headerEnd !== undefined) return { start: 0, end: blob.headerEnd + prefixLength };
  const root = blob.index.root;
  const served = (range: ByteRange): ByteRange => ({
    start: range === root.header ? 0 : range.start + prefixLength,
    end: range.end + prefixLength,
  });
  if (path.length === 0) return served(text === 'TEXT' ? root.body : root.header);
  const node = locate(root, path);
  if (!node) return null;
  if (text === '') return served(node.body);
  if (text === 'MIME') return served(node.header);
  // HEADER and TEXT below the top level exist only for an encapsulated message.
  if (!node.message) return null;
  return served(text === 'TEXT' ? node.message.body : node.message.header);
}

/** A part named by BINARY[part] (RFC 3516): its body as served and its transfer encoding. */
export interface BinaryPart {
  range: ByteRange;
  encoding: string;
}

/** The body BINARY[path] names; the empty path is the whole message, taken as it is. */
export function binaryPart(blob: IndexedBlob, prefixLength: number, size: number, path: number[]): BinaryPart | null {
  if (path.length === 0) return { range: { start: 0, end: size }, encoding: 'binary' };
  const node = locate(blob.index.root, path);
  if (!node) return null;
  return { range: { start: node.body.start + prefixLength, end: node.body.end + prefixLength }, encoding: node.encoding };
}

/** Transfer encodings that leave the bytes as they are. */
const IDENTITY = new Set(['7bit', '8bit', 'binary']);

/** How BINARY serves an encoding: as is, decoded, or not at all (an unknown one is `[UNKNOWN-CTE]`). */
export function binaryHandling(encoding: string): 'identity' | 'decode' | 'unknown' {
  if (IDENTITY.has(encoding)) return 'identity';
  return encoding === 'base64' || encoding === 'quoted-printable' ? 'decode' : 'unknown';
}
