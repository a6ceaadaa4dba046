/**
 * The decoded content of a stored part for BINARY (RFC 3516), read chunk by
 * chunk: its size in a first pass, its bytes in a second, so that a large
 * attachment is never held in memory, and a partial fetch reads only up to
 * the end of its window.
 */
import { chunkDecoder } from '../mime/decode.ts';

/** Decoded bytes from offset `from` up to `to` (exclusive); reading stops once `to` is reached. */
export async function* decodedRange(chunks: AsyncIterable<Buffer>, encoding: string, from = 0, to = Infinity): AsyncGenerator<Buffer> {
  const decoder = chunkDecoder(encoding);
  let at = 0;
  const window = function* (data: Buffer): Generator<Buffer> {
    const start = Math.max(from - at, 0);
    const end = Math.min(to - at, data.length);
    at += data.length;
    if (end > start) yield data.subarray(start, end);
  };
  for await (const chunk of chunks) {
    yield* window(decoder.push(chunk));
    if (at >= to) return;
  }
  yield* window(decoder.end());
}

/** The decoded size, counted only up to `limit`: min(size, limit). */
export async function decodedSize(chunks: AsyncIterable<Buffer>, encoding: string, limit = Infinity): Promise<number> {
  let size = 0;
  for await (const part of decodedRange(chunks, encoding, 0, limit)) size += part.length;
  return size;
}
