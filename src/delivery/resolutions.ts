import type { Directory, Vault } from '../store/types.ts';
import { resolveRecipient, type Resolution } from './resolve.ts';

/** Where a recipient address leads, for one sender. */
export type Resolver = (address: string) => Promise<Resolution>;

/**
 * A resolver that looks each address up once. One SMTP transaction resolves its
 * recipients at RCPT, and its checks at DATA and its delivery take the same answers
 * (Postfix, too, decides a recipient once, at RCPT): a store over the network is
 * asked once per recipient, not once per check.
 */
export function memoResolver(store: Directory & Vault, subaddressSeparator: string, sender: string): Resolver {
  const answers = new Map<string, Promise<Resolution>>();
  return (address) => {
    let answer = answers.get(address);
    if (!answer) {
      answer = resolveRecipient(store, address, subaddressSeparator, { sender });
      answers.set(address, answer);
      // A lookup that failed is made again by the next one who asks.
      answer.catch(() => answers.delete(address));
    }
    return answer;
  };
}
