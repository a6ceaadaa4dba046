const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Some top-level members of a JSON object record, read without parsing the rest:
 * the scan stops once every wanted member is found, and steps over nested values
 * by bracket depth. Member order only changes how far it reads, never the answer.
 * Works on the bytes: every structural character is ASCII, and no byte of a
 * multi-byte UTF-8 sequence is.
 */
export function topLevelMembers(record: Buffer, wanted: readonly string[]): Map<string, unknown> {
  const found = new Map<string, unknown>();
  let at = skipSpace(record, 0);
  if (record[at] !== 0x7b) throw new SyntaxError('not a JSON object');
  at++;
  while (found.size < wanted.length) {
    at = skipSpace(record, at);
    if (record[at] === 0x7d || at >= record.length) break;
    const keyEnd = stringEnd(record, at);
    const key = JSON.parse(record.toString('utf8', at, keyEnd)) as string;
    at = skipSpace(record, keyEnd);
    at = skipSpace(record, at + 1); // the colon
    const valueEnd = valueEndAt(record, at);
    if (wanted.includes(key)) found.set(key, JSON.parse(record.toString('utf8', at, valueEnd)));
    at = skipSpace(record, valueEnd);
    if (record[at] === 0x2c) at++;
  }
  return found;
}

function skipSpace(buf: Buffer, at: number): number {
  while (at < buf.length && WHITESPACE.has(buf[at]!)) at++;
  return at;
}

/** The index just past the string starting at `at` (its opening quote). */
function stringEnd(buf: Buffer, at: number): number {
  for (let i = at + 1; i < buf.length; i++) {
    if (buf[i] === BACKSLASH) i++;
    else if (buf[i] === QUOTE) return i + 1;
  }
  throw new SyntaxError('unterminated JSON string');
}

/** The index just past the value starting at `at`: a string, a nested object or array, or a scalar. */
function valueEndAt(buf: Buffer, at: number): number {
  if (buf[at] === QUOTE) return stringEnd(buf, at);
  if (OPEN.has(buf[at]!)) {
    let depth = 0;
    for (let i = at; i < buf.length; i++) {
      const c = buf[i]!;
      if (c === QUOTE) i = stringEnd(buf, i) - 1;
      else if (OPEN.has(c)) depth++;
      else if (CLOSE.has(c) && --depth === 0) return i + 1;
    }
    throw new SyntaxError('unterminated JSON value');
  }
  let i = at;
  while (i < buf.length && buf[i] !== 0x2c && buf[i] !== 0x7d && !WHITESPACE.has(buf[i]!)) i++;
  return i;
}
