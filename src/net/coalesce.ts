import type { Writable } from 'node:stream';

/**
 * Holds writes back until the current turn of the event loop is over, so that the
 * many small writes of a long response (FETCH of many messages, POP3 RETR's status
 * line, body and dot) leave in one writev instead of a syscall (and, with
 * TCP_NODELAY, a packet) each. Backpressure still works: the held bytes count
 * towards the stream's buffer, and they go out before any wait for 'drain'.
 */
export function coalesce(out: Writable): void {
  if (out.writableCorked) return;
  out.cork();
  process.nextTick(() => flush(out));
}

/** Sends what coalesce held back now; before a socket changes hands (STARTTLS). */
export function flush(out: Writable): void {
  while (out.writableCorked) out.uncork();
}
