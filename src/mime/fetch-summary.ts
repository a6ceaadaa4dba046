import { serializeBody, serializeEnvelope } from './imap-value.ts';
import type { MessageIndex } from './types.ts';

/**
 * A message's ENVELOPE, BODY and BODYSTRUCTURE in IMAP's wire form. Kept beside the
 * index when a message is stored, so that FETCH of them, which mail clients make for
 * whole mailboxes, neither parses the index nor serializes it again.
 */
export interface FetchSummary {
  /** The wire rules it was written by: absent in summaries written with a space between list members. */
  wire?: typeof WIRE;
  envelope: string;
  body: string;
  bodyStructure: string;
}

export const WIRE = 2;

export function fetchSummary(index: Pick<MessageIndex, 'envelope' | 'body' | 'bodyStructure'>): FetchSummary {
  return { wire: WIRE, envelope: serializeEnvelope(index.envelope), body: serializeBody(index.body), bodyStructure: serializeBody(index.bodyStructure) };
}

/** Whether a stored summary was written by today's wire rules (older ones are made again from the index). */
export function isCurrent(summary: FetchSummary): boolean {
  return summary.wire === WIRE;
}
