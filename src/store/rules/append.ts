import { randomBytes } from 'node:crypto';
import type { AppendOutcome, AppendTarget, BlobId, Mailbox, MailboxId, MessageMeta, NewBlob, StoreEvent } from '../types.ts';
import { admitMessage, nextModSeq } from './mailbox.ts';
import type { QuotaTally } from './quota.ts';

/** One message to append, as the write path hands it in. */
export interface AppendItem {
  blob: NewBlob;
  targets: AppendTarget[];
  enforceQuota: boolean;
}

/** A body the batch stores, with the messages that refer to it (one per target it was admitted to). */
export interface AdmittedBody {
  blobId: BlobId;
  blob: NewBlob;
  messages: MessageMeta[];
}

/** What a batch of appends writes, decided before anything is written. */
export interface AppendPlan {
  /** For each item, the outcome of each of its targets. */
  outcomes: AppendOutcome[][];
  /** Whether anything is written: some message was admitted and, in an atomic batch, none refused. */
  write: boolean;
  bodies: AdmittedBody[];
  /** The mailboxes whose counters changed, in the order they were first appended to. */
  mailboxes: Mailbox[];
  /** One append event per admitted message, for after the commit. */
  events: StoreEvent[];
}

/** What the rule reads, each backend its own way, under the locks of the accounts it appends to. */
export interface AppendReads {
  /** The mailbox's record, whose counters the rule changes in place; null when it does not exist. */
  mailbox(id: MailboxId): Promise<Mailbox | null | undefined>;
  quota: QuotaTally;
}

/**
 * The append rule, every backend alike: a target must be a mailbox of its account, and
 * (when enforced) one more message of its size must fit the account's quota, counting
 * what the batch added before it; an admitted message gets the next UID and MODSEQ of
 * its mailbox (rules/mailbox.ts), and its size is the prefix (Received, ...) and the body.
 * A body is stored once, when at least one of its targets admitted it.
 */
export async function planAppends(items: readonly AppendItem[], reads: AppendReads, opts: { atomic: boolean; now: number }): Promise<AppendPlan> {
  const loaded = new Map<MailboxId, Mailbox | null>();
  const changed = new Map<MailboxId, Mailbox>();
  const plan: AppendPlan = { outcomes: [], write: false, bodies: [], mailboxes: [], events: [] };
  for (const { blob, targets, enforceQuota } of items) {
    const blobId = randomBytes(12).toString('hex');
    const outcomes: AppendOutcome[] = [];
    const messages: MessageMeta[] = [];
    plan.outcomes.push(outcomes);
    for (const target of targets) {
      if (!loaded.has(target.mailboxId)) loaded.set(target.mailboxId, (await reads.mailbox(target.mailboxId)) ?? null);
      const mailbox = loaded.get(target.mailboxId);
      if (!mailbox || mailbox.accountId !== target.accountId) {
        outcomes.push({ ok: false, reason: 'no-mailbox', detail: `mailbox ${target.mailboxId} does not exist` });
        continue;
      }
      const size = Buffer.byteLength(target.prefix) + blob.raw.length;
      const problem = enforceQuota ? await reads.quota.problem(target.accountId, size) : null;
      if (problem) {
        outcomes.push({ ok: false, reason: 'quota', detail: problem });
        continue;
      }
      const uid = admitMessage(mailbox, size, target.flags);
      const modSeq = nextModSeq(mailbox);
      reads.quota.add(target.accountId, size);
      changed.set(mailbox.id, mailbox);
      messages.push({ mailboxId: mailbox.id, uid, blobId, flags: target.flags, internalDate: target.internalDate, savedDate: opts.now, modSeq, prefix: target.prefix, size });
      outcomes.push({ ok: true, uid, mailboxId: mailbox.id, uidValidity: mailbox.uidValidity, modSeq });
      plan.events.push({ type: 'append', accountId: mailbox.accountId, mailboxId: mailbox.id, uids: [uid], modSeq });
    }
    if (messages.length > 0) plan.bodies.push({ blobId, blob, messages });
  }
  const refused = plan.outcomes.some((item) => item.some((o) => !o.ok));
  plan.write = plan.events.length > 0 && !(opts.atomic && refused);
  plan.mailboxes = [...changed.values()];
  return plan;
}
