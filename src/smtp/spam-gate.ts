import type { SMTPServerSession } from 'smtp-server';
import type { Resolver } from '../delivery/resolutions.ts';
import { isBarePostmaster, isRoleLocalPart } from '../delivery/role-address.ts';
import type { Account, Store } from '../store/types.ts';
import type { SpamCheck, SpamFilter } from '../spam/filter.ts';
import type { Greylist } from '../spam/greylist.ts';
import type { SpamContext } from '../spam/network.ts';
import { reply, type SmtpReply } from './reply.ts';
import type { AuthSummary } from './verify.ts';

export interface SpamGateDeps {
  store: Store;
  subaddressSeparator: string;
  spam?: SpamFilter;
  greylist?: Greylist;
}

const GREYLISTED = reply(451, '4.7.1', 'Greylisted, please try again later');
const REJECTED = reply(550, '5.7.1', 'Message rejected as spam');

/** What the spam filter knows of a message from outside: the client, its HELO and the MX's authentication results. */
export function spamContext(session: SMTPServerSession, from: string, auth: AuthSummary | undefined): SpamContext {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    ...(session.remoteAddress ? { ip: session.remoteAddress } : {}),
    ...(session.hostNameAppearsAs ? { helo: String(session.hostNameAppearsAs) } : {}),
    from,
    ...(auth ? { auth: { spf: text(auth.spf), dmarc: text(auth.dmarc), arc: text(auth.arc), dkim: Array.isArray(auth.dkim) ? auth.dkim : [] } } : {}),
  };
}

/**
 * `spam.reject_score` on the MX: the message is refused at DATA (so nothing bounces
 * later) when its verdict reaches it for every local account it would go to, unless
 * it is addressed to a role address.
 */
export async function spamRefusal(deps: SpamGateDeps, check: SpamCheck, resolve: Resolver, recipients: string[]): Promise<SmtpReply | null> {
  if (!deps.spam || deps.spam.settings.rejectScore === null) return null;
  // Postmaster and abuse take what other servers send them (DMARC and TLS reports, complaints), whatever it scores: filed, never refused.
  if (recipients.some((r) => isRoleLocalPart(r.slice(0, r.lastIndexOf('@'))) || isBarePostmaster(r))) return null;
  const accounts = new Map<number, Account>();
  for (const recipient of recipients) {
    for (const account of (await resolve(recipient)).local) accounts.set(account.id, account);
  }
  if (accounts.size === 0) return null;
  const verdicts = await Promise.all([...accounts.values()].map((a) => check.judge(a)));
  return verdicts.every((v) => v.reject) ? REJECTED : null;
}

/** Greylisting at RCPT on the MX, skipped for a sender the (direct) recipient corresponds with. */
export async function greylistRefusal(deps: SpamGateDeps, ip: string | undefined, sender: string, recipient: string): Promise<SmtpReply | null> {
  if (!deps.greylist?.enabled || !ip) return null;
  const account = await deps.store.getAccount(recipient.toLowerCase());
  if (account && sender && (await deps.store.knownCorrespondents(account.id, [sender]))[0]) return null;
  return (await deps.greylist.admit(ip, sender, recipient)) ? null : GREYLISTED;
}
