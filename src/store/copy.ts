import { createHash } from 'node:crypto';
import type { AppPassword } from './app-passwords.ts';
import type { FetchSummary } from '../mime/fetch-summary.ts';
import type { Counters } from './rules/mailbox.ts';
import type {
  Account,
  AccountId,
  Alias,
  BlobMeta,
  DkimKey,
  Domain,
  GreylistEntry,
  Mailbox,
  MailboxId,
  MessageMeta,
  QueueEntry,
  SenderListEntry,
  SpamClass,
  SpamTotals,
  Uid,
} from './types.ts';
import { StoreError } from './types.ts';

/**
 * `mailfold store copy` (docs/scale-out.md): a whole installation from one backend into
 * another, ids, UIDs, MODSEQs, flags and bytes unchanged. The source is read through
 * the backend's own records (the roles cannot say everything: spam marks, secrets,
 * expunge MODSEQs); the target writes rows with the source's ids. The copy is resumable:
 * every batch is one transaction that skips what an earlier, killed run committed.
 */

/** Who receives mail and who logs in, with the id counters. */
export interface CopiedDirectory {
  counters: Counters;
  domains: Domain[];
  accounts: Account[];
  aliases: Alias[];
  dkimKeys: DkimKey[];
}

/** Everything an account keeps besides its mailboxes. */
export interface CopiedAccountData {
  accountId: AccountId;
  appPasswords: AppPassword[];
  /** Subscribed names that have no mailbox (any more). */
  subscriptions: string[];
  /** IMAP METADATA; mailboxId 0 is the server's. */
  metadata: { mailboxId: MailboxId; entry: string; value: Buffer }[];
  sieveScripts: { name: string; content: string; updatedAt: number }[];
  sieveActive: string | null;
  /** Keys as stored (hashed). */
  sieveMarks: { scope: string; key: string; expiresAt: number }[];
  spamTotals: SpamTotals | null;
  spamTokens: { token: string; spam: number; ham: number }[];
  spamMarks: { mark: string; verdict: SpamClass }[];
  senders: SenderListEntry[];
  correspondents: string[];
  importMarks: string[];
}

/** A vault record: its kind, its name, its JSON as stored. */
export interface CopiedVaultRecord {
  kind: 'certificate' | 'acme-account' | 'acme-state' | 'secret' | 'mta-sts';
  name: string;
  json: string;
}

/** A message body with everything kept beside it. */
export interface CopiedBlob {
  meta: BlobMeta;
  raw: Buffer;
  searchText: string;
  summary: FetchSummary | null;
  /** The prefixes of every message that refers to it (the full-text index covers them). */
  prefixes: string[];
}

export interface CopySource {
  /**
   * Names the installation, the same on every run: a resumed copy must come from it.
   * Refuses a source holding records this version cannot copy whole.
   */
  installationId(): Promise<string>;
  directory(): Promise<CopiedDirectory>;
  accountData(accountId: AccountId): Promise<CopiedAccountData>;
  vault(): Promise<CopiedVaultRecord[]>;
  greylist(): Promise<{ triplet: string; entry: GreylistEntry }[]>;
  mailboxes(accountId: AccountId): Promise<Mailbox[]>;
  expunged(mailboxId: MailboxId): Promise<{ uid: Uid; modSeq: number }[]>;
  /** Every message of the mailbox with its current flags and MODSEQ, by UID. */
  messages(mailboxId: MailboxId): Promise<MessageMeta[]>;
  messageCount(): Promise<number>;
  blobs(ids: string[]): Promise<CopiedBlob[]>;
  queue(): Promise<{ entry: QueueEntry; raw: Buffer }[]>;
  close(): Promise<void>;
}

/** Where a copy stands in the target, written with its first batch. */
export interface CopyMarker {
  source: string;
  startedAt: number;
  finishedAt?: number;
}

export interface CopyTarget {
  /** A description for messages: the URL without its password. */
  readonly name: string;
  marker(): Promise<CopyMarker | null>;
  /** Whether it holds anything an installation writes (an empty, migrated database does not). */
  hasData(): Promise<boolean>;
  /** The directory, the account data, vault and greylist, with the marker; one transaction, idempotent. */
  writeSetup(marker: CopyMarker, directory: CopiedDirectory, accounts: CopiedAccountData[], vault: CopiedVaultRecord[], greylist: { triplet: string; entry: GreylistEntry }[]): Promise<void>;
  /** Mailbox rows (counters as the source has them) and their expunge records; idempotent. */
  writeMailboxes(mailboxes: Mailbox[], expunged: Map<MailboxId, { uid: Uid; modSeq: number }[]>): Promise<void>;
  presentUids(mailboxId: MailboxId): Promise<Set<Uid>>;
  presentBlobs(ids: string[]): Promise<Set<string>>;
  /** Bodies, then the messages that refer to them, in one transaction. */
  writeMessages(blobs: CopiedBlob[], messages: MessageMeta[]): Promise<void>;
  writeQueue(items: { entry: QueueEntry; raw: Buffer }[]): Promise<void>;
  /** For the final comparison: every mailbox, and what its messages say. */
  mailboxIds(): Promise<MailboxId[]>;
  messageStates(mailboxId: MailboxId): Promise<Pick<MessageMeta, 'uid' | 'modSeq' | 'flags'>[]>;
  check(): Promise<string[]>;
  finish(marker: CopyMarker): Promise<void>;
  close(): Promise<void>;
}

