/**
 * Reading one header field (with its continuation lines) from raw bytes, with
 * the rules of Dovecot's message-header-parser as IMAP uses it: a line without
 * a colon is a field whose name is the whole line; whitespace before the colon
 * is not part of the name; leading whitespace of the value is skipped;
 * continuation lines are joined with a bare LF (CRs dropped).
 */

export interface HeaderField {
  /** Field name as written (latin1), without trailing whitespace. */
  name: string;
  /** Unfolded value (latin1): continuation lines joined by "\n". */
  value: string;
}

export interface FieldRead {
  field: HeaderField;
  /** Offset just after the field's last line (after its LF, or end of input). */
  end: number;
  /** Size of the last line's newline: 2 for CRLF, 1 for LF, 0 at end of input. */
  newline: number;
}

const LF = 10;
const CR = 13;

function isLwsp(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}

/** True when the line at pos is empty (LF or CRLF): the end of the header block. */
export function isBlankLine(raw: Buffer, pos: number): boolean {
  return raw[pos] === LF || (raw[pos] === CR && raw[pos + 1] === LF);
}

/** Reads the field starting at pos (which must be < raw.length and not a blank line). */
export function readField(raw: Buffer, pos: number): FieldRead {
  const len = raw.length;
  let lf = raw.indexOf(LF, pos);
  let lineEnd = lf < 0 ? len : lf;
  let contentEnd = lf > pos && raw[lf - 1] === CR ? lf - 1 : lineEnd;
  // Search the colon within this line only, so a colon-less line costs its own length.
  const colonAt = raw.subarray(pos, lineEnd).indexOf(0x3a);
  const colon = colonAt < 0 ? -1 : pos + colonAt;
  let name: string;
  let value: string;
  if (colon < 0) {
    name = raw.toString('latin1', pos, contentEnd);
    value = '';
  } else {
    let nameEnd = colon;
    while (nameEnd > pos && isLwsp(raw[nameEnd - 1])) nameEnd--;
    name = raw.toString('latin1', pos, nameEnd);
    let v = colon + 1;
    while (v < contentEnd && isLwsp(raw[v])) v++;
    // A value of only whitespace keeps all but its first whitespace char.
    if (v === contentEnd && contentEnd > colon + 1) v = colon + 2;
    value = raw.toString('latin1', v, contentEnd);
  }
  let newline = lf < 0 ? 0 : lf - contentEnd + 1;
  let end = lf < 0 ? len : lf + 1;
  const pieces: string[] = [value];
  while (end < len && isLwsp(raw[end])) {
    lf = raw.indexOf(LF, end);
    lineEnd = lf < 0 ? len : lf;
    contentEnd = lf > end && raw[lf - 1] === CR ? lf - 1 : lineEnd;
    pieces.push('\n', raw.toString('latin1', end, contentEnd));
    newline = lf < 0 ? 0 : lf - contentEnd + 1;
    end = lf < 0 ? len : lf + 1;
  }
  return { field: { name, value: pieces.length === 1 ? value : pieces.join('') }, end, newline };
}

/** One field of a header block with its place in the bytes. */
export interface BlockField {
  /** Lower-cased field name. */
  name: string;
  /** Unfolded value as a latin1 byte-string. */
  value: string;
  /** The field's lines as sent, with their line ends. */
  raw: Buffer;
  /** Byte offsets of `raw` in the block. */
  start: number;
  end: number;
}

/** A header block (or a whole message: it stops at the blank line) as its fields, in order. */
export function splitHeader(header: Buffer): BlockField[] {
  const fields: BlockField[] = [];
  let pos = 0;
  while (pos < header.length && !isBlankLine(header, pos)) {
    const { field, end } = readField(header, pos);
    fields.push({ name: field.name.toLowerCase(), value: field.value, raw: header.subarray(pos, end), start: pos, end });
    pos = end;
  }
  return fields;
}
