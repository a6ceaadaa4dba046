import { normalizeAddress, parseAddress } from '../delivery/address.ts';
import { reply, type SmtpReply } from './reply.ts';
import type { Account, Directory, Vault } from '../store/types.ts';

/**
 * Whether an authenticated account may use `from` as its envelope sender (design
 * rule 5): its own address, its address with a `+tag`, or an alias (or the alias
 * of the untagged address) that lists the account among its direct targets.
 * Catch-alls do not count: receiving anything@domain is not owning every address.
 */
export async function mayUseSender(store: Directory & Vault, account: Account, from: string, separator: string): Promise<boolean> {
  const parsed = parseAddress(from);
  if (!parsed) return false;
  const candidates = [`${parsed.local}@${parsed.domain}`];
  if (separator && parsed.local.includes(separator)) candidates.push(`${parsed.local.split(separator)[0]}@${parsed.domain}`);
  for (const candidate of candidates) {
    if (candidate === account.address) return true;
    const alias = await store.getAlias(candidate);
    if (alias?.targets.some((target) => normalizeAddress(target) === account.address)) return true;
  }
  return false;
}

/**
 * The From header rule of submission: every author must be an address the account
 * may use as its envelope sender, so a user cannot sign mail as someone else. Null
 * when the message may go, else the refusal.
 */
export async function checkAuthors(store: Directory & Vault, account: Account, authors: string[], separator: string): Promise<SmtpReply | null> {
  for (const author of authors) {
    if (!(await mayUseSender(store, account, author, separator))) return reply(550, '5.7.1', `From address <${author}> not owned by ${account.address}`);
  }
  return null;
}