export interface CopyProgress {
  phase: 'setup' | 'messages' | 'queue' | 'verify' | 'done';
  done: number;
  total: number;
  /** Messages per second since the start of this run. */
  rate: number;
}

export interface CopyResult {
  messages: number;
  /** Of them, already in the target from an earlier run. */
  skipped: number;
  accounts: number;
  mailboxes: number;
  queue: number;
  seconds: number;
  alreadyDone: boolean;
}

/** Messages per transaction, and body bytes: a batch stays a few MiB whatever the sizes. */
const BATCH_MESSAGES = 500;
const BATCH_BYTES = 8 << 20;

/** Copies everything; `signal` stops it between two batches (each one committed), for a later run to go on. */
export async function copyStore(source: CopySource, target: CopyTarget, opts: { onProgress?: (p: CopyProgress) => void; signal?: AbortSignal } = {}): Promise<CopyResult> {
  const onProgress = opts.onProgress ?? (() => {});
  const started = Date.now();
  const id = await source.installationId();
  const existing = await target.marker();
  if (existing && existing.source !== id) throw new StoreError('exists', `${target.name} holds a copy of another installation; copy only into an empty database`);
  if (existing?.finishedAt) return { messages: 0, skipped: 0, accounts: 0, mailboxes: 0, queue: 0, seconds: 0, alreadyDone: true };
  if (!existing && (await target.hasData())) throw new StoreError('exists', `${target.name} already holds mail data; copy only into an empty database`);
  const marker: CopyMarker = existing ?? { source: id, startedAt: started };

  const total = await source.messageCount();
  let done = 0;
  let skipped = 0;
  const progress = (phase: CopyProgress['phase']) => onProgress({ phase, done, total, rate: done / Math.max(0.001, (Date.now() - started) / 1000) });
  progress('setup');
  const directory = await source.directory();
  const accountData = [];
  for (const account of directory.accounts) accountData.push(await source.accountData(account.id));
  await target.writeSetup(marker, directory, accountData, await source.vault(), await source.greylist());

  let mailboxCount = 0;
  const expected = new Map<MailboxId, Digest>();
  for (const account of directory.accounts) {
    const mailboxes = await source.mailboxes(account.id);
    mailboxCount += mailboxes.length;
    const expunged = new Map<MailboxId, { uid: Uid; modSeq: number }[]>();
    for (const m of mailboxes) expunged.set(m.id, await source.expunged(m.id));
    await target.writeMailboxes(mailboxes, expunged);
    for (const mailbox of mailboxes) {
      const messages = await source.messages(mailbox.id);
      expected.set(mailbox.id, digestOf(messages));
      const present = await target.presentUids(mailbox.id);
      const missing = messages.filter((m) => !present.has(m.uid));
      skipped += messages.length - missing.length;
      done += messages.length - missing.length;
      for (const batch of batches(missing)) {
        opts.signal?.throwIfAborted();
        const wanted = [...new Set(batch.map((m) => m.blobId))];
        const have = await target.presentBlobs(wanted);
        await target.writeMessages(await source.blobs(wanted.filter((b) => !have.has(b))), batch);
        done += batch.length;
        progress('messages');
      }
    }
  }
  progress('queue');
  const queue = await source.queue();
  await target.writeQueue(queue);

  progress('verify');
  const problems = await differences(expected, target);
  problems.push(...(await target.check()));
  if (problems.length > 0) throw new StoreError('conflict', `the copy differs from the source: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
  await target.finish({ ...marker, finishedAt: Date.now() });
  progress('done');
  return { messages: done, skipped, accounts: directory.accounts.length, mailboxes: mailboxCount, queue: queue.length, seconds: (Date.now() - started) / 1000, alreadyDone: false };
}

/** What the comparison looks at: how many messages, and a hash of their UIDs, MODSEQs and flags in UID order. */
interface Digest {
  messages: number;
  hash: string;
}

function digestOf(messages: readonly Pick<MessageMeta, 'uid' | 'modSeq' | 'flags'>[]): Digest {
  const hash = createHash('sha256');
  for (const m of [...messages].sort((a, b) => a.uid - b.uid)) hash.update(`${m.uid}:${m.modSeq}:${m.flags.join(' ')}\n`);
  return { messages: messages.length, hash: hash.digest('hex') };
}

async function differences(expected: Map<MailboxId, Digest>, target: CopyTarget): Promise<string[]> {
  const problems: string[] = [];
  const found = new Set(await target.mailboxIds());
  for (const [id, want] of expected) {
    if (!found.has(id)) {
      problems.push(`mailbox ${id} is missing`);
      continue;
    }
    const got = digestOf(await target.messageStates(id));
    if (got.messages !== want.messages) problems.push(`mailbox ${id} has ${got.messages} messages, the source ${want.messages}`);
    else if (got.hash !== want.hash) problems.push(`mailbox ${id}: UIDs, MODSEQs or flags differ from the source`);
  }
  for (const id of found) if (!expected.has(id)) problems.push(`mailbox ${id} is not in the source`);
  return problems;
}

function* batches(messages: MessageMeta[]): Generator<MessageMeta[]> {
  let batch: MessageMeta[] = [];
  let bytes = 0;
  for (const m of messages) {
    batch.push(m);
    bytes += m.size;
    if (batch.length >= BATCH_MESSAGES || bytes >= BATCH_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}
