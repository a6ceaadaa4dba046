import { deliverMessage, type DeliveryRequest, type RecipientReport } from '../delivery/deliver.ts';
import { parseAddress } from '../delivery/address.ts';
import type { Directory, Vault } from '../store/types.ts';
import type { OutboundQueue, NewRecipient } from './outbound.ts';
import { SRS_SECRET, srsForward } from '../delivery/srs.ts';
import type { OutboundMessage, SieveDelivery } from '../sieve/environment.ts';
import { tlsRequirement } from './require-tls.ts';

/** How many times a message a script sent may meet a script again (a redirect to an account whose script redirects). */
const SIEVE_DEPTH = 3;

/** DSN parameters (RFC 3461) given with MAIL FROM and each RCPT TO. */
export interface DsnRequest {
  envid?: string;
  ret?: 'FULL' | 'HDRS';
  /** In the order of the request's recipients. */
  recipients: ({ notify?: string[]; orcpt?: string } | undefined)[];
}

/**
 * Delivers the local copies through the write path and puts every remote address
 * (a remote recipient, or the remote target of a local alias) into the outbound
 * queue as one entry. Both are committed before this returns, so the caller may
 * acknowledge the message.
 */
export async function acceptMessage(
  queue: OutboundQueue,
  request: Omit<DeliveryRequest, 'sieve'> & { dsn?: DsnRequest; sieve?: Omit<SieveDelivery, 'send'>; requireTls?: boolean },
): Promise<RecipientReport[]> {
  const sieve = request.sieve;
  // What scripts send (redirect, vacation...) takes this same path, committed before the caller
  // answers: local recipients at once (their scripts run, to a depth), the others into the queue.
  // RFC 8689 section 4.1: every copy a REQUIRETLS message makes is sent as REQUIRETLS too.
  const send = async (m: OutboundMessage) => {
    const depth = (sieve?.depth ?? 0) + 1;
    const nested = sieve && depth <= SIEVE_DEPTH ? { sieve: { ...sieve, atData: false, depth } } : {};
    const requireTls = request.requireTls ? { requireTls: true } : {};
    const sent = await acceptMessage(queue, { from: m.from, recipients: m.to, raw: m.raw, subaddressSeparator: request.subaddressSeparator, ...nested, ...requireTls });
    const lost = sent.flatMap((r) => r.outcomes.filter((o) => o.status === 'unknown' || o.status === 'failed' || o.status === 'over-quota'));
    if (lost.length > 0) throw new Error(`not delivered: ${lost.map((o) => o.detail).join('; ')}`);
  };
  const reports = await deliverMessage(queue.store, { ...request, sieve: sieve && { ...sieve, send } });
  const remote: NewRecipient[] = [];
  let forwardDomain: string | null = null;
  reports.forEach((report, i) => {
    const dsn = request.dsn?.recipients[i];
    for (const outcome of report.outcomes) {
      if (outcome.status !== 'remote' || remote.some((r) => r.address === outcome.address)) continue;
      // Through an alias, the address the sender wrote is the one a report must name.
      const forwarded = outcome.address !== report.recipient;
      if (forwarded) forwardDomain ??= parseAddress(report.recipient)?.domain ?? null;
      const orcpt = dsn?.orcpt ?? (forwarded ? `rfc822;${report.recipient}` : undefined);
      remote.push({ address: outcome.address, ...(dsn?.notify ? { notify: dsn.notify } : {}), ...(orcpt ? { orcpt } : {}) });
    }
  });
  if (remote.length === 0) return reports;
  const from = forwardDomain ? await forwardSender(queue.store, request.from, forwardDomain) : request.from;
  const requireTls = tlsRequirement(request.requireTls, request.raw);
  const entry = await queue.enqueue(
    {
      from,
      recipients: remote,
      ...(request.dsn?.envid ? { envid: request.dsn.envid } : {}),
      ...(request.dsn?.ret ? { ret: request.dsn.ret } : {}),
      ...(requireTls === undefined ? {} : { requireTls }),
    },
    request.raw,
  );
  for (const report of reports) {
    report.outcomes = report.outcomes.map((o) => (o.status === 'remote' ? { status: 'queued', address: o.address, queueId: entry.id } : o));
  }
  return reports;
}

/**
 * The envelope sender for mail an alias forwards out: a foreign sender is
 * rewritten with SRS into the alias's domain, so that the next hop's SPF check
 * sees a domain whose MX is this server and bounces come back here to be sent
 * on. A local sender, or the null sender of a bounce, stays as it is.
 */
async function forwardSender(store: Directory & Vault, from: string, forwardDomain: string): Promise<string> {
  const sender = parseAddress(from);
  if (!sender || (await store.getDomain(sender.domain))) return from;
  return srsForward(from, forwardDomain, await store.secret(SRS_SECRET), Date.now());
}
