import { deliverMessage, type DeliveryRequest, type RecipientReport } from '../delivery/deliver.ts';
import type { OutboundQueue, NewRecipient } from './outbound.ts';

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
export async function acceptMessage(queue: OutboundQueue, request: DeliveryRequest & { dsn?: DsnRequest }): Promise<RecipientReport[]> {
  const reports = await deliverMessage(queue.store, request);
  const remote: NewRecipient[] = [];
  reports.forEach((report, i) => {
    const dsn = request.dsn?.recipients[i];
    for (const outcome of report.outcomes) {
      if (outcome.status !== 'remote' || remote.some((r) => r.address === outcome.address)) continue;
      // Through an alias, the address the sender wrote is the one a report must name.
      const orcpt = dsn?.orcpt ?? (outcome.address === report.recipient ? undefined : `rfc822;${report.recipient}`);
      remote.push({ address: outcome.address, ...(dsn?.notify ? { notify: dsn.notify } : {}), ...(orcpt ? { orcpt } : {}) });
    }
  });
  if (remote.length === 0) return reports;
  const entry = await queue.enqueue(
    { from: request.from, recipients: remote, ...(request.dsn?.envid ? { envid: request.dsn.envid } : {}), ...(request.dsn?.ret ? { ret: request.dsn.ret } : {}) },
    request.raw,
  );
  for (const report of reports) {
    report.outcomes = report.outcomes.map((o) => (o.status === 'remote' ? { status: 'queued', address: o.address, queueId: entry.id } : o));
  }
  return reports;
}
