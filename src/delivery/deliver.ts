import { indexMessage } from '../mime/index.ts';
import { fetchSummary } from '../mime/fetch-summary.ts';
import type { Account, AccountId, AccountLessons, AppendOutcome, Directory, ImportMarks, MailboxId, MailStore, Uid, Vault } from '../store/types.ts';
import { toCrlf } from './line-endings.ts';
import { resolveRecipient } from './resolve.ts';
import { increment } from '../metrics/registry.ts';
import type { SpamCheck } from '../spam/filter.ts';

/** A mailbox a message is written to, with the header lines that copy gets in front. */
export interface WriteTarget {
  accountId: AccountId;
  mailboxId: MailboxId;
  prefix: string;
  flags: string[];
}

export type WriteResult = AppendOutcome;

/**
 * The one write path (design.md): every message that enters a mailbox, by SMTP,
 * IMAP APPEND, import, `mailfold deliver` or a bounce, is indexed once here and
 * written once, shared by all its targets, in one synced batch.
 */
export async function writeMessage(
  store: MailStore,
  raw: Buffer,
  targets: WriteTarget[],
  opts: { internalDate?: number; enforceQuota: boolean },
): Promise<WriteResult[]> {
  const { blob, internalDate } = prepare(raw, opts.internalDate);
  return store.append(
    blob,
    targets.map((t) => ({ ...t, internalDate })),
    { enforceQuota: opts.enforceQuota },
  );
}

/**
 * Several messages through the same path in one synced batch (IMAP MULTIAPPEND,
 * import); with `atomic`, none is written unless all can be. An import's marks go
 * in the same batch.
 */
export async function writeMessages(
  store: MailStore,
  messages: { raw: Buffer; internalDate?: number; targets: WriteTarget[] }[],
  opts: { enforceQuota: boolean; atomic: boolean; importMarks?: ImportMarks; learning?: AccountLessons },
): Promise<WriteResult[][]> {
  const items = messages.map((m) => {
    const { blob, internalDate } = prepare(m.raw, m.internalDate);
    return { blob, targets: m.targets.map((t) => ({ ...t, internalDate })) };
  });
  return store.appendMany(items, opts);
}

/** CRLF line ends and the MIME index, computed once per message. */
function prepare(raw: Buffer, internalDate: number | undefined) {
  const body = toCrlf(raw);
  const index = indexMessage(body);
  return { blob: { raw: body, index, summary: fetchSummary(index) }, internalDate: internalDate ?? Date.now() };
}

export type RecipientStatus =
  | { status: 'delivered'; account: string; mailbox: string; uid: Uid }
  | { status: 'unknown'; detail: string }
  | { status: 'over-quota'; account: string; detail: string }
  | { status: 'remote'; address: string }
  | { status: 'queued'; address: string; queueId: string }
  | { status: 'failed'; detail: string };

export interface RecipientReport {
  recipient: string;
  outcomes: RecipientStatus[];
}

export interface DeliveryRequest {
  /** Envelope sender; the empty string is the null sender of bounces. */
  from: string;
  recipients: string[];
  raw: Buffer;
  /** Mailbox to file into (default INBOX); a missing one falls back to INBOX. */
  mailbox?: string;
  flags?: string[];
  internalDate?: number;
  subaddressSeparator: string;
  /** The spam verdict of mail from outside (spam/filter.ts); absent for mail between local users. */
  spam?: SpamCheck;
}

/**
 * The MDA: resolves each recipient to accounts, prepends Return-Path and
 * Delivered-To, and writes every local copy through `writeMessage`. Remote
 * targets of aliases are reported back for the caller to queue.
 */
export async function deliverMessage(store: Directory & MailStore & Vault, request: DeliveryRequest): Promise<RecipientReport[]> {
  if (/[\r\n<>]/.test(request.from)) throw new Error(`invalid envelope sender ${JSON.stringify(request.from)}`);
  const reports: RecipientReport[] = [];
  const targets: { recipient: string; account: Account; mailboxName: string; target: WriteTarget }[] = [];
  const seen = new Set<number>();
  for (const recipient of request.recipients) {
    const report: RecipientReport = { recipient, outcomes: [] };
    reports.push(report);
    const resolution = await resolveRecipient(store, recipient, request.subaddressSeparator, { sender: request.from });
    for (const unknown of resolution.unknown) {
      report.outcomes.push({ status: 'unknown', detail: `${unknown.address}: ${unknown.reason.replace(/-/g, ' ')}` });
    }
    for (const address of resolution.remote) report.outcomes.push({ status: 'remote', address });
    for (const account of resolution.local) {
      if (seen.has(account.id)) continue;
      seen.add(account.id);
      // Spam (issue 15): a verdict per account, filed into Junk at its junk score, carried in the copy's header.
      const verdict = request.spam ? await request.spam.judge(account) : null;
      const wanted = verdict?.spam ? 'Junk' : request.mailbox;
      const mailbox = (wanted ? await store.getMailbox(account.id, wanted) : null) ?? (await store.getMailbox(account.id, 'INBOX'));
      if (!mailbox) {
        report.outcomes.push({ status: 'failed', detail: `${account.address} has no INBOX (run \`mailfold store check\`)` });
        continue;
      }
      const prefix = `Return-Path: <${request.from}>\r\nDelivered-To: ${account.address}\r\n${verdict ? request.spam!.headers(verdict) : ''}`;
      targets.push({ recipient, account, mailboxName: mailbox.name, target: { accountId: account.id, mailboxId: mailbox.id, prefix, flags: request.flags ?? [] } });
    }
  }
  increment('mailfold_messages_received_total');
  if (targets.length === 0) return reports;
  const results = await writeMessage(store, request.raw, targets.map((t) => t.target), { internalDate: request.internalDate, enforceQuota: true });
  results.forEach((result, i) => {
    const { recipient, account, mailboxName } = targets[i]!;
    const report = reports.find((r) => r.recipient === recipient)!;
    if (result.ok) {
      increment('mailfold_messages_delivered_total');
      report.outcomes.push({ status: 'delivered', account: account.address, mailbox: mailboxName, uid: result.uid });
    } else if (result.reason === 'quota') report.outcomes.push({ status: 'over-quota', account: account.address, detail: result.detail });
    else report.outcomes.push({ status: 'failed', detail: result.detail });
  });
  return reports;
}
