/**
 * RFC 822/2822 lexical scanning of header values, with Dovecot's lenient rules
 * (its lib-mail rfc822-parser), so that what we extract matches what Dovecot
 * reports. Values are latin1 strings (one char per byte).
 *
 * Functions return Dovecot's tri-state: 1 = ok and more input follows,
 * 0 = ok and input ended, -1 = syntax error.
 */

export interface Scanner {
  s: string;
  pos: number;
  /** When set, receives the text of the last comment skipped. */
  lastComment: string | null;
}

export function scanner(s: string, trackComments = false): Scanner {
  return { s, pos: 0, lastComment: trackComments ? '' : null };
}

/** atext: 1 = plain atext, 2 = alphanumeric or 8-bit, 4 = atext but a MIME tspecial. */
const ATEXT = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if (c >= 0x80 || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) ATEXT[c] = 2;
}
for (const ch of "!#$%&'*+-^_`{|}~") ATEXT[ch.charCodeAt(0)] = 1;
for (const ch of '/=?') ATEXT[ch.charCodeAt(0)] = 4;

export function isAtext(c: number): boolean {
  return c < 256 && ATEXT[c] !== 0;
}

function isTokenChar(c: number): boolean {
  return c < 256 && (ATEXT[c]! & 3) !== 0;
}

export function atEnd(p: Scanner): boolean {
  return p.pos >= p.s.length;
}

export function peek(p: Scanner): number {
  return p.pos < p.s.length ? p.s.charCodeAt(p.pos) : -1;
}

export function skipComment(p: Scanner): number {
  let level = 1;
  let text = '';
  let start = ++p.pos;
  if (p.lastComment !== null) p.lastComment = '';
  for (; p.pos < p.s.length; p.pos++) {
    const c = p.s.charCodeAt(p.pos);
    if (c === 0x28) level++;
    else if (c === 0x29) {
      if (--level === 0) {
        if (p.lastComment !== null) p.lastComment = text + p.s.slice(start, p.pos);
        p.pos++;
        return p.pos < p.s.length ? 1 : 0;
      }
    } else if (c === 0x5c) {
      text += p.s.slice(start, p.pos);
      start = p.pos + 1;
      p.pos++;
      if (p.pos >= p.s.length) break;
    }
  }
  if (p.lastComment !== null) p.lastComment = text;
  return -1;
}

/** Skips whitespace (including CR/LF) and comments. */
export function skipLwsp(p: Scanner): number {
  while (p.pos < p.s.length) {
    const c = p.s.charCodeAt(p.pos);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
      p.pos++;
      continue;
    }
    if (c !== 0x28) break;
    if (skipComment(p) < 0) return -1;
  }
  return p.pos < p.s.length ? 1 : 0;
}

export interface Out { v: string }

export function parseAtom(p: Scanner, out: Out): number {
  if (p.pos >= p.s.length || !isAtext(p.s.charCodeAt(p.pos))) return -1;
  const start = p.pos++;
  while (p.pos < p.s.length && isAtext(p.s.charCodeAt(p.pos))) p.pos++;
  out.v += p.s.slice(start, p.pos);
  return p.pos < p.s.length ? skipLwsp(p) : 0;
}

/** dot-atom, allowing whitespace and comments around the dots as RFC 822 did. */
export function parseDotAtom(p: Scanner, out: Out): number {
  if (p.pos >= p.s.length || !isAtext(p.s.charCodeAt(p.pos))) return -1;
  let start = p.pos++;
  while (p.pos < p.s.length) {
    if (isAtext(p.s.charCodeAt(p.pos))) {
      p.pos++;
      continue;
    }
    out.v += p.s.slice(start, p.pos);
    let ret = skipLwsp(p);
    if (ret <= 0) return ret;
    if (p.s.charCodeAt(p.pos) !== 0x2e) return 1;
    p.pos++;
    out.v += '.';
    ret = skipLwsp(p);
    if (ret <= 0) return ret;
    start = p.pos;
  }
  out.v += p.s.slice(start, p.pos);
  return 0;
}

/** A MIME token (dots allowed), possibly empty. */
export function parseMimeToken(p: Scanner, out: Out): number {
  const start = p.pos;
  while (p.pos < p.s.length) {
    const c = p.s.charCodeAt(p.pos);
    if (!isTokenChar(c) && c !== 0x2e) break;
    p.pos++;
  }
  out.v += p.s.slice(start, p.pos);
  return p.pos < p.s.length ? skipLwsp(p) : 0;
}

