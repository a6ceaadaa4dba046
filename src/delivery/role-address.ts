import type { Account, Directory } from '../store/types.ts';

/**
 * The role mailboxes every mail domain must have: postmaster (RFC 5321 section
 * 4.5.1) and abuse (RFC 2142), where other servers send DMARC and TLS reports
 * and complaints.
 */
const ROLE_LOCAL_PARTS = new Set(['postmaster', 'abuse']);

export const isRoleLocalPart = (local: string): boolean => ROLE_LOCAL_PARTS.has(local.toLowerCase());

/** RFC 5321 section 4.1.1.3: `RCPT TO:<Postmaster>` without a domain must be accepted. */
export const isBarePostmaster = (address: string): boolean => /^<?postmaster>?$/i.test(address.trim());

const oldest = (accounts: Account[]): Account | null =>
  accounts.filter((a) => !a.disabled).reduce<Account | null>((first, a) => (first && first.id < a.id ? first : a), null);

/**
 * Who reads a role address that no account or alias (a catch-all included)
 * claims. Mailfold has no admin flag: the person who set the server up made
 * the first account, so it is the domain's oldest enabled account, else the
 * server's oldest.
 */
export async function roleAccount(store: Directory, domain: string): Promise<Account | null> {
  return oldest(await store.listAccounts(domain)) ?? oldest(await store.listAccounts());
}

/** The domainless postmaster stands for the postmaster of the oldest local domain. */
export async function barePostmasterAddress(store: Directory): Promise<string | null> {
  const domains = await store.listDomains();
  const first = domains.reduce<(typeof domains)[number] | null>((a, d) => (a && a.createdAt <= d.createdAt ? a : d), null);
  return first ? `postmaster@${first.name}` : null;
}
