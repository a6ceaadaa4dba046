/**
 * The words of a ManageSieve command (RFC 5804 section 4): atoms (the command name),
 * numbers, and strings, quoted or literal. Pure; what a command's arguments mean is
 * the command's own business (commands/).
 */

export type Word = { type: 'atom'; text: string } | { type: 'number'; value: number } | { type: 'string'; bytes: Buffer };

export interface ParsedCommand {
  name: string;
  args: Word[];
}

export class CommandSyntaxError extends Error {}

/** RFC 5804: quoted = DQUOTE *1024QUOTED-CHAR DQUOTE. */
const MAX_QUOTED = 1024;
const MAX_ATOM = 1024;
/** number = 1*DIGIT, in the range 0 to 4294967295. */
const MAX_NUMBER = 4294967295;
const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LITERAL_AT_END = /\{(\d{1,20})\+?\}$/;
/** ATOM-CHAR: any CHAR but atom-specials `(` `)` `{` SP CTL `%` `*` `"` `\` `]`. */
const ATOM_CHAR = /^[\x21\x23\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]$/;

/** Splits a framed command (reader.ts) into its name and argument words. */
export function parseCommand(lines: Buffer[], literals: Buffer[]): ParsedCommand {
  const words = parseWords(lines, literals);
  const first = words.shift();
  if (first?.type !== 'atom') throw new CommandSyntaxError('A command starts with its name');
  return { name: first.text.toUpperCase(), args: words };
}

/** The words of a framed line and its literals: a command, or a client's SASL response. */
export function parseWords(lines: Buffer[], literals: Buffer[]): Word[] {
  const words: Word[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const literal = i < literals.length ? LITERAL_AT_END.exec(line.toString('latin1')) : null;
    const text = literal ? line.subarray(0, line.length - literal[0].length) : line;
    const pos = wordsOf(text, words, i === 0);
    if (literal) {
      if (pos !== text.length || (text.length > 0 && text[text.length - 1] !== SP)) throw new CommandSyntaxError('A literal must follow a space');
      words.push({ type: 'string', bytes: literals[i]! });
    }
  }
  return words;
}

/** Reads words from `text` into `words`; returns where it stopped (the text's end). */
function wordsOf(text: Buffer, words: Word[], first: boolean): number {
  let pos = 0;
  let needSpace = !first;
  while (pos < text.length) {
    if (needSpace) {
      if (text[pos] !== SP) throw new CommandSyntaxError('Expected a space between arguments');
      pos++;
      // The space before a literal ends the text.
      if (pos === text.length) return pos;
    }
    needSpace = true;
    if (text[pos] === DQUOTE) pos = quoted(text, pos + 1, words);
    else pos = atom(text, pos, words);
  }
  return pos;
}

function quoted(text: Buffer, start: number, words: Word[]): number {
  const bytes: number[] = [];
  for (let pos = start; pos < text.length; pos++) {
    let c = text[pos]!;
    if (c === DQUOTE) {
      words.push({ type: 'string', bytes: Buffer.from(bytes) });
      return pos + 1;
    }
    if (c === BACKSLASH) {
      c = text[++pos] ?? 0;
      if (c !== DQUOTE && c !== BACKSLASH) throw new CommandSyntaxError('Only \\" and \\\\ may be escaped in a quoted string');
    } else if (c === 0 || c === 0x0d) {
      throw new CommandSyntaxError('Quoted strings may not contain NUL or CR');
    }
    bytes.push(c);
    if (bytes.length > MAX_QUOTED) throw new CommandSyntaxError('Quoted string too long; use a literal');
  }
  throw new CommandSyntaxError('Unterminated quoted string');
}

function atom(text: Buffer, start: number, words: Word[]): number {
  let pos = start;
  while (pos < text.length && ATOM_CHAR.test(String.fromCharCode(text[pos]!))) pos++;
  if (pos === start) throw new CommandSyntaxError(`Unexpected character ${JSON.stringify(String.fromCharCode(text[pos]!))}`);
  if (pos - start > MAX_ATOM) throw new CommandSyntaxError('Atom too long');
  const value = text.toString('latin1', start, pos);
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n > MAX_NUMBER) throw new CommandSyntaxError('Number out of range');
    words.push({ type: 'number', value: n });
  } else {
    words.push({ type: 'atom', text: value });
  }
  return pos;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A string argument as text: UTF-8 required (RFC 5804 section 4), else null. */
export function utf8(bytes: Buffer): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}
