const DOT = Buffer.from('.');
const LF_DOT = Buffer.from('\n.');
const LF = 0x0a;

/**
 * Byte-stuffing of a multi-line response (RFC 1939 section 3) over a stream of
 * chunks: a line that starts with "." gets another one in front, including a line
 * that starts at a chunk boundary.
 */
export class DotStuffer {
  #atLineStart = true;

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    if (this.#atLineStart && chunk[0] === DOT[0]) parts.push(DOT);
    let from = 0;
    for (let i = chunk.indexOf(LF_DOT); i !== -1; i = chunk.indexOf(LF_DOT, i + 1)) {
      parts.push(chunk.subarray(from, i + 1), DOT);
      from = i + 1;
    }
    this.#atLineStart = chunk[chunk.length - 1] === LF;
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(from));
    return Buffer.concat(parts);
  }

  /** The terminating ".", after a CRLF when the data did not end its last line. */
  end(): Buffer {
    return Buffer.from(this.#atLineStart ? '.\r\n' : '\r\n.\r\n');
  }
}
