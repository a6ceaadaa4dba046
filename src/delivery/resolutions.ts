import type { Directory, Vault } from '../store/types.ts';
import { formatAddress, parseAddress } from './address.ts';
import { resolveRecipient, type Resolution } from './resolve.ts';

/** Where a recipient address leads, for one sender. */
export type Resolver = (address: string) => Promise<Resolution>;

/** The recipients' resolutions of one SMTP transaction. */
export interface Resolutions {
  /** Looks the address up now and keeps the answer: RCPT sees the store as it is at each RCPT. */
  fresh: Resolver;
  /** The answer kept for the address (its last RCPT's), else looked up now and kept. */
  kept: Resolver;
}

/**
 * The resolutions of one SMTP transaction. Its recipients are resolved at RCPT, and
 * its checks at DATA and its delivery take the answers kept then (Postfix, too,
 * decides a recipient at RCPT): a store over the network is asked once per
 * recipient, not once per check.
 */
export function transactionResolutions(store: Directory & Vault, subaddressSeparator: string, sender: string): Resolutions {
  const answers = new Map<string, Promise<Resolution>>();
  // By the address as resolveRecipient reads it: RCPT checks the normalized form, delivery the one given.
  const keyOf = (address: string): string => {
    const parsed = parseAddress(address);
    return parsed ? formatAddress(parsed) : address;
  };
  const fresh: Resolver = (address) => {
    const key = keyOf(address);
    const answer = resolveRecipient(store, address, subaddressSeparator, { sender });
    answers.set(key, answer);
    // A lookup that failed is made again by the next one who asks.
    answer.catch(() => {
      if (answers.get(key) === answer) answers.delete(key);
    });
    return answer;
  };
  return { fresh, kept: (address) => answers.get(keyOf(address)) ?? fresh(address) };
}
