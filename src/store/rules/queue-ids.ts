import { randomBytes } from 'node:crypto';
import { StoreError, type QueueId } from '../types.ts';

/** A queue id: the time it was queued (base 36, so ids sort oldest first) and 4 random bytes. */
const QUEUE_ID = /^[0-9a-z]{9}[0-9a-f]{8}$/;

export const newQueueId = (now: number): QueueId => now.toString(36).padStart(9, '0') + randomBytes(4).toString('hex');

/** An id from outside (the CLI) is checked before any backend uses it. */
export function queueId(id: QueueId): QueueId {
  if (typeof id !== 'string' || !QUEUE_ID.test(id)) throw new StoreError('invalid', `not a queue id: ${JSON.stringify(id)}`);
  return id;
}
