import type { Position } from './ast.ts';

/** A lexical token of RFC 5228 section 8.1; strings carry their decoded value. */
export type Token =
  | { type: 'identifier'; text: string; pos: Position }
  | { type: 'tag'; text: string; pos: Position }
  | { type: 'number'; value: number; pos: Position }
  | { type: 'string'; value: string; pos: Position }
  | { type: 'special'; text: '[' | ']' | '(' | ')' | ',' | ';' | '{' | '}'; pos: Position }
  | { type: 'end'; pos: Position };

export class SieveSyntaxError extends Error {
  readonly pos: Position;
  constructor(pos: Position, message: string) {
    super(message);
    this.pos = pos;
  }
}

const specialInString = /["\\]/g;
const multipliers: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** Numbers are unsigned and at most 2^53-1 here, so that every value is exact. */
const maxNumber = Number.MAX_SAFE_INTEGER;

/**
 * Splits a script into tokens. Line ends may be CRLF or LF; inside strings they
 * come out as CRLF, as the RFC's grammar has them.
 */
export class Lexer {
  private i = 0;
  private line = 1;
  private column = 1;
  private readonly text: string;

  constructor(text: string) {
    this.text = text.replace(/\r\n/g, '\n');
  }

  next(): Token {
    this.skipSpaceAndComments();
    const pos = this.pos();
    if (this.i >= this.text.length) return { type: 'end', pos };
    const c = this.text[this.i]!;
    if ('[](),;{}'.includes(c)) {
      this.advance(1);
      return { type: 'special', text: c as '[', pos };
    }
    if (c === '"') return { type: 'string', value: this.quoted(), pos };
    if (c === ':') {
      this.advance(1);
      const name = this.identifier();
      if (!name) throw new SieveSyntaxError(pos, 'a tag needs a name after ":"');
      return { type: 'tag', text: name.toLowerCase(), pos };
    }
    if (c >= '0' && c <= '9') return { type: 'number', value: this.number(pos), pos };
    const name = this.identifier();
    if (!name) throw new SieveSyntaxError(pos, `unexpected character ${JSON.stringify(c)}`);
    if (name.toLowerCase() === 'text' && this.text[this.i] === ':') {
      this.advance(1);
      return { type: 'string', value: this.multiline(pos), pos };
    }
    return { type: 'identifier', text: name.toLowerCase(), pos };
  }

  private pos(): Position {
    return { line: this.line, column: this.column };
  }

  private advance(n: number): void {
    for (let k = 0; k < n; k++) {
      if (this.text[this.i] === '\n') {
        this.line++;
        this.column = 1;
      } else this.column++;
      this.i++;
    }
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.text[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.advance(1);
      else if (c === '#') this.skipLine();
      else if (c === '/' && this.text[this.i + 1] === '*') {
        const start = this.pos();
        const end = this.text.indexOf('*/', this.i + 2);
        if (end < 0) throw new SieveSyntaxError(start, 'unterminated /* comment');
        this.advance(end + 2 - this.i);
      } else return;
    }
  }

  private skipLine(): void {
    const end = this.text.indexOf('\n', this.i);
    this.advance((end < 0 ? this.text.length : end + 1) - this.i);
  }

  private identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.i, this.i + 1024));
    if (!m) return '';
    if (m[0].length >= 1024) throw new SieveSyntaxError(this.pos(), 'identifier too long');
    this.advance(m[0].length);
    return m[0];
  }

  private number(pos: Position): number {
    const m = /^[0-9]+/.exec(this.text.slice(this.i, this.i + 64))![0];
    if (m.length >= 64) throw new SieveSyntaxError(pos, 'number too large');
    this.advance(m.length);
    let value = Number(m);
    const unit = this.text[this.i]?.toLowerCase();
    if (unit && unit in multipliers) {
      value *= multipliers[unit]!;
      this.advance(1);
    }
    if (value > maxNumber) throw new SieveSyntaxError(pos, `number too large (at most ${maxNumber})`);
    return value;
  }

  /** RFC 5228 2.4.2: `\\` and `\"` stand for themselves; any other escaped character too. */
  private quoted(): string {
    const start = this.pos();
    this.advance(1);
    let out = '';
    for (;;) {
      specialInString.lastIndex = this.i;
      const found = specialInString.exec(this.text);
      if (!found) throw new SieveSyntaxError(start, 'unterminated string');
      out += this.text.slice(this.i, found.index);
      this.advance(found.index - this.i);
      if (this.text[this.i] === '"') {
        this.advance(1);
        return out.replace(/\n/g, '\r\n');
      }
      if (this.i + 1 >= this.text.length) throw new SieveSyntaxError(start, 'unterminated string');
      out += this.text[this.i + 1];
      this.advance(2);
    }
  }

  /** `text:` up to a line holding only "."; a line starting with "." loses that dot (dot-stuffing). */
  private multiline(start: Position): string {
    while (this.text[this.i] === ' ' || this.text[this.i] === '\t') this.advance(1);
    if (this.text[this.i] === '#') this.skipLine();
    else if (this.text[this.i] === '\n') this.advance(1);
    else throw new SieveSyntaxError(this.pos(), 'a line end must follow "text:"');
    const lines: string[] = [];
    for (;;) {
      if (this.i >= this.text.length) throw new SieveSyntaxError(start, 'unterminated multi-line string (no line with a single ".")');
      const end = this.text.indexOf('\n', this.i);
      const line = this.text.slice(this.i, end < 0 ? this.text.length : end);
      this.advance((end < 0 ? this.text.length : end + 1) - this.i);
      if (line === '.') return lines.map((l) => `${l}\r\n`).join('');
      lines.push(line.startsWith('.') ? line.slice(1) : line);
    }
  }
}
