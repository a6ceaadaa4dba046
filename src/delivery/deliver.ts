import { indexMessage } from '../mime/index.ts';
import { fetchSummary } from '../mime/fetch-summary.ts';
import { StoreError, type Account, type AccountId, type AccountLessons, type AppendOutcome, type Directory, type ImportMarks, type MailboxId, type MailStore, type SieveStore, type Uid, type Vault } from '../store/types.ts';
import { isSystemFlag } from '../store/rules/keywords.ts';
import type { SieveDelivery } from '../sieve/environment.ts';
import { decideBySieve, type SieveDecision } from '../sieve/execute.ts';
import { toCrlf } from './line-endings.ts';
import { resolveRecipient } from './resolve.ts';
import type { Resolver } from './resolutions.ts';
import { increment } from '../metrics/registry.ts';
import type { SpamCheck } from '../spam/filter.ts';
import { authResultsField } from '../spam/verdict.ts';

/** A mailbox a message is written to, with the header lines that copy gets in front. */
export interface WriteTarget {
  accountId: AccountId;
  mailboxId: MailboxId;
  prefix: string;
  flags: string[];
}

export type WriteResult = AppendOutcome;

/**
 * The one write path (docs/architecture.md): every message that enters a mailbox, by SMTP,
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

/**
 * Writes each target's copy, in target order: a copy a Sieve script edited (editheader)
 * is a body of its own, the others share the request's.
 */
async function writeCopies(store: MailStore, request: DeliveryRequest, targets: { target: WriteTarget; raw?: Buffer }[]): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  for (const raw of new Set(targets.map((t) => t.raw ?? request.raw))) {
    const mine = targets.flatMap((t, i) => ((t.raw ?? request.raw) === raw ? [i] : []));
    const opts = { internalDate: request.internalDate, enforceQuota: true };
    const written = await writeMessage(store, raw, mine.map((i) => targets[i]!.target), opts).catch((err: unknown) => {
      if (!(err instanceof StoreError && err.code === 'limit')) throw err;
      // A keyword past a mailbox's limit (store/rules/keywords.ts), from Sieve or the request, costs the keywords, never the mail.
      return writeMessage(store, raw, mine.map((i) => ({ ...targets[i]!.target, flags: targets[i]!.target.flags.filter(isSystemFlag) })), opts);
    });
    mine.forEach((i, k) => (results[i] = written[k]!));
  }
  return results;
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
  | { status: 'failed'; detail: string }
  /** The account's Sieve script refused the message at DATA (RFC 5429). */
  | { status: 'rejected'; account: string; reason: string }
  /** The account's Sieve script took the message without storing a copy (discard, redirect, a late reject). */
  | { status: 'filtered'; account: string; detail: string };

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
  /** Given, each account's active Sieve script decides where its copy goes (src/sieve/). */
  sieve?: SieveDelivery;
  /** The spam verdict of mail from outside (spam/filter.ts); absent for mail between local users. */
  spam?: SpamCheck;
  /** The value of the MX's Authentication-Results, written into each copy with that account's spam verdict. */
  authResults?: string;
  /** The recipients' resolutions the SMTP transaction made already (resolutions.ts); absent: looked up here. */
  resolve?: Resolver;
}

/**
 * The MDA: resolves each recipient to accounts, prepends Return-Path and
 * Delivered-To, and writes every local copy through `writeMessage`. Remote
 * targets of aliases are reported back for the caller to queue.
 */
export async function deliverMessage(store: Directory & MailStore & Vault & SieveStore, request: DeliveryRequest): Promise<RecipientReport[]> {
  if (/[\r\n<>]/.test(request.from)) throw new Error(`invalid envelope sender ${JSON.stringify(request.from)}`);
  const reports: RecipientReport[] = [];
  const targets: { recipient: string; account: Account; mailboxName: string; target: WriteTarget; raw?: Buffer }[] = [];
  const decisions: { decision: SieveDecision; accountId: AccountId }[] = [];
  const seen = new Set<number>();
  for (const recipient of request.recipients) {
    const report: RecipientReport = { recipient, outcomes: [] };
    reports.push(report);
    const resolution = await (request.resolve ? request.resolve(recipient) : resolveRecipient(store, recipient, request.subaddressSeparator, { sender: request.from }));
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
      const prefix = `Return-Path: <${request.from}>\r\nDelivered-To: ${account.address}\r\n${verdict ? request.spam!.headers(verdict, request.authResults) : authResultsField(request.authResults)}`;
      // Sieve, after the spam verdict: the account's active script, seeing the copy as it will be stored
      // (with the fields above), files it, or refuses it, or sends it on.
      const decision = request.sieve
        ? await decideBySieve(store, request.sieve, { account, from: request.from, recipient, raw: request.raw, prefix, defaultMailbox: wanted, spam: verdict, flags: request.flags ?? [], subaddressSeparator: request.subaddressSeparator })
        : null;
      if (decision) {
        decisions.push({ decision, accountId: account.id });
        if (decision.rejected !== null) report.outcomes.push({ status: 'rejected', account: account.address, reason: decision.rejected });
        else if (decision.copies.length === 0) report.outcomes.push({ status: 'filtered', account: account.address, detail: decision.summary });
        for (const { mailbox, flags } of decision.copies) {
          targets.push({ recipient, account, mailboxName: mailbox.name, raw: decision.raw, target: { accountId: account.id, mailboxId: mailbox.id, prefix: decision.prefix, flags } });
        }
        continue;
      }
      const mailbox = (wanted ? await store.getMailbox(account.id, wanted) : null) ?? (await store.getMailbox(account.id, 'INBOX'));
      if (!mailbox) {
        report.outcomes.push({ status: 'failed', detail: `${account.address} has no INBOX (run \`mailfold store check\`)` });
        continue;
      }
      targets.push({ recipient, account, mailboxName: mailbox.name, target: { accountId: account.id, mailboxId: mailbox.id, prefix, flags: request.flags ?? [] } });
    }
  }
  increment('mailfold_messages_received_total');
  const results = await writeCopies(store, request, targets);
  // What the scripts send goes out once their accounts' copies are committed.
  for (const { decision, accountId } of decisions) {
    if (results.every((r, i) => r.ok || targets[i]!.account.id !== accountId)) await decision.finish();
  }
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
