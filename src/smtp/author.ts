import type { DNSResolver } from 'mailauth';
import { parseAddressList } from '../mime/address.ts';
import { headerBytesToUnicode } from '../mime/decode.ts';
import type { BlockField } from '../mime/header.ts';
import { headerBlock } from './headers.ts';
import { loadMailauth } from './mailauth.ts';

/** More authors than this is no message a person sends. */
const MAX_AUTHORS = 100;

/** What a From line may not hold: C0 controls but HTAB, and DEL (line ends are split off first). */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** The authors of a message, or why they cannot be told for sure. */
export type Authors = { addresses: string[] } | { problem: string };

/** mailauth reads the From without looking anything up; a signature a client added is not checked here. */
const noLookups: DNSResolver = () => Promise.reject(Object.assign(new Error('no DNS lookups for the From check'), { code: 'ENOTFOUND' }));

/**
 * The addresses of the message's one From field (RFC 5322 3.6: exactly one), as
 * both our parser and mailauth's read them. mailauth's is the one DKIM and DMARC
 * downstream use, so a field the two read differently (`alice@example.org
 * <bob@example.org>`: ours stops after alice, mailauth takes bob) or that holds
 * control characters is refused rather than guessed at: a user must not get mail
 * past the ownership check that a receiver attributes to someone else. An address
 * the parser had to repair keeps a placeholder that matches no account.
 */
export async function readAuthors(raw: Buffer, fields: BlockField[]): Promise<Authors> {
  const from = fields.filter((f) => f.name === 'from');
  if (from.length !== 1) return { problem: 'The message needs exactly one From header field' };
  const lines = from[0]!.raw.toString('latin1').replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.some((line) => CONTROL.test(line))) return { problem: 'The From header field holds a control character' };
  const ours = parseAddressList(from[0]!.value, MAX_AUTHORS + 1)
    .filter((a) => a.domain !== null)
    // mailauth decodes the field as UTF-8, ours keeps bytes: compare them as text.
    .map((a) => headerBytesToUnicode(`${a.mailbox ?? ''}@${a.domain}`));
  const { dkimVerify } = await loadMailauth();
  // The header alone: mailauth ends it where we do (at the first empty line), and the
  // body would only be streamed through for nothing.
  const theirs = await dkimVerify(headerBlock(raw, fields.at(-1)!.end), { resolver: noLookups });
  if (theirs.fromFields !== 1) return { problem: 'The message needs exactly one From header field' };
  if (ours.length !== theirs.headerFrom.length || ours.some((address, i) => address !== theirs.headerFrom[i])) {
    return { problem: 'The From header field is ambiguous, write it as: Name <address>' };
  }
  if (ours.length === 0) return { problem: 'The From header field names no address' };
  if (ours.length > MAX_AUTHORS) return { problem: `The From header field names more than ${MAX_AUTHORS} addresses` };
  return { addresses: ours };
}
