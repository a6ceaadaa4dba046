import { parseAddress, formatAddress } from '../delivery/address.ts';
import type { Resolution } from '../delivery/resolve.ts';
import type { Resolver } from '../delivery/resolutions.ts';
import { isBarePostmaster } from '../delivery/role-address.ts';
import { hasQuota, quotaProblem } from '../store/rules/quota.ts';
import type { Account, Directory } from '../store/types.ts';
import { reply, type SmtpReply } from './reply.ts';

export interface RecipientContext {
  store: Directory;
  /** The transaction's resolver (its envelope sender's: '' is the null sender of a bounce or DSN). */
  resolve: Resolver;
  /** An authenticated submission client: a remote recipient is then not relaying. */
  authenticated: boolean;
}

/** Whether one more message would go over the account's quota: the store's rule, for a message of yet unknown size. */
async function overQuota(store: Directory, account: Account): Promise<boolean> {
  if (!hasQuota(account)) return false;
  return quotaProblem(account, await store.accountUsage(account.id), 1) !== null;
}

/** The refusal for an address of a local domain that leads to no mailbox. */
function unknownReply(resolution: Resolution, canonical: string): SmtpReply {
  const reasons = new Set(resolution.unknown.map((u) => u.reason));
  if (reasons.has('srs-bounces-only')) return reply(550, '5.7.1', `<${canonical}> takes only bounces (MAIL FROM:<>): relay access denied`);
  if (reasons.has('srs-invalid')) return reply(550, '5.1.1', `Invalid or expired SRS address <${canonical}>`);
  if (reasons.has('disabled')) return reply(550, '5.2.1', 'Mailbox disabled');
  return reply(550, '5.1.1', `No such user <${canonical}>`);
}

/**
 * The RCPT decision: null to accept, or the refusal. The address is normalized
 * first (lower case, IDNA, no trailing dot) and only a dot-atom local part is
 * accepted, so the relay tricks (`a%b@local`, `"a@b"@local`, `a@b@local`) are either
 * refused as bad syntax or resolve inside the local domain, never out of it.
 * The domainless `postmaster` is the one address without a domain that is taken.
 */
export async function checkRecipient(ctx: RecipientContext, address: string): Promise<SmtpReply | null> {
  const bare = isBarePostmaster(address);
  const parsed = bare ? null : parseAddress(address);
  if (!parsed && !bare) return reply(501, '5.1.3', 'Bad recipient address syntax');
  const canonical = parsed ? formatAddress(parsed) : 'postmaster';
  const isLocalDomain = !parsed || (await ctx.store.getDomain(parsed.domain)) !== null;
  // An authenticated client's remote recipient goes to the outbound queue; anyone else's is relaying.
  if (!isLocalDomain) return ctx.authenticated ? null : reply(554, '5.7.1', `Relay access denied for <${canonical}>`);
  const resolution = await ctx.resolve(canonical);
  // An alias may forward outside: its remote targets are queued.
  if (resolution.local.length === 0 && resolution.remote.length === 0) return unknownReply(resolution, canonical);
  for (const account of resolution.local) {
    if (await overQuota(ctx.store, account)) return reply(452, '4.2.2', 'Mailbox full (account over quota)');
  }
  return null;
}
