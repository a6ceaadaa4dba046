import type { FileHandle } from 'node:fs/promises';

const READ_SIZE = 1 << 20;

/**
 * Reads a file in large chunks and hands out lines (each at most `maxLine` bytes: a
 * longer one comes in pieces, so a huge line cannot exhaust memory) or byte counts.
 */
export class ByteReader {
  readonly #file: FileHandle;
  #buf = Buffer.alloc(0);
  #pos = 0;
  #eof = false;
  /** Bytes consumed so far: the offset of the next byte handed out. */
  offset = 0;

  constructor(file: FileHandle) {
    this.#file = file;
  }

  async #fill(min: number): Promise<void> {
    while (!this.#eof && this.#buf.length - this.#pos < min) {
      const chunk = Buffer.allocUnsafe(READ_SIZE);
      const { bytesRead } = await this.#file.read(chunk, 0, READ_SIZE, null);
      if (bytesRead === 0) this.#eof = true;
      this.#buf = Buffer.concat([this.#buf.subarray(this.#pos), chunk.subarray(0, bytesRead)]);
      this.#pos = 0;
    }
  }

  /** The next line with its `\n`, or a piece of at most `maxLine` bytes; null at the end. */
  async line(maxLine: number): Promise<{ bytes: Buffer; whole: boolean } | null> {
    let searched = 0;
    for (;;) {
      const nl = this.#buf.indexOf(10, this.#pos + searched);
      const available = this.#buf.length - this.#pos;
      if (nl !== -1 && nl - this.#pos < maxLine) return { bytes: this.#take(nl + 1 - this.#pos), whole: true };
      if (available >= maxLine || this.#eof) {
        if (available === 0) return null;
        const n = Math.min(available, maxLine);
        return { bytes: this.#take(n), whole: this.#eof && n === available };
      }
      searched = available;
      await this.#fill(available + 1);
    }
  }

  /** Up to `n` bytes (fewer only at the end). */
  async bytes(n: number): Promise<Buffer> {
    await this.#fill(n);
    return this.#take(Math.min(n, this.#buf.length - this.#pos));
  }

  /** The next `n` bytes without consuming them. */
  async peek(n: number): Promise<Buffer> {
    await this.#fill(n);
    return this.#buf.subarray(this.#pos, this.#pos + n);
  }

  /** Puts bytes back in front, for a reader that looked too far. */
  unread(bytes: Buffer): void {
    this.#buf = Buffer.concat([bytes, this.#buf.subarray(this.#pos)]);
    this.#pos = 0;
    this.offset -= bytes.length;
  }

  #take(n: number): Buffer {
    const out = Buffer.from(this.#buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    this.offset += n;
    return out;
  }
}
