import type { MessageMeta } from './types.ts';

/**
 * A byte range of a message split where its per-delivery prefix ends: the part of
 * the prefix to serve, then the range of the shared body (null when none of it).
 */
export function splitMessageRange(message: Pick<MessageMeta, 'prefix' | 'size'>, start: number, end: number): { head: Buffer | null; body: { from: number; to: number } | null } {
  const prefix = Buffer.from(message.prefix);
  end = Math.min(end, message.size);
  if (start >= end) return { head: null, body: null };
  const head = start < prefix.length ? prefix.subarray(start, Math.min(end, prefix.length)) : null;
  const body = end <= prefix.length ? null : { from: Math.max(0, start - prefix.length), to: end - prefix.length };
  return { head, body };
}
