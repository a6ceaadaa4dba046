import { createHash } from 'node:crypto';

/**
 * A source message's mark in the store's import state: a hash of the source, the
 * folder (with its UIDVALIDITY for IMAP) and the message's key there, so the state
 * is small and names nothing of the source.
 */
export function importMark(sourceId: string, folderId: string, key: string): string {
  return createHash('sha256').update(`${sourceId}\0${folderId}\0${key}`).digest('hex').slice(0, 32);
}
