import { splitHeader } from '../mime/header.ts';
import { parseAddressList } from '../mime/address.ts';
import { decodeHeaderText } from '../mime/decode.ts';

/** Only the first fields are looked at. */
const HEADER_LIMIT = 64 * 1024;
/** Addresses taken from one message (a newsletter's To may list thousands). */
const MAX_ADDRESSES = 100;

/** The mailboxes of these header fields (lower-case names), lower-cased, each once. */
export function headerAddresses(raw: Buffer, names: string[]): string[] {
  const out = new Set<string>();
  for (const field of splitHeader(raw.subarray(0, HEADER_LIMIT))) {
    if (!names.includes(field.name)) continue;
    for (const a of parseAddressList(decodeHeaderText(field.value), MAX_ADDRESSES)) {
      if (a.mailbox && a.domain && out.size < MAX_ADDRESSES) out.add(`${a.mailbox}@${a.domain}`.toLowerCase());
    }
  }
  return [...out];
}

/**
 * The addresses a message comes from, lower-cased: the envelope sender and the
 * From header's mailboxes. Allow and block lists and known correspondents are
 * matched against them.
 */
export function authorAddresses(raw: Buffer, envelopeFrom: string): string[] {
  return [...new Set([...(envelopeFrom ? [envelopeFrom.toLowerCase()] : []), ...headerAddresses(raw, ['from'])])];
}
