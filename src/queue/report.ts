import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { QueueEntry, QueueRecipient } from '../store/types.ts';
import { acceptMessage } from './accept.ts';
import { composeDsn, headerOf } from './dsn.ts';
import type { OutboundQueue } from './outbound.ts';

/** A larger original is returned as its header only, so that the report itself gets through. */
const FULL_RETURN_LIMIT = 1024 * 1024;

export interface ReportSettings {
  queue: OutboundQueue;
  hostname: string;
  subaddressSeparator: string;
}

/** RFC 3461 NOTIFY: none given means failures and delays are reported; NEVER means nothing is. */
function wants(r: QueueRecipient, kind: 'failed' | 'delayed'): boolean {
  if (!r.notify) return true;
  return r.notify.includes(kind === 'failed' ? 'FAILURE' : 'DELAY');
}

async function original(settings: ReportSettings, entry: QueueEntry): Promise<{ bytes: Buffer; headersOnly: boolean }> {
  const headersOnly = entry.ret === 'HDRS' || entry.size > FULL_RETURN_LIMIT;
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
 * Tells the sender which recipients failed, or are delayed, with an RFC 3464 report
 * from the null sender: into the sender's INBOX through the write path when the
 * sender is local, through the queue otherwise. Mail from the null sender (itself a
 * report) never gets one, so two servers cannot bounce a message back and forth.
 */
export async function sendReport(
  settings: ReportSettings,
  log: Logger,
  entry: QueueEntry,
  kind: 'failed' | 'delayed',
  recipients: QueueRecipient[],
  willRetryUntil: number,
): Promise<void> {
  const wanted = recipients.filter((r) => wants(r, kind));
  if (entry.from === '' || wanted.length === 0) return;
  const { bytes, headersOnly } = await original(settings, entry);
  const raw = composeDsn({
    kind,
    reportingMta: settings.hostname,
    queueId: entry.id,
    arrivalDate: entry.createdAt,
    ...(entry.envid ? { envid: entry.envid } : {}),
    to: entry.from,
    recipients: wanted.map((r) => ({
      address: r.address,
      status: r.status ?? (kind === 'failed' ? '5.0.0' : '4.0.0'),
      ...(r.orcpt ? { orcpt: r.orcpt } : {}),
      ...(r.remoteMta ? { remoteMta: r.remoteMta } : {}),
      ...(r.lastResult ? { diagnostic: r.lastResult } : {}),
      ...(r.lastAttempt ? { lastAttempt: r.lastAttempt } : {}),
    })),
    willRetryUntil,
    original: bytes,
    headersOnly,
    date: Date.now(),
    messageId: `${randomUUID()}@${settings.hostname}`,
    boundary: `=_mailfold_${randomBytes(12).toString('hex')}`,
  });
  const reports = await acceptMessage(settings.queue, { from: '', recipients: [entry.from], raw, subaddressSeparator: settings.subaddressSeparator });
  const outcomes = reports.flatMap((r) => r.outcomes.map((o) => o.status));
  log.info({ queue: entry.id, kind, to: entry.from, recipients: wanted.map((r) => r.address), outcomes }, 'delivery report sent');
}
