import { parseAddressList } from '../mime/address.ts';
import { headerBytesToUnicode } from '../mime/decode.ts';
import type { BlockField } from '../mime/header.ts';

/** More authors than this is no message a person sends. */
const MAX_AUTHORS = 100;

/**
 * The addresses of the message's one From field (RFC 5322 3.6: exactly one), or
 * null when it has none, several, or one that names no address. An address the
 * parser had to repair (no local part, no domain) comes back unusable on purpose,
 * so that it matches no account.
 */
export function authorAddresses(fields: BlockField[]): string[] | null {
  const from = fields.filter((f) => f.name === 'from');
  if (from.length !== 1) return null;
  const addresses = parseAddressList(from[0]!.value, MAX_AUTHORS + 1)
    .filter((a) => a.domain !== null)
    .map((a) => headerBytesToUnicode(`${a.mailbox ?? ''}@${a.domain}`));
  return addresses.length === 0 || addresses.length > MAX_AUTHORS ? null : addresses;
}
