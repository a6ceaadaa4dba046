export type LineEvent = { type: 'line'; line: Buffer } | { type: 'too-long' };

const LF = 0x0a;
const CR = 0x0d;
/** A line arriving in many small pieces is joined every so often, so a trickle costs bytes, not objects. */
const MAX_PIECES = 32;

/**
 * Splits a byte stream into lines (CRLF, or a bare LF from sloppy clients) with a
 * length limit. An over-long line is reported once, as soon as it passes the
 * limit, and the rest of it is dropped up to its end, so it costs no memory.
 */
export class LineReader {
  readonly #max: number;
  #parts: Buffer[] = [];
  #length = 0;
  #skipping = false;

  /** `maxLength` counts the line's bytes without its CRLF. */
  constructor(maxLength: number) {
    this.#max = maxLength;
  }

  push(data: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let pos = 0;
    while (pos < data.length) {
      const lf = data.indexOf(LF, pos);
      const end = lf === -1 ? data.length : lf;
      if (!this.#skipping) {
        this.#parts.push(data.subarray(pos, end));
        this.#length += end - pos;
        // One byte over is allowed for the CR of the CRLF.
        if (this.#length > this.#max + 1) {
          events.push({ type: 'too-long' });
          this.#skipping = true;
          this.#clear();
        }
      }
      if (lf === -1) {
        // Pieces point into the socket's buffers: joined, they stop holding them.
        if (this.#parts.length > MAX_PIECES) this.#parts = [Buffer.concat(this.#parts)];
        break;
      }
      if (this.#skipping) {
        this.#skipping = false;
      } else {
        let line = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts);
        if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
        if (line.length > this.#max) events.push({ type: 'too-long' });
        else events.push({ type: 'line', line: Buffer.from(line) });
      }
      this.#clear();
      pos = lf + 1;
    }
    return events;
  }

  /** Bytes held for the line being read. */
  get buffered(): number {
    return this.#length;
  }

  /** Forgets a partial line, as when STLS discards what came before the handshake. */
  reset(): void {
    this.#skipping = false;
    this.#clear();
  }

  #clear(): void {
    this.#parts = [];
    this.#length = 0;
  }
}
