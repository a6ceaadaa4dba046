const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * What TOP sends of a message streamed in chunks (RFC 1939): the header, the
 * empty line after it, and then at most `bodyLines` lines of the body.
 */
export class TopLimiter {
  #inBody = false;
  #remaining: number;
  /** Bytes of the current line seen in earlier chunks. */
  #lineLength = 0;
  #lastByte = -1;
  #done = false;

  constructor(bodyLines: number) {
    this.#remaining = bodyLines;
  }

  /** True once everything TOP sends has been taken: the rest need not be read. */
  get done(): boolean {
    return this.#done;
  }

  take(chunk: Buffer): Buffer {
    if (this.#done || chunk.length === 0) return this.#done ? EMPTY : chunk;
    let pos = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, pos)) {
      const length = this.#lineLength + (lf - pos);
      const before = lf > 0 ? chunk[lf - 1] : this.#lastByte;
      this.#lineLength = 0;
      pos = lf + 1;
      if (!this.#inBody) {
        if (length === 0 || (length === 1 && before === CR)) this.#inBody = true;
        else continue;
      } else {
        this.#remaining--;
      }
      if (this.#remaining <= 0) {
        this.#done = true;
        return chunk.subarray(0, pos);
      }
    }
    this.#lineLength += chunk.length - pos;
    this.#lastByte = chunk[chunk.length - 1]!;
    return chunk;
  }
}
