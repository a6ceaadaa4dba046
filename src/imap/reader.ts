/**
 * Frames the client's byte stream into IMAP commands (RFC 3501 section 2.2, 7888):
 * a command is lines joined by literals, and it is handed on whole, literals inline,
 * so that the parser sees exactly what was sent. Pure: bytes in, events out.
 */

export type ReaderEvent =
  /**
   * A complete command without its final CRLF. Literals stay inline as `{n}\r\n` + bytes,
   * except large ones: their bytes are in `literals`, keyed by the offset in `data` where
   * they would start, so that a message is held once, in the buffer it was read into.
   */
  | { type: 'command'; data: Buffer; literals?: ReadonlyMap<number, Buffer> }
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
/** Literals larger than this are read into a buffer of their own instead of being copied into the command. */
export const INLINE_LITERAL_MAX = 64 * 1024;
/** A line arriving in many small pieces is joined every so often, so a trickle costs bytes, not objects. */
const MAX_LINE_PIECES = 32;

/** The bytes an event holds, for the connection's bound on what it buffers. */
export function eventBytes(event: ReaderEvent): number {
  if (event.type === 'refused') return event.head.length;
  if (event.type === 'continue') return 0;
  let bytes = event.data.length;
  for (const literal of event.literals?.values() ?? []) bytes += literal.length;
  return bytes;
}

const LF = 0x0a;
const CR = 0x0d;
const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;

export class CommandReader {
  #limits: ReaderLimits;
  /** Parts of the command so far: lines with their CRLF, and small literals' data. */
  #parts: Buffer[] = [];
  #partsBytes = 0;
  /** Large literals of the command so far, by their offset in the command text. */
  #literals = new Map<number, Buffer>();
  /** The large literal being read, and how much of it has arrived. */
  #big: Buffer | null = null;
  #bigFilled = 0;
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

  /** New limits from the next announced literal or line on (after login, literals may be larger). */
  set limits(limits: ReaderLimits) {
    this.#limits = limits;
  }

  /** Bytes held for the command being read. */
  get buffered(): number {
    let bytes = this.#partsBytes + this.#lineBytes + this.#bigFilled;
    for (const literal of this.#literals.values()) bytes += literal.length;
    return bytes;
  }

  push(data: Buffer): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    let pos = 0;
    while (pos < data.length && !this.#dead) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, data.length - pos);
        if (this.#big) {
          this.#bigFilled += data.copy(this.#big, this.#bigFilled, pos, pos + take);
        } else {
          this.#push(Buffer.from(data.subarray(pos, pos + take)));
        }
        this.#literalLeft -= take;
        pos += take;
        if (this.#literalLeft === 0 && this.#big) {
          this.#literals.set(this.#partsBytes, this.#big);
          this.#big = null;
          this.#bigFilled = 0;
        }
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
        if (!this.#skipping && this.#line.length > 0) {
          this.#line[this.#line.length - 1] = Buffer.from(this.#line[this.#line.length - 1]!);
          if (this.#line.length > MAX_LINE_PIECES) this.#line = [Buffer.concat(this.#line)];
        }
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
      this.#push(line);
      const data = Buffer.concat(this.#parts);
      const literals = this.#literals.size > 0 ? this.#literals : undefined;
      this.#reset();
      return literals ? { type: 'command', data, literals } : { type: 'command', data };
    }
    const size = Number(literal[1]);
    const sync = literal[2] === '';
    const nonSyncTooBig = !sync && size > (this.#limits.maxNonSyncLiteral ?? Infinity);
    if (this.#literalBytes + size > this.#limits.maxLiteral || nonSyncTooBig) {
      this.#push(line);
      const head = this.#head();
      this.#reset();
      // A client that sent a non-synchronizing literal sends its bytes anyway, and
      // they cannot be told apart from commands: the connection has to end.
      if (!sync) this.#dead = true;
      return { type: 'refused', head, reason: nonSyncTooBig ? 'non-sync-literal' : 'literal-too-big', fatal: !sync };
    }
    this.#push(line);
    this.#push(Buffer.from('\r\n'));
    this.#literalBytes += size;
    this.#literalLeft = size;
    // Not zero-filled: pages are only touched, and so resident, as the bytes arrive.
    if (size > INLINE_LITERAL_MAX) this.#big = Buffer.allocUnsafe(size);
    return sync ? { type: 'continue' } : null;
  }

  /** The first line of the command in progress, for its tag. */
  #head(): Buffer {
    const first = this.#parts[0] ?? Buffer.concat(this.#line);
    const lf = first.indexOf(LF);
    return Buffer.from(lf === -1 ? first.subarray(0, 200) : first.subarray(0, lf));
  }

  #push(part: Buffer): void {
    this.#parts.push(part);
    this.#partsBytes += part.length;
  }

  #reset(): void {
    this.#parts = [];
    this.#partsBytes = 0;
    this.#literals = new Map();
    this.#big = null;
    this.#bigFilled = 0;
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
