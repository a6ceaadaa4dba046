import type { ImapValue } from './types.ts';

/**
 * IMAP wire form of a value, as a latin1 string (one char per byte).
 * Strings go out quoted when every byte is a plain TEXT-CHAR other than the
 * quoted-specials, otherwise as a literal — as Dovecot writes envelope strings,
 * and always valid IMAP.
 */
export function serializeImapValue(value: ImapValue): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

function write(value: ImapValue, out: string[]): void {
  if (value === null) out.push('NIL');
  else if (typeof value === 'number') out.push(String(value));
  else if (typeof value === 'string') out.push(quoteString(value));
  else {
    out.push('(');
    value.forEach((item, i) => {
      if (i > 0) out.push(' ');
      write(item, out);
    });
    out.push(')');
  }
}

/**
 * ENVELOPE in wire form. The addresses of an address list follow each other with
 * no space between them (RFC 3501 `env-from = "(" 1*address ")"`), as Dovecot
 * writes them; strict parsers refuse `) (` there.
 */
export function serializeEnvelope(envelope: ImapValue): string {
  if (!Array.isArray(envelope)) return serializeImapValue(envelope);
  // Fields 2 to 7 are from, sender, reply-to, to, cc, bcc.
  return `(${envelope.map((field, i) => (i >= 2 && i <= 7 && Array.isArray(field) ? adjoined(field) : serializeImapValue(field))).join(' ')})`;
}

/**
 * BODY or BODYSTRUCTURE in wire form: the parts of a multipart follow each other
 * with no space (`body-type-mpart = 1*body SP media-subtype`), and a message/rfc822
 * part's envelope and body are written by the same rules.
 */
export function serializeBody(body: ImapValue): string {
  if (!Array.isArray(body)) return serializeImapValue(body);
  if (Array.isArray(body[0])) {
    let n = 0;
    let parts = '';
    while (n < body.length && Array.isArray(body[n])) parts += serializeBody(body[n++]!);
    return `(${[parts, ...body.slice(n).map(serializeImapValue)].join(' ')})`;
  }
  // body-type-msg: type, subtype, params, id, description, encoding, size, envelope, body, lines, ...
  const message = typeof body[0] === 'string' && body[0].toLowerCase() === 'message' && typeof body[1] === 'string' &&
    body[1].toLowerCase() === 'rfc822' && Array.isArray(body[7]) && Array.isArray(body[8]);
  if (!message) return serializeImapValue(body);
  return `(${body.map((field, i) => (i === 7 ? serializeEnvelope(field) : i === 8 ? serializeBody(field) : serializeImapValue(field))).join(' ')})`;
}

/** A list whose items follow each other with no space. */
function adjoined(items: ImapValue[]): string {
  return `(${items.map(serializeImapValue).join('')})`;
}

/** One IMAP string: quoted when safe, else a literal. */
export function quoteString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13 || c === 34 || c === 92 || c >= 0x80) {
      return `{${s.length}}\r\n${s}`;
    }
  }
  return `"${s}"`;
}

/**
 * Parses a sequence of IMAP response values (atoms, numbers, NIL, quoted strings,
 * literals, parenthesised lists) from a latin1 string. Atoms other than NIL and
 * numbers come back as strings. Throws on malformed input (a test and tooling aid).
 */
export function parseImapValues(text: string): ImapValue[] {
  const p = { text, pos: 0 };
  const values: ImapValue[] = [];
  skipSpaces(p);
  while (p.pos < text.length) {
    values.push(parseOne(p));
    skipSpaces(p);
  }
  return values;
}

/** Parses exactly one value. */
export function parseImapValue(text: string): ImapValue {
  const values = parseImapValues(text);
  if (values.length !== 1) throw new Error(`expected one IMAP value, got ${values.length}`);
  return values[0]!;
}

interface Cursor { text: string; pos: number }

function skipSpaces(p: Cursor): void {
  while (p.pos < p.text.length && (p.text[p.pos] === ' ' || p.text[p.pos] === '\r' || p.text[p.pos] === '\n')) p.pos++;
}

function parseOne(p: Cursor): ImapValue {
  // Iterative over list nesting so deep input cannot overflow the stack.
  const stack: ImapValue[][] = [];
  for (;;) {
    skipSpaces(p);
    if (p.pos >= p.text.length) throw new Error('unexpected end of IMAP value');
    const ch = p.text[p.pos];
    let item: ImapValue;
    if (ch === '(') {
      p.pos++;
      stack.push([]);
      continue;
    } else if (ch === ')') {
      p.pos++;
      const list = stack.pop();
      if (!list) throw new Error(`unbalanced ')' at ${p.pos - 1}`);
      item = list;
    } else if (ch === '"') {
      item = parseQuoted(p);
    } else if (ch === '{') {
      item = parseLiteral(p);
    } else {
      item = parseAtom(p);
    }
    const top = stack[stack.length - 1];
    if (!top) return item;
    top.push(item);
  }
}

function parseQuoted(p: Cursor): string {
  let out = '';
  p.pos++;
  for (;;) {
    if (p.pos >= p.text.length) throw new Error('unterminated quoted string');
    const ch = p.text[p.pos++]!;
    if (ch === '"') return out;
    if (ch === '\\') {
      if (p.pos >= p.text.length) throw new Error('unterminated quoted string');
      out += p.text[p.pos++];
    } else out += ch;
  }
}

function parseLiteral(p: Cursor): string {
  const m = /^\{(\d+)\+?\}\r\n/.exec(p.text.slice(p.pos, p.pos + 24));
  if (!m) throw new Error(`bad literal at ${p.pos}`);
  const start = p.pos + m[0].length;
  const end = start + Number(m[1]);
  if (end > p.text.length) throw new Error('truncated literal');
  p.pos = end;
  return p.text.slice(start, end);
}

function parseAtom(p: Cursor): ImapValue {
  const start = p.pos;
  while (p.pos < p.text.length && !' ()\r\n"{'.includes(p.text[p.pos]!)) {
    // A section spec like BODY[1.2] keeps its brackets (and spaces inside them) in the atom.
    if (p.text[p.pos] === '[') {
      const close = p.text.indexOf(']', p.pos);
      p.pos = close < 0 ? p.text.length : close + 1;
    } else p.pos++;
  }
  if (p.pos === start) throw new Error(`unexpected ${JSON.stringify(p.text[p.pos])} at ${p.pos}`);
  const atom = p.text.slice(start, p.pos);
  if (atom.toUpperCase() === 'NIL') return null;
  if (/^\d+$/.test(atom)) return Number(atom);
  return atom;
}
