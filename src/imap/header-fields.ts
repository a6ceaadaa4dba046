import { isBlankLine, readField } from '../mime/header.ts';

/**
 * Header blocks as fields, read by mime/'s field reader so that FETCH and SEARCH
 * see the fields the MIME index saw. Each field keeps its raw bytes, folding
 * included, for HEADER.FIELDS. Pure.
 */

export interface HeaderField {
  /** Lower-cased field name. */
  name: string;
  /** Unfolded value as a latin1 byte-string. */
  value: string;
  /** The field's lines as sent, with their line ends. */
  raw: Buffer;
}

export function splitHeader(header: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  let pos = 0;
  while (pos < header.length && !isBlankLine(header, pos)) {
    const { field, end } = readField(header, pos);
    fields.push({ name: field.name.toLowerCase(), value: field.value, raw: header.subarray(pos, end) });
    pos = end;
  }
  return fields;
}

/** HEADER.FIELDS (or .NOT with `exclude`): the chosen fields, then the blank line (RFC 3501 6.4.5). */
export function filterHeader(header: Buffer, names: string[], exclude: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const kept = splitHeader(header).filter((f) => wanted.has(f.name) !== exclude);
  return Buffer.concat([...kept.map((f) => f.raw), Buffer.from('\r\n')]);
}
