import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { QueueEntry, QueueRecipient } from '../store/types.ts';
import type { RecipientReport } from '../delivery/deliver.ts';
import { acceptMessage, type DsnRequest } from './accept.ts';
import { composeDsn, headerOf, type DsnInput, type DsnKind, type DsnRecipient } from './dsn.ts';
import type { OutboundQueue } from './outbound.ts';

/** A larger original is returned as its header only, so that the report itself gets through. */
const FULL_RETURN_LIMIT = 1024 * 1024;

export interface ReportSettings {
  queue: OutboundQueue;
  hostname: string;
  subaddressSeparator: string;
}

const NOTIFY: Record<DsnKind, string> = { failed: 'FAILURE', delayed: 'DELAY', relayed: 'SUCCESS', delivered: 'SUCCESS' };

/** RFC 3461 NOTIFY: none given means failures and delays are reported, not success; NEVER means nothing is. */
function wants(r: QueueRecipient, kind: DsnKind): boolean {
  if (!r.notify) return kind === 'failed' || kind === 'delayed';
  return r.notify.includes(NOTIFY[kind]);
}

/**
 * The message, or its header: with RET=HDRS, when large, in a success report (RET asks for the content of failure reports),
 * and for a REQUIRETLS message, whose report may travel without TLS (RFC 8689 section 5: as if RET=HDRS).
 */
async function original(settings: ReportSettings, entry: QueueEntry, kind: DsnKind): Promise<{ bytes: Buffer; headersOnly: boolean }> {
  const headersOnly = entry.ret === 'HDRS' || entry.requireTls === true || entry.size > FULL_RETURN_LIMIT || kind === 'relayed' || kind === 'delivered';
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of settings.queue.store.readQueueMessage(entry.id)) {
    chunks.push(chunk);
    length += chunk.length;
    if (headersOnly && (length > FULL_RETURN_LIMIT || Buffer.concat(chunks).includes('\r\n\r\n'))) break;
  }
  const bytes = Buffer.concat(chunks);
  return { bytes: headersOnly ? headerOf(bytes).subarray(0, FULL_RETURN_LIMIT) : bytes, headersOnly };
}

/**
 * Tells the sender which recipients failed, are delayed, or (when asked) were relayed, with an RFC 3464 report
 * from the null sender: into the sender's INBOX through the write path when the
 * sender is local, through the queue otherwise. Mail from the null sender (itself a
 * report) never gets one, so two servers cannot bounce a message back and forth.
 */
export async function sendReport(
  settings: ReportSettings,
  log: Logger,
  entry: QueueEntry,
  kind: DsnKind,
  recipients: QueueRecipient[],
  willRetryUntil: number,
): Promise<void> {
  const wanted = recipients.filter((r) => wants(r, kind));
  if (entry.from === '' || wanted.length === 0) return;
  const { bytes, headersOnly } = await original(settings, entry, kind);
  await send(settings, log, {
    kind,
    queueId: entry.id,
    arrivalDate: entry.createdAt,
    ...(entry.envid ? { envid: entry.envid } : {}),
    to: entry.from,
    recipients: wanted.map((r) => ({
      address: r.address,
      status: r.status ?? { failed: '5.0.0', delayed: '4.0.0', relayed: '2.0.0', delivered: '2.0.0' }[kind],
      ...(r.orcpt ? { orcpt: r.orcpt } : {}),
      ...(r.remoteMta ? { remoteMta: r.remoteMta } : {}),
      ...(r.lastResult ? { diagnostic: r.lastResult } : {}),
      ...(r.lastAttempt ? { lastAttempt: r.lastAttempt } : {}),
    })),
    willRetryUntil,
    original: bytes,
    headersOnly,
  });
}

/** A message just taken for local mailboxes, with the DSN wishes its sender gave. */
export interface LocalDelivery {
  from: string;
  raw: Buffer;
  dsn?: DsnRequest;
  /** RFC 8689 REQUIRETLS: a failure report returns the header only. */
  requireTls?: boolean;
}

/**
 * NOTIFY=SUCCESS (RFC 3461) for recipients whose mailbox got the message here: a
 * "delivered" report to the sender, with the message's header.
 */
export async function reportDelivered(settings: ReportSettings, log: Logger, message: LocalDelivery, reports: RecipientReport[]): Promise<void> {
  if (message.from === '' || !message.dsn) return;
  const now = Date.now();
  const delivered = reports.flatMap((report, i): DsnRecipient[] => {
    const wish = message.dsn!.recipients[i];
    if (!wish?.notify?.includes('SUCCESS') || !report.outcomes.some((o) => o.status === 'delivered')) return [];
    return [{ address: report.recipient, status: '2.0.0', ...(wish.orcpt ? { orcpt: wish.orcpt } : {}), diagnostic: '250 2.0.0 delivered to the mailbox', lastAttempt: now }];
  });
  if (delivered.length === 0) return;
  await send(settings, log, {
    kind: 'delivered',
    arrivalDate: now,
    ...(message.dsn.envid ? { envid: message.dsn.envid } : {}),
    to: message.from,
    recipients: delivered,
    original: headerOf(message.raw),
    headersOnly: true,
  });
}

/** A local copy that was not written, of a message whose other copies were. */
export interface RefusedLocalCopy {
  /** The recipient's position in the transaction, for its DSN wishes. */
  index: number;
  recipient: string;
  /** RFC 3463, as given up on: class 5. */
  status: string;
  diagnostic: string;
}

/**
 * A failure report for local copies that could not be written while others of the same
 * message were: the transaction was answered 250, so this is how the sender learns.
 */
export async function reportRefused(settings: ReportSettings, log: Logger, message: LocalDelivery, refused: RefusedLocalCopy[]): Promise<void> {
  if (message.from === '') return;
  const now = Date.now();
  const recipients = refused.flatMap((copy): DsnRecipient[] => {
    const wish = message.dsn?.recipients[copy.index];
    if (wish?.notify && !wish.notify.includes('FAILURE')) return [];
    return [{ address: copy.recipient, status: copy.status, ...(wish?.orcpt ? { orcpt: wish.orcpt } : {}), diagnostic: copy.diagnostic, lastAttempt: now }];
  });
  if (recipients.length === 0) return;
  const headersOnly = message.dsn?.ret === 'HDRS' || message.requireTls === true || message.raw.length > FULL_RETURN_LIMIT;
  await send(settings, log, {
    kind: 'failed',
    arrivalDate: now,
    ...(message.dsn?.envid ? { envid: message.dsn.envid } : {}),
    to: message.from,
    recipients,
    original: headersOnly ? headerOf(message.raw) : message.raw,
    headersOnly,
  });
}

/** Composes the report and hands it to the sender's mailbox or the queue. */
async function send(settings: ReportSettings, log: Logger, report: Omit<DsnInput, 'reportingMta' | 'date' | 'messageId' | 'boundary'>): Promise<void> {
  const raw = composeDsn({
    ...report,
    reportingMta: settings.hostname,
    date: Date.now(),
    messageId: `${randomUUID()}@${settings.hostname}`,
    boundary: `=_mailfold_${randomBytes(12).toString('hex')}`,
  });
  const sieve = { atData: false, hostname: settings.hostname, log };
  const reports = await acceptMessage(settings.queue, { from: '', recipients: [report.to], raw, subaddressSeparator: settings.subaddressSeparator, sieve });
  const outcomes = reports.flatMap((r) => r.outcomes.map((o) => o.status));
  log.info({ queue: report.queueId, kind: report.kind, to: report.to, recipients: report.recipients.map((r) => r.address), outcomes }, 'delivery report sent');
}
