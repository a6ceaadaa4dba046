const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OBJECT_OPEN = 0x7b;
const OBJECT_CLOSE = 0x7d;
const ARRAY_OPEN = 0x5b;
const ARRAY_CLOSE = 0x5d;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Bytes looked at first: the head members of a record written head first fit. */
const FIRST_LOOK = 256;

/** Thrown by a scan that ran off the part of the record it was given. */
const TRUNCATED = new Error('truncated');

/**
 * Some top-level members of a JSON object record, read without parsing the rest:
 * the scan stops once every wanted member is found, and steps over nested values
 * by bracket depth. Member order only changes how far it reads, never the answer.
 * It scans a latin1 view of the bytes (one character per byte, so offsets are byte
 * offsets): every structural character is ASCII, and no byte of a multi-byte UTF-8
 * sequence is; a string value that is not plain ASCII is decoded from the bytes.
 * Wanted names are plain ASCII.
 */
export function topLevelMembers(record: Buffer, wanted: readonly string[]): Map<string, unknown> {
  if (record.length > FIRST_LOOK) {
    try {
      return scan(record, record.toString('latin1', 0, FIRST_LOOK), wanted);
    } catch (err) {
      if (err !== TRUNCATED) throw err;
    }
  }
  return scan(record, record.toString('latin1'), wanted);
}

function scan(record: Buffer, text: string, wanted: readonly string[]): Map<string, unknown> {
  const truncated = text.length < record.length;
  const found = new Map<string, unknown>();
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OBJECT_OPEN) throw problem(text, i, truncated);
  i = skipSpace(text, i + 1);
  while (found.size < wanted.length && text.charCodeAt(i) !== OBJECT_CLOSE) {
    if (text.charCodeAt(i) !== QUOTE) throw problem(text, i, truncated);
    const keyStart = i;
    const keyEnd = stringEnd(text, i);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) throw problem(text, i, truncated);
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end > text.length) throw problem(text, end, truncated);
    for (const name of wanted) {
      if (name.length === keyEnd - keyStart - 2 && text.startsWith(name, keyStart + 1)) {
        found.set(name, value(record, text, start, end));
        break;
      }
    }
    i = skipSpace(text, end);
    if (text.charCodeAt(i) === COMMA) i = skipSpace(text, i + 1);
    else if (text.charCodeAt(i) !== OBJECT_CLOSE) throw problem(text, i, truncated);
  }
  return found;
}

/** Why a scan stopped at `i`: the text given ended (look further), or the record is not the JSON object expected. */
function problem(text: string, i: number, truncated: boolean): Error {
  return i >= text.length && truncated ? TRUNCATED : new SyntaxError(`not the JSON object expected at byte ${i}`);
}

function skipSpace(text: string, i: number): number {
  while (isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index just past the string whose opening quote is at `i`; past the text when it does not end there. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return text.length + 1;
}

/** The index just past the value at `i`: a string, a nested object or array, or a scalar; past the text when cut. */
function valueEnd(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return stringEnd(text, i);
  if (first === OBJECT_OPEN || first === ARRAY_OPEN) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) j = stringEnd(text, j) - 1;
      else if (c === OBJECT_OPEN || c === ARRAY_OPEN) depth++;
      else if ((c === OBJECT_CLOSE || c === ARRAY_CLOSE) && --depth === 0) return j + 1;
    }
    return text.length + 1;
  }
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === COMMA || c === OBJECT_CLOSE || isSpace(c)) return j;
    j++;
  }
  return text.length + 1;
}

/** A member's value: plain ASCII strings and plain digits (ids, sizes, counts) without a parser, anything else parsed. */
function value(record: Buffer, text: string, start: number, end: number): unknown {
  const quoted = text.charCodeAt(start) === QUOTE;
  let n = 0;
  for (let i = quoted ? start + 1 : start; i < (quoted ? end - 1 : end); i++) {
    const c = text.charCodeAt(i);
    if (quoted ? c === BACKSLASH || c > 0x7e : c < 0x30 || c > 0x39 || end - start > 15) return JSON.parse(record.toString('utf8', start, end));
    n = n * 10 + c - 0x30;
  }
  return quoted ? text.slice(start + 1, end - 1) : n;
}
