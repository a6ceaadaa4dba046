import { splitHeader } from '../mime/header.ts';

/**
 * Header blocks as fields, read by mime/'s field reader so that FETCH and SEARCH
 * see the fields the MIME index saw. Each field keeps its raw bytes, folding
 * included, for HEADER.FIELDS. Pure.
 */

export { splitHeader } from '../mime/header.ts';

/** HEADER.FIELDS (or .NOT with `exclude`): the chosen fields, then the blank line (RFC 3501 6.4.5). */
export function filterHeader(header: Buffer, names: string[], exclude: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const kept = splitHeader(header).filter((f) => wanted.has(f.name) !== exclude);
  return Buffer.concat([...kept.map((f) => f.raw), Buffer.from('\r\n')]);
}
