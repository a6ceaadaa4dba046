import type { Logger } from '../log/logger.ts';
import type { AccountId, MailStore, SieveStore } from '../store/types.ts';
import type { SieveLimits } from './limits.ts';

/**
 * The spam verdict as Sieve reads it (RFC 5235 spamtest): the filter's score and the
 * score from which it files to Junk (its `spam.junk_score`, 5 unless given). An `error`
 * means the message was not judged. The filter's own verdict (spam/verdict.ts) fits as it is.
 */
export interface SpamScore {
  score: number;
  /** The filter judged it spam (its junk score reached): vacation does not answer it. */
  spam?: boolean;
  threshold?: number;
  error?: string;
}

/** What one script run knows of the delivery it judges. */
export interface SieveRunEnvironment {
  store: SieveStore & Pick<MailStore, 'getMailbox'>;
  account: { id: AccountId; address: string };
  /** The envelope sender ("" for the null sender) and the recipient this copy came for. */
  from: string;
  to: string;
  subaddressSeparator: string;
  spam: SpamScore | null;
  /** The addresses that are this account's own (vacation does not answer them). */
  ownAddresses: string[];
  /** The sender failed SPF or DMARC: vacation does not answer a forged sender. */
  senderUnverified: boolean;
  log?: Logger;
  now: number;
}

/** A message the run sends: a redirect, a vacation reply, a refusal, a notification. */
export interface OutboundMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

/** What delivery hands Sieve from its caller (SMTP, LMTP, `deliver`): how to send, and what the checks found. */
export interface SieveDelivery {
  /** True while an SMTP client waits for the answer to DATA: `reject` then refuses there. */
  atData: boolean;
  /** Through the outbound queue, committed before it resolves. */
  send(message: OutboundMessage): Promise<void>;
  /** DKIM-Signature fields for a message whose author is `author`, '' when there is no key. */
  sign?(raw: Buffer, author: string): Promise<string>;
  /** SPF and DMARC results of the message (mailauth's words: pass, fail, softfail...). */
  auth?: { spf?: string; dmarc?: string };
  hostname: string;
  log?: Logger;
  limits?: SieveLimits;
  /** How many scripts' sending led to this delivery (0 for mail from outside). */
  depth?: number;
}
