import { serializeImapValue } from './imap-value.ts';
import type { MessageIndex } from './types.ts';

/**
 * A message's ENVELOPE, BODY and BODYSTRUCTURE in IMAP's wire form. Kept beside the
 * index when a message is stored, so that FETCH of them, which mail clients make for
 * whole mailboxes, neither parses the index nor serializes it again.
 */
export interface FetchSummary {
  envelope: string;
  body: string;
  bodyStructure: string;
}

export function fetchSummary(index: Pick<MessageIndex, 'envelope' | 'body' | 'bodyStructure'>): FetchSummary {
  return { envelope: serializeImapValue(index.envelope), body: serializeImapValue(index.body), bodyStructure: serializeImapValue(index.bodyStructure) };
}