/** A quoted string; folding (CR)LF is dropped and backslashes unescape. */
export function parseQuotedString(p: Scanner, out: Out): number {
  p.pos++;
  let start = p.pos;
  for (; p.pos < p.s.length; p.pos++) {
    const c = p.s.charCodeAt(p.pos);
    if (c === 0x22) {
      out.v += p.s.slice(start, p.pos);
      p.pos++;
      return skipLwsp(p);
    } else if (c === 0x0a) {
      let end = p.pos;
      if (end > start && p.s.charCodeAt(end - 1) === 0x0d) end--;
      out.v += p.s.slice(start, end);
      start = p.pos + 1;
    } else if (c === 0x5c) {
      p.pos++;
      if (p.pos >= p.s.length) return -1;
      out.v += p.s.slice(start, p.pos - 1);
      start = p.pos;
    }
  }
  return -1;
}

function parseAtomOrDot(p: Scanner, out: Out): number {
  const start = p.pos;
  while (p.pos < p.s.length) {
    const c = p.s.charCodeAt(p.pos);
    if (!isAtext(c) && c !== 0x2e) break;
    p.pos++;
  }
  out.v += p.s.slice(start, p.pos);
  return p.pos < p.s.length ? skipLwsp(p) : 0;
}

/** phrase = 1*word, words joined by one space (obs-phrase dots allowed). */
export function parsePhrase(p: Scanner, out: Out): number {
  if (p.pos >= p.s.length) return 0;
  if (p.s.charCodeAt(p.pos) === 0x2e) return -1;
  for (;;) {
    const ret = p.s.charCodeAt(p.pos) === 0x22 ? parseQuotedString(p, out) : parseAtomOrDot(p, out);
    if (ret <= 0) return ret;
    const c = p.s.charCodeAt(p.pos);
    if (!isAtext(c) && c !== 0x22 && c !== 0x2e) break;
    out.v += ' ';
  }
  return skipLwsp(p);
}

function parseDomainLiteral(p: Scanner, out: Out): number {
  const start = p.pos;
  for (; p.pos < p.s.length; p.pos++) {
    const c = p.s.charCodeAt(p.pos);
    if (c === 0x5c) {
      p.pos++;
      if (p.pos >= p.s.length) break;
    } else if (c === 0x5d) {
      p.pos++;
      out.v += p.s.slice(start, p.pos);
      return skipLwsp(p);
    }
  }
  return -1;
}

/** "@" domain, the scanner positioned at the "@". */
export function parseDomain(p: Scanner, out: Out): number {
  p.pos++;
  if (skipLwsp(p) <= 0) return -1;
  return p.s.charCodeAt(p.pos) === 0x5b ? parseDomainLiteral(p, out) : parseDotAtom(p, out);
}

/**
 * type "/" subtype into out as "type/subtype", read as Dovecot 2.3 reads it: a lone
 * type that ends the value is kept (as a type without subtype); any other broken
 * value (no "/", an empty subtype, or anything but ";" after the subtype) leaves
 * out as it was, so the part has type and subtype "".
 */
export function parseContentType(p: Scanner, out: Out): number {
  const before = out.v;
  if (skipLwsp(p) <= 0) return -1;
  if (parseMimeToken(p, out) <= 0 || out.v === before) return -1;
  const broken = (): number => {
    out.v = before;
    return -1;
  };
  if (p.s.charCodeAt(p.pos) !== 0x2f) return broken();
  p.pos++;
  if (skipLwsp(p) <= 0) return broken();
  out.v += '/';
  const subtypeStart = out.v;
  const ret = parseMimeToken(p, out);
  if (out.v === subtypeStart || (p.pos < p.s.length && p.s.charCodeAt(p.pos) !== 0x3b)) return broken();
  return ret;
}

/** One `; key=value` parameter. Returns 0 at end of input. */
export function parseContentParam(p: Scanner): { ret: number; key: string | null; value: string } {
  const value: Out = { v: '' };
  if (p.pos >= p.s.length) return { ret: 0, key: null, value: '' };
  if (p.s.charCodeAt(p.pos) !== 0x3b) return { ret: -1, key: null, value: '' };
  p.pos++;
  if (skipLwsp(p) <= 0) return { ret: -1, key: null, value: '' };
  const key: Out = { v: '' };
  if (parseMimeToken(p, key) <= 0) return { ret: -1, key: null, value: '' };
  if (p.s.charCodeAt(p.pos) !== 0x3d) return { ret: -1, key: null, value: '' };
  p.pos++;
  let ret = skipLwsp(p);
  if (ret <= 0) {
    // broken or no value
  } else if (p.s.charCodeAt(p.pos) === 0x22) {
    ret = parseQuotedString(p, value);
  } else if (p.s.charCodeAt(p.pos) === 0x3d) {
    // Broken input like name==?utf-8?b?...?= : take up to whitespace or ';'.
    const start = p.pos;
    while (p.pos < p.s.length && !';\t\r\n '.includes(p.s[p.pos]!)) p.pos++;
    value.v = p.s.slice(start, p.pos);
  } else {
    ret = parseMimeToken(p, value);
  }
  return { ret: ret < 0 ? -1 : 1, key: key.v, value: value.v };
}
