import type { Framer } from '../../net/channel.ts';

/**
 * Frames the client's byte stream into ManageSieve commands (RFC 5804 section 4): a
 * command is lines joined by literals `{n+}` (or `{n}`, which some clients send; the
 * protocol has no continuation, so both are read the same way). Pure: bytes in, events out.
 */

export type SieveInput =
  /** A complete command: `lines[i]` (without CRLF) is followed by `literals[i]` where there is one. */
  | { type: 'command'; lines: Buffer[]; literals: Buffer[] }
  /**
   * The command broke a limit. It is read to its end without being kept (the client
   * sends a literal's bytes without waiting), so the answer comes where the client expects it.
   */
  | { type: 'refused'; reason: 'line-too-long' | 'literal-too-big'; literalSize?: number };

export interface SieveReaderLimits {
  /** Bytes of command text (all lines, literal data aside). */
  maxLine: number;
  /** Bytes of literal data in one command. */
  maxLiteral: number;
}

const LF = 0x0a;
const CR = 0x0d;
const LITERAL_AT_END = /\{(\d{1,20})\+?\}$/;
/** A line arriving in many small pieces is joined every so often, so a trickle costs bytes, not objects. */
const MAX_PIECES = 32;
/** Enough of a line's end for the longest literal announcement, `{` 20 digits `+}` and a CR. */
const TAIL = 24;

export const inputBytes = (input: SieveInput): number =>
  input.type === 'refused' ? 0 : input.lines.reduce((n, l) => n + l.length, 0) + input.literals.reduce((n, l) => n + l.length, 0);

export class SieveReader implements Framer<SieveInput> {
  limits: SieveReaderLimits;
  #lines: Buffer[] = [];
  #literals: Buffer[] = [];
  #line: Buffer[] = [];
  #lineBytes = 0;
  /** The end of a line being dropped, where a literal may be announced. */
  #tail = Buffer.alloc(0);
  #textBytes = 0;
  #literalBytes = 0;
  /** The literal being read and how much of it has arrived; null while reading a line. */
  #literal: Buffer | null = null;
  #filled = 0;
  /** Bytes of a refused literal still to drop. */
  #skipLeft = 0;
  /** Why the command being read will be refused, once it ends. */
  #refusal: Extract<SieveInput, { type: 'refused' }> | null = null;

  constructor(limits: SieveReaderLimits) {
    this.limits = limits;
  }

  get buffered(): number {
    return this.#textBytes + this.#lineBytes + this.#literalBytes - (this.#literal ? this.#literal.length - this.#filled : 0);
  }

  push(data: Buffer): SieveInput[] {
    const events: SieveInput[] = [];
    let pos = 0;
    while (pos < data.length) {
      if (this.#skipLeft > 0) {
        const take = Math.min(this.#skipLeft, data.length - pos);
        this.#skipLeft -= take;
        pos += take;
        continue;
      }
      if (this.#literal) {
        const take = Math.min(this.#literal.length - this.#filled, data.length - pos);
        this.#filled += data.copy(this.#literal, this.#filled, pos, pos + take);
        pos += take;
        if (this.#filled === this.#literal.length) {
          this.#literals.push(this.#literal);
          this.#literal = null;
          this.#filled = 0;
        }
        continue;
      }
      const lf = data.indexOf(LF, pos);
      const end = lf === -1 ? data.length : lf;
      if (this.#refusal === null) {
        this.#line.push(data.subarray(pos, end));
        this.#lineBytes += end - pos;
        // One byte over the limit is the CR of the CRLF.
        if (this.#textBytes + this.#lineBytes > this.limits.maxLine + 1) {
          const tail = Buffer.from(Buffer.concat(this.#line).subarray(-TAIL));
          this.#refuse({ type: 'refused', reason: 'line-too-long' });
          this.#tail = tail;
        }
      } else {
        this.#tail = Buffer.from(Buffer.concat([this.#tail, data.subarray(Math.max(pos, end - TAIL), end)]).subarray(-TAIL));
      }
      if (lf === -1) {
        // Our own copy, joined every so often: the caller may reuse its buffer.
        if (this.#line.length > 0) this.#line[this.#line.length - 1] = Buffer.from(this.#line[this.#line.length - 1]!);
        if (this.#line.length > MAX_PIECES) this.#line = [Buffer.concat(this.#line)];
        break;
      }
      pos = lf + 1;
      const event = this.#endOfLine();
      if (event) events.push(event);
    }
    return events;
  }

  #endOfLine(): SieveInput | null {
    // A dropped line's tail is still looked at: a literal announced there must be dropped too.
    let line = this.#refusal === null ? Buffer.concat(this.#line) : this.#tail;
    this.#line = [];
    this.#lineBytes = 0;
    this.#tail = Buffer.alloc(0);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
    const literal = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - TAIL)).toString('latin1'));
    if (this.#refusal === null) {
      this.#textBytes += line.length + 2;
      this.#lines.push(line);
    }
    if (!literal) return this.#finish();
    const size = Number(literal[1]);
    if (this.#refusal === null && this.#literalBytes + size > this.limits.maxLiteral) {
      this.#refuse({ type: 'refused', reason: 'literal-too-big', literalSize: size });
    }
    if (this.#refusal !== null) {
      this.#skipLeft = size;
      return null;
    }
    this.#literalBytes += size;
    // Not zero-filled: pages are only touched, and so resident, as the bytes arrive.
    this.#literal = Buffer.allocUnsafe(size);
    if (size === 0) {
      this.#literals.push(this.#literal);
      this.#literal = null;
    }
    return null;
  }

  #finish(): SieveInput {
    const event: SieveInput = this.#refusal ?? { type: 'command', lines: this.#lines, literals: this.#literals };
    this.clear();
    return event;
  }

  /** From here to the command's end nothing is kept; the command is answered with `refusal`. */
  #refuse(refusal: Extract<SieveInput, { type: 'refused' }>): void {
    this.#dropCommand();
    this.#refusal = refusal;
  }

  #dropCommand(): void {
    this.#lines = [];
    this.#literals = [];
    this.#line = [];
    this.#lineBytes = 0;
    this.#tail = Buffer.alloc(0);
    this.#textBytes = 0;
    this.#literalBytes = 0;
  }

  clear(): void {
    this.#dropCommand();
    this.#refusal = null;
    this.#literal = null;
    this.#filled = 0;
    this.#skipLeft = 0;
  }
}
