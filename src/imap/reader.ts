/**
 * Frames the client's byte stream into IMAP commands (RFC 3501 section 2.2, 7888):
 * a command is lines joined by literals, and it is handed on whole, literals inline,
 * so that the parser sees exactly what was sent. Pure: bytes in, events out.
 */

export type ReaderEvent =
  /** A complete command without its final CRLF; literals stay inline as `{n}\r\n` + bytes. */
  | { type: 'command'; data: Buffer }
  /** A synchronizing literal was announced and fits: the client waits for `+`. */
  | { type: 'continue' }
  /**
   * The command was refused before it was read whole; `head` is what arrived of its
   * first line (for the tag). A fatal error leaves the stream without a command boundary.
   */
  | { type: 'refused'; head: Buffer; reason: RefusalReason; fatal: boolean };

/** `non-sync-literal`: a LITERAL- server got a non-synchronizing literal over 4096 octets (RFC 7888 4). */
export type RefusalReason = 'line-too-long' | 'literal-too-big' | 'non-sync-literal';

export interface ReaderLimits {
  /** Bytes of command text (everything but literal data), over all lines of a command. */
  maxLine: number;
  /** Bytes of literal data in one command. */
  maxLiteral: number;
  /** The largest non-synchronizing literal taken; unset for LITERAL+ (no limit of its own). */
  maxNonSyncLiteral?: number;
}

/** LITERAL-'s limit on non-synchronizing literals (RFC 7888 4). */
export const LITERAL_MINUS_MAX = 4096;

const LF = 0x0a;
const CR = 0x0d;
const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;

export class CommandReader {
  readonly #limits: ReaderLimits;
  /** Parts of the command so far: lines with their CRLF, and literal data. */
  #parts: Buffer[] = [];
  /** The current line's bytes so far. */
  #line: Buffer[] = [];
  #lineBytes = 0;
  #textBytes = 0;
  #literalBytes = 0;
  /** Literal bytes still expected; 0 in line mode. */
  #literalLeft = 0;
  /** Dropping the rest of an over-long line. */
  #skipping = false;
  #dead = false;

  constructor(limits: ReaderLimits) {
    this.#limits = limits;
  }

  push(data: Buffer): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    let pos = 0;
    while (pos < data.length && !this.#dead) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, data.length - pos);
        this.#parts.push(Buffer.from(data.subarray(pos, pos + take)));
        this.#literalLeft -= take;
        pos += take;
        continue;
      }
      const lf = data.indexOf(LF, pos);
      const end = lf === -1 ? data.length : lf;
      if (!this.#skipping) {
        this.#line.push(data.subarray(pos, end));
        this.#lineBytes += end - pos;
        // One byte over the limit is the CR of the CRLF.
        if (this.#textBytes + this.#lineBytes > this.#limits.maxLine + 1) {
          events.push({ type: 'refused', head: this.#head(), reason: 'line-too-long', fatal: false });
          this.#reset();
          this.#skipping = true;
        }
      }
      if (lf === -1) {
        // Keep our own copy: the caller may reuse its buffer.
        if (!this.#skipping && this.#line.length > 0) this.#line[this.#line.length - 1] = Buffer.from(this.#line[this.#line.length - 1]!);
        break;
      }
      pos = lf + 1;
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      const event = this.#endOfLine();
      if (event) events.push(event);
    }
    return events;
  }

  #endOfLine(): ReaderEvent | null {
    let line = Buffer.concat(this.#line);
    this.#line = [];
    this.#lineBytes = 0;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
    this.#textBytes += line.length + 2;
    const literal = LITERAL_AT_END.exec(line.toString('latin1'));
    if (!literal) {
      this.#parts.push(line);
      const data = Buffer.concat(this.#parts);
      this.#reset();
      return { type: 'command', data };
    }
    const size = Number(literal[1]);
    const sync = literal[2] === '';
    const nonSyncTooBig = !sync && size > (this.#limits.maxNonSyncLiteral ?? Infinity);
    if (this.#literalBytes + size > this.#limits.maxLiteral || nonSyncTooBig) {
      this.#parts.push(line);
      const head = this.#head();
      this.#reset();
      // A client that sent a non-synchronizing literal sends its bytes anyway, and
      // they cannot be told apart from commands: the connection has to end.
      if (!sync) this.#dead = true;
      return { type: 'refused', head, reason: nonSyncTooBig ? 'non-sync-literal' : 'literal-too-big', fatal: !sync };
    }
    this.#parts.push(line, Buffer.from('\r\n'));
    this.#literalBytes += size;
    this.#literalLeft = size;
    return sync ? { type: 'continue' } : null;
  }

  /** The first line of the command in progress, for its tag. */
  #head(): Buffer {
    const first = this.#parts[0] ?? Buffer.concat(this.#line);
    const lf = first.indexOf(LF);
    return Buffer.from(lf === -1 ? first.subarray(0, 200) : first.subarray(0, lf));
  }

  #reset(): void {
    this.#parts = [];
    this.#line = [];
    this.#lineBytes = 0;
    this.#textBytes = 0;
    this.#literalBytes = 0;
    this.#literalLeft = 0;
  }

  /** Forgets everything, as STARTTLS must with what was pipelined before the handshake. */
  clear(): void {
    this.#reset();
    this.#skipping = false;
  }
}
