import type { Account, AccountUsage } from '../store/types.ts';

/** The one quota root: the account's quota covers all its mailboxes (RFC 9208). */
export const QUOTA_ROOT = '';

/**
 * The limited resources of the root as `NAME usage limit` triples: STORAGE in
 * units of 1024 octets (usage rounded up, so a client never sees room that is
 * not there), MESSAGE in messages. An unlimited resource (0) is left out.
 */
export function quotaResources(account: Pick<Account, 'quotaBytes' | 'quotaMessages'>, usage: AccountUsage): string[] {
  const out: string[] = [];
  if (account.quotaBytes > 0) out.push(`STORAGE ${Math.ceil(usage.bytes / 1024)} ${Math.floor(account.quotaBytes / 1024)}`);
  if (account.quotaMessages > 0) out.push(`MESSAGE ${usage.messages} ${account.quotaMessages}`);
  return out;
}
