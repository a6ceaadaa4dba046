import { splitHeader } from '../mime/header.ts';
import { parseAddressList } from '../mime/address.ts';
import { decodeHeaderText } from '../mime/decode.ts';

/** Only the first fields are looked at for From. */
const HEADER_LIMIT = 64 * 1024;

/**
 * The addresses a message comes from, lower-cased: the envelope sender and the
 * From header's mailboxes. Allow and block lists and known correspondents are
 * matched against them.
 */
export function authorAddresses(raw: Buffer, envelopeFrom: string): string[] {
  const out = new Set<string>();
  if (envelopeFrom) out.add(envelopeFrom.toLowerCase());
  const from = splitHeader(raw.subarray(0, HEADER_LIMIT)).find((f) => f.name === 'from');
  if (from) {
    for (const a of parseAddressList(decodeHeaderText(from.value), 10)) {
      if (a.mailbox && a.domain) out.add(`${a.mailbox}@${a.domain}`.toLowerCase());
    }
  }
  return [...out];
}
