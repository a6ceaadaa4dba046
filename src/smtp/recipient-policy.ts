import { parseAddress, formatAddress } from '../delivery/address.ts';
import { resolveRecipient } from '../delivery/resolve.ts';
import type { Account, MailStore } from '../store/types.ts';
import { reply, type SmtpReply } from './reply.ts';

export interface RecipientContext {
  store: MailStore;
  subaddressSeparator: string;
  /** An authenticated submission client: a remote recipient is then not relaying. */
  authenticated: boolean;
}

/** Whether delivering one more message would go over the account's quota (0 = no limit). */
async function overQuota(store: MailStore, account: Account): Promise<boolean> {
  if (account.quotaBytes === 0 && account.quotaMessages === 0) return false;
  const usage = await store.accountUsage(account.id);
  return (account.quotaBytes > 0 && usage.bytes >= account.quotaBytes) || (account.quotaMessages > 0 && usage.messages >= account.quotaMessages);
}

/**
 * The RCPT decision: null to accept, or the refusal. The address is normalized
 * first (lower case, IDNA, no trailing dot) and only a dot-atom local part is
 * accepted, so the relay tricks (`a%b@local`, `"a@b"@local`, `a@b@local`) are either
 * refused as bad syntax or resolve inside the local domain, never out of it.
 */
export async function checkRecipient(ctx: RecipientContext, address: string): Promise<SmtpReply | null> {
  const parsed = parseAddress(address);
  if (!parsed) return reply(501, '5.1.3', 'Bad recipient address syntax');
  const canonical = formatAddress(parsed);
  const isLocalDomain = (await ctx.store.getDomain(parsed.domain)) !== null;
  // An authenticated client's remote recipient goes to the outbound queue; anyone else's is relaying.
  if (!isLocalDomain) return ctx.authenticated ? null : reply(554, '5.7.1', `Relay access denied for <${canonical}>`);
  const resolution = await resolveRecipient(ctx.store, canonical, ctx.subaddressSeparator);
  // An alias may forward outside: its remote targets are queued.
  if (resolution.local.length === 0 && resolution.remote.length === 0) {
    const disabled = resolution.unknown.some((u) => u.reason === 'disabled');
    return disabled ? reply(550, '5.2.1', 'Mailbox disabled') : reply(550, '5.1.1', `No such user <${canonical}>`);
  }
  for (const account of resolution.local) {
    if (await overQuota(ctx.store, account)) return reply(452, '4.2.2', 'Mailbox full (account over quota)');
  }
  return null;
}
