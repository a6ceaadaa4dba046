import type { Account, AccountUsage, Mailbox } from '../types.ts';

/** An account's usage is the sum of its mailboxes' counters. */
export function usageOf(mailboxes: readonly Pick<Mailbox, 'size' | 'messages'>[]): AccountUsage {
  const usage = { bytes: 0, messages: 0 };
  for (const mailbox of mailboxes) {
    usage.bytes += mailbox.size;
    usage.messages += mailbox.messages;
  }
  return usage;
}

export const hasQuota = (account: Pick<Account, 'quotaBytes' | 'quotaMessages'>): boolean => account.quotaBytes > 0 || account.quotaMessages > 0;

/**
 * The one quota rule, for RCPT and for every write: null when one more message of
 * `size` bytes fits, otherwise why not. A limit of 0 means none. RCPT, before the
 * size is known, asks for 1 byte: an account at its limit takes nothing more.
 */
export function quotaProblem(account: Pick<Account, 'address' | 'quotaBytes' | 'quotaMessages'>, used: AccountUsage, size: number): string | null {
  if (account.quotaBytes > 0 && used.bytes + size > account.quotaBytes) {
    return `${account.address} is over its storage quota (${used.bytes} + ${size} > ${account.quotaBytes} bytes)`;
  }
  if (account.quotaMessages > 0 && used.messages + 1 > account.quotaMessages) {
    return `${account.address} is over its message quota (${account.quotaMessages} messages)`;
  }
  return null;
}
