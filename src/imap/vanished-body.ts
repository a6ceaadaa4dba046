import { StoreError } from '../store/types.ts';

/**
 * A message expunged by another session while this one reads it: its record or
 * body is gone from the store (the expunge freed them), which the store reports
 * as a `not-found` StoreError. FETCH and SEARCH answer such a message the way
 * Dovecot does (RFC 2180 4.1, RFC 5530 EXPUNGEISSUED), never with the store's text.
 */
export function isVanished(err: unknown): boolean {
  return err instanceof StoreError && err.code === 'not-found';
}

/** Thrown after a literal was cut short and padded: the response line is open and must be closed. */
export class LiteralCut extends Error {
  constructor() {
    super('message expunged while it was being sent');
    this.name = 'LiteralCut';
  }
}

/**
 * The bytes of a literal whose size is already announced. If the message
 * vanishes part way, the rest is filled with spaces so the response stays
 * well-formed for the client's parser, and LiteralCut is thrown after them.
 */
export async function* announced(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let sent = 0;
  try {
    for await (const chunk of chunks) {
      sent += chunk.length;
      yield chunk;
    }
  } catch (err) {
    if (!isVanished(err)) throw err;
    if (size > sent) yield Buffer.alloc(size - sent, 0x20);
    throw new LiteralCut();
  }
}
