/**
 * Header blocks as fields (RFC 5322 2.2): each field keeps its raw bytes,
 * folding included, for HEADER.FIELDS; SEARCH reads the unfolded values. Pure.
 */

export interface HeaderField {
  /** Lower-cased field name. */
  name: string;
  /** The field's lines as sent, with their CRLFs. */
  raw: Buffer;
}

export function splitHeader(header: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(0x0a, start);
    end = end === -1 ? header.length : end + 1;
    // Continuation lines start with a space or tab and belong to the field before.
    while (end < header.length && (header[end] === 0x20 || header[end] === 0x09)) {
      const next = header.indexOf(0x0a, end);
      end = next === -1 ? header.length : next + 1;
    }
    const raw = header.subarray(start, end);
    const colon = raw.indexOf(0x3a);
    // The blank line that ends the header, and lines that are no field, are skipped.
    if (colon > 0) fields.push({ name: raw.toString('latin1', 0, colon).trim().toLowerCase(), raw });
    start = end;
  }
  return fields;
}

/** HEADER.FIELDS (or .NOT with `exclude`): the chosen fields, then the blank line (RFC 3501 6.4.5). */
export function filterHeader(header: Buffer, names: string[], exclude: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const kept = splitHeader(header).filter((f) => wanted.has(f.name) !== exclude);
  return Buffer.concat([...kept.map((f) => f.raw), Buffer.from('\r\n')]);
}

/** A field's value, unfolded, without the name and surrounding space. */
export function fieldValue(field: HeaderField): string {
  const text = field.raw.toString('utf8');
  return text.slice(text.indexOf(':') + 1).replace(/\r?\n[ \t]/g, ' ').trim();
}
