/**
 * The command parser (RFC 3501 section 9): a cursor over one framed command with
 * the grammar's building blocks. Each command file parses its own arguments with
 * it. Pure; a syntax error throws ParseError, which becomes a tagged BAD.
 */

export class ParseError extends Error {
  override name = 'ParseError';
}

/** Bounds parenthesised lists (SEARCH, FETCH): deep nesting is an attack, not a query. */
export const MAX_DEPTH = 32;

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** atom-specials: ( ) { SP CTL % * " \ ] (RFC 3501 section 9). */
const isAtomChar = (c: number): boolean =>
  c > 0x20 && c < 0x7f && c !== 0x28 && c !== 0x29 && c !== 0x7b && c !== 0x25 && c !== 0x2a && c !== DQUOTE && c !== BACKSLASH && c !== 0x5d;
/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]"). */
const isAstringChar = (c: number): boolean => isAtomChar(c) || c === 0x5d;
const isListChar = (c: number): boolean => isAstringChar(c) || c === 0x25 || c === 0x2a;
const isTagChar = (c: number): boolean => isAstringChar(c) && c !== 0x2b;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export class Parser {
  readonly data: Buffer;
  pos = 0;
  /** Mailbox names arrive as UTF-8, not modified UTF-7 (UTF8=ACCEPT enabled, RFC 6855 3). */
  utf8Names = false;
  #depth = 0;
  /** Large literals read apart from the command text, by the offset where their bytes would be. */
  readonly #literals: ReadonlyMap<number, Buffer> | undefined;

  constructor(data: Buffer, literals?: ReadonlyMap<number, Buffer>) {
    this.data = data;
    this.#literals = literals;
  }

  get atEnd(): boolean {
    return this.pos >= this.data.length;
  }

  peek(): number {
    return this.data[this.pos] ?? -1;
  }

  /** True (and consumed) when the input continues with `text`, compared case-insensitively. */
  take(text: string): boolean {
    const slice = this.data.toString('latin1', this.pos, this.pos + text.length);
    if (slice.toUpperCase() !== text.toUpperCase()) return false;
    this.pos += text.length;
    return true;
  }

  expect(text: string): void {
    if (!this.take(text)) throw new ParseError(`expected ${JSON.stringify(text)}`);
  }

  sp(): void {
    if (this.peek() !== SP) throw new ParseError('expected a space');
    this.pos++;
  }

  end(): void {
    if (!this.atEnd) throw new ParseError('unexpected characters at the end of the command');
  }

  #run(accept: (c: number) => boolean, what: string): string {
    const start = this.pos;
    while (this.pos < this.data.length && accept(this.data[this.pos]!)) this.pos++;
    if (this.pos === start) throw new ParseError(`expected ${what}`);
    return this.data.toString('latin1', start, this.pos);
  }

  tag(): string {
    return this.#run(isTagChar, 'a tag');
  }

  atom(): string {
    return this.#run(isAtomChar, 'an atom');
  }

  /** An item name made of letters, digits, `.` and `-` (FETCH items stop before `[`), upper-cased. */
  itemName(): string {
    return this.#run((c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d, 'an item name').toUpperCase();
  }

  /** Command names and keywords, upper-cased. */
  keyword(): string {
    return this.atom().toUpperCase();
  }

  number(): number {
    const text = this.#run((c) => c >= 0x30 && c <= 0x39, 'a number');
    const n = Number(text);
    if (text.length > 10 || n > 0xffffffff) throw new ParseError('number out of range');
    return n;
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) throw new ParseError('expected a number greater than zero');
    return n;
  }

  /** mod-sequence-value: up to 2^63-1 (RFC 7162); JavaScript numbers are exact up to 2^53. */
  modSeq(): number {
    const text = this.#run((c) => c >= 0x30 && c <= 0x39, 'a mod-sequence');
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new ParseError('mod-sequence out of range');
    return n;
  }

  /** string = quoted / literal, as bytes. */
  stringBytes(): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.#quoted();
    if (c === 0x7b) return this.#literal();
    throw new ParseError('expected a string');
  }

  string(): string {
    return this.stringBytes().toString('utf8');
  }

  astring(): string {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string();
    return Buffer.from(this.#run(isAstringChar, 'a string'), 'latin1').toString('utf8');
  }

  /** nstring: a string or NIL (null). */
  nstring(): string | null {
    if (this.peek() !== DQUOTE && this.peek() !== 0x7b) {
      this.expect('NIL');
      return null;
    }
    return this.string();
  }

  /** list-mailbox: wildcards allowed outside quotes (RFC 3501 LIST). */
  listMailbox(): string {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string();
    return Buffer.from(this.#run(isListChar, 'a mailbox pattern'), 'latin1').toString('utf8');
  }

  #quoted(): Buffer {
    this.pos++;
    const out: number[] = [];
    for (;;) {
      if (this.atEnd) throw new ParseError('unterminated quoted string');
      const c = this.data[this.pos++]!;
      if (c === DQUOTE) return Buffer.from(out);
      if (c === 0x0d || c === 0x0a || c === 0) throw new ParseError('CR, LF or NUL inside a quoted string');
      if (c === BACKSLASH) {
        const next = this.data[this.pos++];
        if (next !== DQUOTE && next !== BACKSLASH) throw new ParseError('bad escape in a quoted string');
        out.push(next);
      } else {
        out.push(c);
      }
    }
  }

  #literal(): Buffer {
    this.pos++;
    const size = this.number();
    this.take('+');
    this.expect('}\r\n');
    const apart = this.#literals?.get(this.pos);
    if (apart) {
      if (apart.length !== size) throw new ParseError('literal of another size than announced');
      return apart;
    }
    if (this.pos + size > this.data.length) throw new ParseError('literal shorter than announced');
    const bytes = this.data.subarray(this.pos, this.pos + size);
    this.pos += size;
    return bytes;
  }

  /** A parenthesised list whose items `item` parses; `allowEmpty` for `()`. */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.expect('(');
    this.enter();
    const items: T[] = [];
    if (this.peek() !== 0x29) {
      items.push(item());
      while (this.peek() === SP) {
        this.pos++;
        items.push(item());
      }
    }
    this.expect(')');
    this.leave();
    if (!allowEmpty && items.length === 0) throw new ParseError('empty list');
    return items;
  }

  enter(): void {
    if (++this.#depth > MAX_DEPTH) throw new ParseError('parentheses nested too deeply');
  }

  leave(): void {
    this.#depth--;
  }

  /** flag = "\" atom / keyword (RFC 3501); `\*` only where `allowWildcard`. */
  flag(allowWildcard = false): string {
    if (this.peek() === BACKSLASH) {
      this.pos++;
      if (allowWildcard && this.take('*')) return '\\*';
      return `\\${this.atom()}`;
    }
    return this.atom();
  }

  flagList(): string[] {
    return this.list(() => this.flag());
  }

  /** date = date-text / DQUOTE date-text DQUOTE; the start of that day in UTC, in ms. */
  date(): number {
    const quoted = this.take('"');
    const text = this.#run((c) => c > 0x20 && c < 0x7f && c !== DQUOTE, 'a date');
    if (quoted) this.expect('"');
    const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
    const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
    if (!m || month < 0) throw new ParseError('expected a date like 1-Jan-2026');
    const day = Number(m[1]);
    const ms = Date.UTC(Number(m[3]), month, day);
    if (new Date(ms).getUTCDate() !== day) throw new ParseError('no such day');
    return ms;
  }

  /** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE, in ms. */
  dateTime(): number {
    const text = this.string();
    const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
    const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
    if (!m || month < 0) throw new ParseError('expected a date-time like "01-Jan-2026 10:00:00 +0000"');
    const [day, year, hour, minute, second, zh, zm] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map(Number) as number[];
    if (hour! > 23 || minute! > 59 || second! > 60 || zm! > 59 || new Date(Date.UTC(year!, month, day!)).getUTCDate() !== day) {
      throw new ParseError('invalid date-time');
    }
    const offset = (m[7] === '-' ? -1 : 1) * (zh! * 60 + zm!);
    return Date.UTC(year!, month, day!, hour!, minute!, second!) - offset * 60_000;
  }
}
