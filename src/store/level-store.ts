import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { privateDataDir } from './data-dir.ts';
import { encode, decode } from './codec.ts';
import { Coalescer } from './coalescer.ts';
import { CommitQueue, type BatchOp } from './commit-queue.ts';
import { applyFlags, isSeen, sameFlags } from './flags.ts';
import { LevelSearchIndex } from './level-search-index.ts';
import { keys, prefixEnd, QUEUE_ID } from './keys.ts';
import { LockSet } from './locks.ts';
import { ReadCache } from './read-cache.ts';
import { checkStore } from './check.ts';
import { levelSnapshot } from './level-records.ts';
import type { RecordSnapshot } from './records.ts';
import { fetchSummary, type FetchSummary } from '../mime/fetch-summary.ts';
import type { ScramKeys } from '../auth/scram.ts';
import { LevelBodyReader, lazyBlob, type ReadAheadLimits } from './body-reader.ts';
import {
  StoreError,
  type Account,
  type AccountId,
  type AccountUsage,
  type Alias,
  type AppendOutcome,
  type AppendTarget,
  type BlobId,
  type BlobMeta,
  type BodyRange,
  type BodyReader,
  type CheckProblem,
  type CopyOutcome,
  type DkimKey,
  type Domain,
  type FlagOperation,
  type ImportMarks,
  type Mailbox,
  type MailboxId,
  type MailStore,
  type MessageMeta,
  type MetadataEntry,
  type MetadataLimits,
  type MetadataOutcome,
  type ModSeq,
  type NewBlob,
  type QueueEntry,
  type QueueId,
  type SpecialUse,
  type StoreEvent,
  type StoredCertificate,
  type AcmeAccount,
  type AcmeState,
  type MtaStsPolicy,
  type Uid,
} from './types.ts';

/**
 * A prefix read in full. Each trip to LevelDB's thread brings up to 1 MiB instead of the
 * default 16 KiB, so listing a 2,000-message mailbox is one trip rather than about thirty.
 */
function wholeRange(prefix: string) {
  return { gte: prefix, lt: prefixEnd(prefix), highWaterMarkBytes: 1 << 20 };
}

export interface StoreOptions {
  /** fsync every batch; only throw-away test data may turn this off. */
  sync: boolean;
  chunkSize: number;
}

export interface Counters {
  nextAccountId: number;
  nextMailboxId: number;
  nextUidValidity: number;
}

const DEFAULT_MAILBOXES: { name: string; specialUse: SpecialUse | null }[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

/** Read-ahead of a BodyReader: enough for a few hundred small messages per round trip, little memory. */
const READ_AHEAD: ReadAheadLimits = { maxBytes: 2 << 20, maxRanges: 256 };

const DIRECTORY_PREFIXES = [keys.domainPrefix, keys.accountPrefix, keys.accountByIdPrefix, keys.aliasPrefix];
/** Beyond this many (lookups of unknown domains by spammers count too) the cache starts over. */
const DIRECTORY_ENTRIES = 10_000;
/** Mailbox records and the name index, read by every delivery and rewritten by every append. */
const MAILBOX_PREFIXES = [keys.mailboxPrefix, keys.mailboxNameAll];
const MAILBOX_ENTRIES = 10_000;

/** One message to append, as the write path hands it in. */
interface AppendItem {
  blob: NewBlob;
  targets: AppendTarget[];
  enforceQuota: boolean;
}

const ADMIN_LOCK = 'admin';
const QUEUE_LOCK = 'queue';
const BLOB_LOCK = 'blobs';
const accountLock = (id: AccountId) => `acct:${id}`;

/** INBOX is case-insensitive (RFC 3501 5.1); every other name is kept as given. */
export const normalizeMailboxName = (name: string): string => (name.toUpperCase() === 'INBOX' ? 'INBOX' : name);

export type Db = ClassicLevel<string, Buffer>;

export async function openLevelStore(dataDir: string, options: StoreOptions): Promise<LevelStore> {
  privateDataDir(dataDir);
  const location = join(dataDir, 'store');
  const db: Db = new ClassicLevel<string, Buffer>(location, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new StoreError('locked', `the store in ${location} is locked by another process (is \`mailfold serve\` running?)`);
    }
    throw new StoreError('invalid', `cannot open the store in ${location}: ${(err as Error).message}`);
  }
  const store = new LevelStore(db, options);
  await store.init();
  return store;
}

export class LevelStore implements MailStore {
  readonly db: Db;
  readonly #options: StoreOptions;
  readonly #commits: CommitQueue;
  readonly #appends = new Coalescer<AppendItem, AppendOutcome[]>((items) => this.#appendItems(items, false));
  readonly #locks = new LockSet();
  readonly #secrets = new Map<string, Buffer>();
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  /** Domains, accounts and aliases, read at every RCPT and login; every write passes commit(), which drops what it touches. */
  readonly #directory = new ReadCache(DIRECTORY_PREFIXES, DIRECTORY_ENTRIES);
  /** Raw values, written through by every commit (decoded per read, so no caller shares an object with the cache). */
  readonly #mailboxes = new ReadCache(MAILBOX_PREFIXES, MAILBOX_ENTRIES);
  #counters: Counters = { nextAccountId: 1, nextMailboxId: 1, nextUidValidity: 1 };
  // Full-text index hook (issue 18 item 5): the index shares the db and the batches below.
  readonly searchIndex: LevelSearchIndex;

  constructor(db: Db, options: StoreOptions) {
    this.db = db;
    this.#options = options;
    this.#commits = new CommitQueue((ops, sync) => db.batch(ops, { sync }), options.sync);
    this.searchIndex = new LevelSearchIndex(db, { commit: (ops) => this.commit(ops), underBodyLock: (fn) => this.#locks.withLocks([BLOB_LOCK], fn) });
  }

  async init(): Promise<void> {
    const counters = await this.#get<Counters>(keys.counters);
    if (counters) {
      this.#counters = counters;
      return;
    }
    // Seeded from the clock so that a store made anew never repeats a UIDVALIDITY a client has cached.
    this.#counters.nextUidValidity = Math.floor(Date.now() / 1000);
    // Full-text index hook: a new store has no body to index, so its index is complete.
    await this.#commits.commit([this.#countersOp(), put(keys.version, 1), await this.searchIndex.markBuilt()]);
  }

  async close(): Promise<void> {
    await this.#locks.withLocks([ADMIN_LOCK, BLOB_LOCK], () => this.db.close());
  }

  on(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many listeners `on` holds: a closed session must leave none (test/imap-session-cleanup.test.ts). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** Commits through the group-commit queue; the store check uses it for repairs too. */
  async commit(ops: BatchOp[]): Promise<void> {
    const written = ops.map((op) => op.key);
    try {
      await this.#commits.commit(ops);
    } catch (err) {
      this.#mailboxes.forget(written);
      throw err;
    } finally {
      this.#directory.forget(written);
    }
    this.#mailboxes.remember(ops);
  }

  async #get<T>(key: string): Promise<T | null> {
    const value = await this.db.get(key);
    return value === undefined ? null : decode<T>(value);
  }

  async #scan<T>(prefix: string): Promise<T[]> {
    return (await this.db.values(wholeRange(prefix)).all()).map((value) => decode<T>(value));
  }

  #scanKeys(prefix: string): Promise<string[]> {
    return this.db.keys(wholeRange(prefix)).all();
  }

  #countersOp(): BatchOp {
    return put(keys.counters, this.#counters);
  }

  // Domains

  async addDomain(name: string): Promise<Domain> {
    return this.#locks.withLocks([ADMIN_LOCK], async () => {
      if (await this.getDomain(name)) throw new StoreError('exists', `domain ${name} already exists`);
      const domain: Domain = { name, createdAt: Date.now() };
      await this.commit([put(keys.domain(name), domain)]);
      return domain;
    });
  }

  getDomain(name: string): Promise<Domain | null> {
    return this.#directory.get(keys.domain(name), (key) => this.#get<Domain>(key));
  }

  listDomains(): Promise<Domain[]> {
    return this.#scan<Domain>(keys.domainPrefix);
  }

  async removeDomain(name: string): Promise<void> {
    await this.#locks.withLocks([ADMIN_LOCK], async () => {
      if (!(await this.getDomain(name))) throw new StoreError('not-found', `no such domain: ${name}`);
      const accounts = await this.listAccounts(name);
      const aliases = await this.listAliases(name);
      if (accounts.length > 0 || aliases.length > 0) {
        throw new StoreError(
          'conflict',
          `domain ${name} still has ${accounts.length} account(s) and ${aliases.length} alias(es); remove them first`,
        );
      }
      // Its DKIM keys go with it: they sign for no one once the domain is gone.
      const dkim = await this.#scanKeys(keys.dkimKeyPrefix(name));
      await this.commit([{ type: 'del', key: keys.domain(name) }, ...dkim.map(del)]);
    });
  }

  // Accounts

  async addAccount(input: { address: string; passwordHash: string; scram?: ScramKeys; quotaBytes: number; quotaMessages: number }): Promise<Account> {
    return this.#locks.withLocks([ADMIN_LOCK], async () => {
      const { address } = input;
      const domain = address.slice(address.lastIndexOf('@') + 1);
      if (!(await this.getDomain(domain))) throw new StoreError('not-found', `no such domain: ${domain} (add it with \`mailfold domain add ${domain}\`)`);
      if (await this.getAccount(address)) throw new StoreError('exists', `account ${address} already exists`);
      if (await this.getAlias(address)) throw new StoreError('exists', `${address} is already an alias`);
      const account: Account = { id: this.#counters.nextAccountId++, disabled: false, createdAt: Date.now(), ...input };
      const ops: BatchOp[] = [put(keys.account(address), account), put(keys.accountById(account.id), address)];
      for (const { name, specialUse } of DEFAULT_MAILBOXES) {
        ops.push(...this.#newMailboxOps(account.id, name, specialUse, true).ops);
      }
      ops.push(this.#countersOp());
      await this.commit(ops);
      return account;
    });
  }

  getAccount(address: string): Promise<Account | null> {
    return this.#directory.get(keys.account(address), (key) => this.#get<Account>(key));
  }

  async getAccountById(id: AccountId): Promise<Account | null> {
    const address = await this.#directory.get(keys.accountById(id), (key) => this.#get<string>(key));
    return address === null ? null : this.getAccount(address);
  }

  async listAccounts(domain?: string): Promise<Account[]> {
    const all = await this.#scan<Account>(keys.accountPrefix);
    return domain === undefined ? all : all.filter((a) => a.address.endsWith(`@${domain}`));
  }

  async updateAccount(
    address: string,
    patch: Partial<Pick<Account, 'passwordHash' | 'scram' | 'disabled' | 'quotaBytes' | 'quotaMessages'>>,
  ): Promise<Account> {
    return this.#locks.withLocks([ADMIN_LOCK], async () => {
      const account = await this.getAccount(address);
      if (!account) throw new StoreError('not-found', `no such account: ${address}`);
      const updated = { ...account, ...patch };
      await this.commit([put(keys.account(address), updated)]);
      return updated;
    });
  }

  async removeAccount(address: string): Promise<void> {
    const account = await this.getAccount(address);
    if (!account) throw new StoreError('not-found', `no such account: ${address}`);
    await this.#locks.withLocks([ADMIN_LOCK, accountLock(account.id), BLOB_LOCK], async () => {
      const ops: BatchOp[] = [del(keys.account(address)), del(keys.accountById(account.id))];
      for (const key of await this.#scanKeys(keys.importMarkPrefix(account.id))) ops.push(del(key));
      const released: { blobId: BlobId; refKey: string }[] = [];
      for (const mailbox of await this.listMailboxes(account.id)) {
        const removal = await this.#mailboxRemovalOps(mailbox);
        ops.push(...removal.ops);
        released.push(...removal.released);
      }
      ops.push(...(await this.#freeBlobOps(released)));
      for (const key of await this.#scanKeys(keys.subscriptionPrefix(account.id))) ops.push(del(key));
      await this.commit(ops);
    });
    this.#emit({ type: 'mailboxes', accountId: account.id });
  }

  async accountUsage(accountId: AccountId): Promise<AccountUsage> {
    const usage = { bytes: 0, messages: 0 };
    for (const mailbox of await this.listMailboxes(accountId)) {
      usage.bytes += mailbox.size;
      usage.messages += mailbox.messages;
    }
    return usage;
  }

  // Aliases

  async addAlias(address: string, targets: string[]): Promise<Alias> {
    return this.#locks.withLocks([ADMIN_LOCK], async () => {
      const domain = address.slice(address.lastIndexOf('@') + 1);
      if (!(await this.getDomain(domain))) throw new StoreError('not-found', `no such domain: ${domain}`);
      if (await this.getAccount(address)) throw new StoreError('exists', `${address} is already an account`);
      if (await this.getAlias(address)) throw new StoreError('exists', `alias ${address} already exists`);
      const alias: Alias = { address, targets, createdAt: Date.now() };
      await this.commit([put(keys.alias(address), alias)]);
      return alias;
    });
  }

  getAlias(address: string): Promise<Alias | null> {
    return this.#directory.get(keys.alias(address), (key) => this.#get<Alias>(key));
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    const all = await this.#scan<Alias>(keys.aliasPrefix);
    return domain === undefined ? all : all.filter((a) => a.address.endsWith(`@${domain}`));
  }

  async removeAlias(address: string): Promise<void> {
    await this.#locks.withLocks([ADMIN_LOCK], async () => {
      if (!(await this.getAlias(address))) throw new StoreError('not-found', `no such alias: ${address}`);
      await this.commit([del(keys.alias(address))]);
    });
  }

  // Mailboxes

  async listMailboxes(accountId: AccountId): Promise<Mailbox[]> {
    const ids = await this.#scan<MailboxId>(keys.mailboxNamePrefix(accountId));
    const records = await this.db.getMany(ids.map(keys.mailbox));
    return records.filter((r): r is Buffer => r !== undefined).map((r) => decode<Mailbox>(r));
  }

  async getMailbox(accountId: AccountId, name: string): Promise<Mailbox | null> {
    const id = await this.#getMailboxRecord<MailboxId>(keys.mailboxName(accountId, normalizeMailboxName(name)));
    return id === null ? null : this.getMailboxById(id);
  }

  getMailboxById(id: MailboxId): Promise<Mailbox | null> {
    return this.#getMailboxRecord<Mailbox>(keys.mailbox(id));
  }

  async #getMailboxRecord<T>(key: string): Promise<T | null> {
    const raw = await this.#mailboxes.get(key, async (k) => (await this.db.get(k)) ?? null);
    return raw === null ? null : decode<T>(raw as Buffer);
  }

  #newMailboxOps(accountId: AccountId, name: string, specialUse: SpecialUse | null, subscribed: boolean): { mailbox: Mailbox; ops: BatchOp[] } {
    const mailbox: Mailbox = {
      id: this.#counters.nextMailboxId++,
      accountId,
      name,
      specialUse,
      subscribed,
      uidValidity: this.#counters.nextUidValidity++,
      uidNext: 1,
      highestModSeq: 1,
      messages: 0,
      unseen: 0,
      size: 0,
      createdAt: Date.now(),
    };
    return { mailbox, ops: [put(keys.mailbox(mailbox.id), mailbox), put(keys.mailboxName(accountId, name), mailbox.id)] };
  }

  async createMailbox(
    accountId: AccountId,
    rawName: string,
    opts: { specialUse?: SpecialUse | null; subscribed?: boolean } = {},
  ): Promise<Mailbox> {
    const name = normalizeMailboxName(rawName);
    validateMailboxName(name);
    return this.#locks.withLocks([accountLock(accountId)], async () => {
      if (!(await this.getAccountById(accountId))) throw new StoreError('not-found', `no such account id ${accountId}`);
      if (await this.getMailbox(accountId, name)) throw new StoreError('exists', `mailbox ${name} already exists`);
      const { mailbox, ops } = this.#newMailboxOps(accountId, name, opts.specialUse ?? null, opts.subscribed ?? false);
      await this.commit([...ops, this.#countersOp()]);
      this.#emit({ type: 'mailboxes', accountId });
      return mailbox;
    });
  }

  async renameMailbox(accountId: AccountId, rawFrom: string, rawTo: string): Promise<void> {
    const from = normalizeMailboxName(rawFrom);
    const to = normalizeMailboxName(rawTo);
    validateMailboxName(to);
    if (from === 'INBOX' || to === 'INBOX') throw new StoreError('invalid', 'INBOX cannot be renamed here');
    await this.#locks.withLocks([accountLock(accountId)], async () => {
      const all = await this.listMailboxes(accountId);
      const moving = all.filter((m) => m.name === from || m.name.startsWith(`${from}/`));
      if (!moving.some((m) => m.name === from)) throw new StoreError('not-found', `no such mailbox: ${from}`);
      if (to === from || to.startsWith(`${from}/`)) throw new StoreError('invalid', `cannot rename ${from} into itself`);
      const taken = new Set(all.map((m) => m.name));
      const ops: BatchOp[] = [];
      for (const mailbox of moving) {
        const newName = to + mailbox.name.slice(from.length);
        if (taken.has(newName)) throw new StoreError('exists', `mailbox ${newName} already exists`);
        ops.push(del(keys.mailboxName(accountId, mailbox.name)));
        ops.push(put(keys.mailboxName(accountId, newName), mailbox.id));
        // A subscription is a name: it stays on the old one (RFC 3501 6.3.9: never removed unasked), as in Dovecot.
        ops.push(put(keys.mailbox(mailbox.id), { ...mailbox, name: newName, subscribed: false }));
        if (mailbox.subscribed) ops.push(put(keys.subscription(accountId, mailbox.name), true));
      }
      await this.commit(ops);
    });
    this.#emit({ type: 'mailboxes', accountId });
  }

  async deleteMailbox(accountId: AccountId, rawName: string, opts: { keepChildren?: boolean } = {}): Promise<void> {
    const name = normalizeMailboxName(rawName);
    if (name === 'INBOX') throw new StoreError('invalid', 'INBOX cannot be deleted');
    await this.#locks.withLocks([accountLock(accountId), BLOB_LOCK], async () => {
      const all = await this.listMailboxes(accountId);
      const mailbox = all.find((m) => m.name === name);
      if (!mailbox) throw new StoreError('not-found', `no such mailbox: ${name}`);
      if (!opts.keepChildren && all.some((m) => m.name.startsWith(`${name}/`))) {
        throw new StoreError('conflict', `mailbox ${name} has children; delete them first`);
      }
      const removal = await this.#mailboxRemovalOps(mailbox);
      // A subscription is a name, not a flag of the mailbox: it outlives the mailbox (RFC 3501 6.3.9).
      if (mailbox.subscribed) removal.ops.push(put(keys.subscription(accountId, name), true));
      await this.commit([...removal.ops, ...(await this.#freeBlobOps(removal.released))]);
    });
    this.#emit({ type: 'mailboxes', accountId });
  }

  async setSubscribed(accountId: AccountId, name: string, subscribed: boolean): Promise<void> {
    await this.#locks.withLocks([accountLock(accountId)], async () => {
      const mailbox = await this.getMailbox(accountId, name);
      const orphan = keys.subscription(accountId, normalizeMailboxName(name));
      // Only an existing mailbox can be subscribed (as Dovecot); a name kept after DELETE can be unsubscribed.
      if (!mailbox && (subscribed || (await this.db.get(orphan)) === undefined)) throw new StoreError('not-found', `no such mailbox: ${name}`);
      const ops: BatchOp[] = [];
      if (mailbox) ops.push(put(keys.mailbox(mailbox.id), { ...mailbox, subscribed }));
      if (!subscribed) ops.push(del(orphan));
      await this.commit(ops);
    });
  }

  async #mailboxRemovalOps(mailbox: Mailbox): Promise<{ ops: BatchOp[]; released: { blobId: BlobId; refKey: string }[] }> {
    const ops: BatchOp[] = [del(keys.mailbox(mailbox.id)), del(keys.mailboxName(mailbox.accountId, mailbox.name))];
    const released: { blobId: BlobId; refKey: string }[] = [];
    for (const message of await this.listMessages(mailbox.id)) {
      const refKey = keys.ref(message.blobId, mailbox.id, message.uid);
      ops.push(del(keys.message(mailbox.id, message.uid)), del(refKey));
      released.push({ blobId: message.blobId, refKey });
    }
    for (const key of await this.#scanKeys(keys.expungedPrefix(mailbox.id))) ops.push(del(key));
    return { ops, released };
  }

  /**
   * Deletes the blobs that lose their last reference. Runs under the blob lock, so
   * no other expunge can decide about the same blobs from a stale view.
   */
  async #freeBlobOps(released: { blobId: BlobId; refKey: string }[]): Promise<BatchOp[]> {
    const dropping = new Set(released.map((r) => r.refKey));
    const ops: BatchOp[] = [];
    for (const blobId of new Set(released.map((r) => r.blobId))) {
      const remaining = (await this.#scanKeys(keys.refPrefix(blobId))).filter((k) => !dropping.has(k));
      if (remaining.length > 0) continue;
      const blob = await this.getBlob(blobId);
      ops.push(del(keys.blob(blobId)), del(keys.blobText(blobId)), del(keys.blobSummary(blobId)));
      for (let i = 0; i < (blob?.chunks ?? 0); i++) ops.push(del(keys.chunk(blobId, i)));
      // Full-text index hook: the body's index entries leave with it.
      ops.push(...(await this.searchIndex.removeOps(blobId)));
    }
    return ops;
  }

  // Subscriptions and \Recent (issue 14): kept apart so the store restructuring can move them whole.

  async listSubscriptions(accountId: AccountId): Promise<string[]> {
    const kept = (await this.#scanKeys(keys.subscriptionPrefix(accountId))).map((k) => k.slice(keys.subscriptionPrefix(accountId).length));
    const flagged = (await this.listMailboxes(accountId)).filter((m) => m.subscribed).map((m) => m.name);
    return [...new Set([...flagged, ...kept])];
  }

  async claimRecent(mailboxId: MailboxId, upTo: Uid): Promise<Uid> {
    const owner = await this.getMailboxById(mailboxId);
    if (!owner) return upTo + 1;
    return this.#locks.withLocks([accountLock(owner.accountId)], async () => {
      const mailbox = await this.getMailboxById(mailboxId);
      const from = mailbox?.recentFrom ?? 1;
      if (!mailbox || from > upTo) return upTo + 1;
      // Not synced: a claim lost in a crash only shows those messages recent once more,
      // and a SELECT should not wait for an fsync. Every other writer of the record holds this lock.
      const ops = [put(keys.mailbox(mailboxId), { ...mailbox, recentFrom: upTo + 1 })];
      await this.db.batch(ops, { sync: false });
      this.#mailboxes.remember(ops);
      return from;
    });
  }

  // Messages

  /**
   * Appends arriving while another group of appends is being written go together
   * in the next group: one lock round and one synced batch for all of them, so
   * sessions delivering to the same account share an fsync instead of queueing on
   * its lock one commit at a time. Each caller is answered after that batch is synced.
   */
  append(blob: NewBlob, targets: AppendTarget[], opts: { enforceQuota: boolean }): Promise<AppendOutcome[]> {
    return this.#appends.submit({ blob, targets, enforceQuota: opts.enforceQuota });
  }

  appendMany(
    items: { blob: NewBlob; targets: AppendTarget[] }[],
    opts: { enforceQuota: boolean; atomic: boolean; importMarks?: ImportMarks },
  ): Promise<AppendOutcome[][]> {
    return this.#appendItems(
      items.map((item) => ({ ...item, enforceQuota: opts.enforceQuota })),
      opts.atomic,
      opts.importMarks ? importMarkOps(opts.importMarks) : [],
    );
  }

  async #appendItems(items: AppendItem[], atomic: boolean, extraOps: BatchOp[] = []): Promise<AppendOutcome[][]> {
    const accountIds = [...new Set(items.flatMap((item) => item.targets.map((t) => t.accountId)))];
    const { outcomes, events } = await this.#locks.withLocks(accountIds.map(accountLock), async () => {
      const mailboxes = new Map<MailboxId, Mailbox>();
      const usage = new Map<AccountId, AccountUsage>();
      const ops: BatchOp[] = [...extraOps];
      const outcomes: AppendOutcome[][] = [];
      const events: StoreEvent[] = [];
      const now = Date.now();
      for (const { blob, targets, enforceQuota } of items) {
        const blobId = randomBytes(12).toString('hex');
        const itemOutcomes: AppendOutcome[] = [];
        outcomes.push(itemOutcomes);
        for (const target of targets) {
          const mailbox = mailboxes.get(target.mailboxId) ?? (await this.getMailboxById(target.mailboxId));
          if (!mailbox || mailbox.accountId !== target.accountId) {
            itemOutcomes.push({ ok: false, reason: 'no-mailbox', detail: `mailbox ${target.mailboxId} does not exist` });
            continue;
          }
          const size = Buffer.byteLength(target.prefix) + blob.raw.length;
          if (enforceQuota) {
            const problem = await this.#quotaProblem(target.accountId, size, usage);
            if (problem) {
              itemOutcomes.push({ ok: false, reason: 'quota', detail: problem });
              continue;
            }
          }
          const uid = mailbox.uidNext++;
          const modSeq = ++mailbox.highestModSeq;
          const message: MessageMeta = {
            mailboxId: mailbox.id,
            uid,
            blobId,
            flags: target.flags,
            internalDate: target.internalDate,
            savedDate: now,
            modSeq,
            prefix: target.prefix,
            size,
          };
          mailbox.messages++;
          mailbox.size += size;
          if (!isSeen(target.flags)) mailbox.unseen++;
          mailboxes.set(mailbox.id, mailbox);
          const accountUsage = usage.get(target.accountId);
          if (accountUsage) {
            accountUsage.bytes += size;
            accountUsage.messages++;
          }
          ops.push(put(keys.message(mailbox.id, uid), message), { type: 'put', key: keys.ref(blobId, mailbox.id, uid), value: Buffer.alloc(0) });
          itemOutcomes.push({ ok: true, uid, mailboxId: mailbox.id, uidValidity: mailbox.uidValidity, modSeq });
          events.push({ type: 'append', accountId: mailbox.accountId, mailboxId: mailbox.id, uids: [uid], modSeq });
        }
        if (itemOutcomes.some((o) => o.ok)) {
          ops.push(...this.#blobOps(blobId, blob));
          // Full-text index hook: the body's trigrams go in the batch that stores it.
          ops.push(...this.searchIndex.indexOps(blobId, blob, targets.filter((_, k) => itemOutcomes[k]!.ok).map((t) => t.prefix)));
        }
      }
      const failed = outcomes.some((item) => item.some((o) => !o.ok));
      if (events.length === 0 || (atomic && failed)) return { outcomes, events: [] };
      for (const mailbox of mailboxes.values()) ops.push(put(keys.mailbox(mailbox.id), mailbox));
      await this.commit(ops);
      return { outcomes, events };
    });
    for (const event of events) this.#emit(event);
    return outcomes;
  }

  async #quotaProblem(accountId: AccountId, size: number, usage: Map<AccountId, AccountUsage>): Promise<string | null> {
    const account = await this.getAccountById(accountId);
    if (!account) return `account ${accountId} does not exist`;
    // Without a limit the usage (a scan of the account's mailboxes) is not needed.
    if (account.quotaBytes === 0 && account.quotaMessages === 0) return null;
    if (!usage.has(accountId)) usage.set(accountId, await this.accountUsage(accountId));
    const used = usage.get(accountId)!;
    if (account.quotaBytes > 0 && used.bytes + size > account.quotaBytes) {
      return `${account.address} is over its storage quota (${used.bytes} + ${size} > ${account.quotaBytes} bytes)`;
    }
    if (account.quotaMessages > 0 && used.messages + 1 > account.quotaMessages) {
      return `${account.address} is over its message quota (${account.quotaMessages} messages)`;
    }
    return null;
  }

  #blobOps(blobId: BlobId, blob: NewBlob): BatchOp[] {
    const { chunkSize } = this.#options;
    const chunks = Math.ceil(blob.raw.length / chunkSize);
    const { text, ...index } = blob.index;
    const meta: BlobMeta = { id: blobId, size: blob.raw.length, chunkSize, chunks, headerEnd: index.root.header.end, index };
    const ops: BatchOp[] = [put(keys.blob(blobId), meta), put(keys.blobText(blobId), text), put(keys.blobSummary(blobId), fetchSummary(index))];
    for (let i = 0; i < chunks; i++) {
      ops.push({ type: 'put', key: keys.chunk(blobId, i), value: blob.raw.subarray(i * chunkSize, (i + 1) * chunkSize) });
    }
    return ops;
  }

  listMessages(mailboxId: MailboxId): Promise<MessageMeta[]> {
    return this.#scan<MessageMeta>(keys.messagePrefix(mailboxId));
  }

  getMessage(mailboxId: MailboxId, uid: Uid): Promise<MessageMeta | null> {
    return this.#get<MessageMeta>(keys.message(mailboxId, uid));
  }

  async getMessages(mailboxId: MailboxId, uids: Uid[]): Promise<(MessageMeta | null)[]> {
    const records = await this.db.getMany(uids.map((uid) => keys.message(mailboxId, uid)));
    return records.map((r) => (r === undefined ? null : decode<MessageMeta>(r)));
  }

  copyMessages(from: MailboxId, uids: Uid[], to: MailboxId, opts: { enforceQuota: boolean }): Promise<CopyOutcome> {
    return this.#transfer(from, uids, to, { move: false, enforceQuota: opts.enforceQuota });
  }

  /** A move is not counted against the quota: the account's usage does not grow. */
  moveMessages(from: MailboxId, uids: Uid[], to: MailboxId): Promise<CopyOutcome> {
    return this.#transfer(from, uids, to, { move: true, enforceQuota: false });
  }

  /**
   * COPY and MOVE. No blob lock is needed: every body involved keeps a reference
   * (the source's, held under this account's lock) until the batch that adds the
   * new references commits, so no expunge elsewhere can free it meanwhile.
   */
  async #transfer(fromId: MailboxId, uids: Uid[], toId: MailboxId, opts: { move: boolean; enforceQuota: boolean }): Promise<CopyOutcome> {
    const owner = await this.getMailboxById(fromId);
    if (!owner) return { ok: false, reason: 'no-mailbox', detail: `mailbox ${fromId} does not exist` };
    const { outcome, events } = await this.#locks.withLocks([accountLock(owner.accountId)], async () => {
      const events: StoreEvent[] = [];
      const source = await this.getMailboxById(fromId);
      const loaded = await this.getMailboxById(toId);
      if (!source || !loaded || loaded.accountId !== source.accountId) {
        return { outcome: { ok: false, reason: 'no-mailbox', detail: `mailbox ${toId} does not exist` } as CopyOutcome, events };
      }
      // One record when source and target are the same mailbox, so both sides' counters add up.
      const target = loaded.id === source.id ? source : loaded;
      const sorted = [...new Set(uids)].sort((a, b) => a - b);
      const messages = (await this.getMessages(fromId, sorted)).filter((m): m is MessageMeta => m !== null);
      if (opts.enforceQuota) {
        const usage = new Map<AccountId, AccountUsage>();
        for (const message of messages) {
          const problem = await this.#quotaProblem(target.accountId, message.size, usage);
          if (problem) return { outcome: { ok: false, reason: 'quota', detail: problem } as CopyOutcome, events };
          const used = usage.get(target.accountId);
          if (!used) break;
          used.bytes += message.size;
          used.messages++;
        }
      }
      if (messages.length === 0) return { outcome: { ok: true, uidValidity: target.uidValidity, copies: [] } as CopyOutcome, events };
      const ops: BatchOp[] = [];
      const now = Date.now();
      const copies: { from: Uid; to: Uid }[] = [];
      const targetModSeq = ++target.highestModSeq;
      for (const message of messages) {
        const uid = target.uidNext++;
        const copy: MessageMeta = { ...message, mailboxId: target.id, uid, modSeq: targetModSeq, savedDate: now };
        ops.push(put(keys.message(target.id, uid), copy), { type: 'put', key: keys.ref(message.blobId, target.id, uid), value: Buffer.alloc(0) });
        target.messages++;
        target.size += message.size;
        if (!isSeen(message.flags)) target.unseen++;
        copies.push({ from: message.uid, to: uid });
      }
      events.push({ type: 'append', accountId: target.accountId, mailboxId: target.id, uids: copies.map((c) => c.to), modSeq: targetModSeq });
      if (opts.move) {
        const modSeq = ++source.highestModSeq;
        for (const message of messages) {
          ops.push(del(keys.message(fromId, message.uid)), del(keys.ref(message.blobId, fromId, message.uid)), put(keys.expunged(fromId, message.uid), modSeq));
          source.messages--;
          source.size -= message.size;
          if (!isSeen(message.flags)) source.unseen--;
        }
        events.push({ type: 'expunge', accountId: source.accountId, mailboxId: fromId, uids: messages.map((m) => m.uid), modSeq });
      }
      ops.push(put(keys.mailbox(target.id), target));
      if (source !== target) ops.push(put(keys.mailbox(source.id), source));
      await this.commit(ops);
      return { outcome: { ok: true, uidValidity: target.uidValidity, copies } as CopyOutcome, events };
    });
    for (const event of events) this.#emit(event);
    return outcome;
  }

  async getBlob(blobId: BlobId): Promise<BlobMeta | null> {
    const record = await this.db.get(keys.blob(blobId));
    return record === undefined ? null : lazyBlob(record);
  }

  async getBlobs(blobIds: BlobId[]): Promise<(BlobMeta | null)[]> {
    const records = await this.db.getMany(blobIds.map(keys.blob));
    return records.map((r) => (r === undefined ? null : lazyBlob(r)));
  }

  async getFetchSummaries(blobIds: BlobId[]): Promise<(FetchSummary | null)[]> {
    const records = await this.db.getMany(blobIds.map(keys.blobSummary));
    return records.map((r) => (r === undefined ? null : decode<FetchSummary>(r)));
  }

  async getSearchText(blobId: BlobId): Promise<string> {
    return (await this.#get<string>(keys.blobText(blobId))) ?? '';
  }

  async getSearchTexts(blobIds: BlobId[]): Promise<string[]> {
    const records = await this.db.getMany(blobIds.map(keys.blobText));
    return records.map((r) => (r === undefined ? '' : decode<string>(r)));
  }

  bodyReader(ranges: readonly BodyRange[]): BodyReader {
    return new LevelBodyReader(this.db, ranges, READ_AHEAD);
  }

  readMessage(message: MessageMeta, start = 0, end = message.size): AsyncGenerator<Buffer> {
    return this.bodyReader([]).read(message, start, end);
  }

  async storeFlags(mailboxId: MailboxId, uids: Uid[], op: FlagOperation, flags: string[], unchangedSince?: ModSeq): Promise<MessageMeta[]> {
    const owner = await this.getMailboxById(mailboxId);
    if (!owner) throw new StoreError('not-found', `no such mailbox id ${mailboxId}`);
    const { changed, modSeq } = await this.#locks.withLocks([accountLock(owner.accountId)], async () => {
      const mailbox = (await this.getMailboxById(mailboxId))!;
      const records = await this.db.getMany(uids.map((uid) => keys.message(mailboxId, uid)));
      const changed: MessageMeta[] = [];
      const modSeq = mailbox.highestModSeq + 1;
      for (const record of records) {
        if (record === undefined) continue;
        const message = decode<MessageMeta>(record);
        if (unchangedSince !== undefined && message.modSeq > unchangedSince) continue;
        const next = applyFlags(message.flags, op, flags);
        if (sameFlags(next, message.flags)) continue;
        mailbox.unseen += (isSeen(message.flags) ? 1 : 0) - (isSeen(next) ? 1 : 0);
        changed.push({ ...message, flags: next, modSeq });
      }
      if (changed.length === 0) return { changed, modSeq: mailbox.highestModSeq };
      mailbox.highestModSeq = modSeq;
      await this.commit([...changed.map((m) => put(keys.message(mailboxId, m.uid), m)), put(keys.mailbox(mailboxId), mailbox)]);
      return { changed, modSeq };
    });
    if (changed.length > 0) {
      this.#emit({ type: 'flags', accountId: owner.accountId, mailboxId, uids: changed.map((m) => m.uid), modSeq });
    }
    return changed;
  }

  async expunge(mailboxId: MailboxId, uids: Uid[]): Promise<Uid[]> {
    const owner = await this.getMailboxById(mailboxId);
    if (!owner) throw new StoreError('not-found', `no such mailbox id ${mailboxId}`);
    const { expunged, modSeq } = await this.#locks.withLocks([accountLock(owner.accountId), BLOB_LOCK], async () => {
      const mailbox = (await this.getMailboxById(mailboxId))!;
      const records = await this.db.getMany(uids.map((uid) => keys.message(mailboxId, uid)));
      const messages = records.filter((r): r is Buffer => r !== undefined).map((r) => decode<MessageMeta>(r));
      if (messages.length === 0) return { expunged: [], modSeq: mailbox.highestModSeq };
      const modSeq = ++mailbox.highestModSeq;
      const ops: BatchOp[] = [];
      const released: { blobId: BlobId; refKey: string }[] = [];
      for (const message of messages) {
        const refKey = keys.ref(message.blobId, mailboxId, message.uid);
        ops.push(del(keys.message(mailboxId, message.uid)), del(refKey), put(keys.expunged(mailboxId, message.uid), modSeq));
        released.push({ blobId: message.blobId, refKey });
        mailbox.messages--;
        mailbox.size -= message.size;
        if (!isSeen(message.flags)) mailbox.unseen--;
      }
      ops.push(put(keys.mailbox(mailboxId), mailbox), ...(await this.#freeBlobOps(released)));
      await this.commit(ops);
      return { expunged: messages.map((m) => m.uid), modSeq };
    });
    if (expunged.length > 0) this.#emit({ type: 'expunge', accountId: owner.accountId, mailboxId, uids: expunged, modSeq });
    return expunged;
  }

  async expungedSince(mailboxId: MailboxId, since: number): Promise<Uid[]> {
    const out: Uid[] = [];
    const prefix = keys.expungedPrefix(mailboxId);
    for (const [key, value] of await this.db.iterator(wholeRange(prefix)).all()) {
      if (decode<number>(value) > since) out.push(parseInt(key.slice(prefix.length), 16));
    }
    return out;
  }

  /** Runs with every lock held, so that no write lands between the reads it compares. */
  async check(opts: { repair: boolean }): Promise<CheckProblem[]> {
    const accountIds = (await this.#scanKeys(keys.accountByIdPrefix)).map((k) => parseInt(k.slice(keys.accountByIdPrefix.length), 16));
    const mailboxOwners = (await this.#scan<Mailbox>(keys.mailboxPrefix)).map((m) => m.accountId);
    const locks = [ADMIN_LOCK, BLOB_LOCK, QUEUE_LOCK, ...[...accountIds, ...mailboxOwners].map(accountLock)];
    return this.#locks.withLocks(locks, () => checkStore(this, opts.repair));
  }

  get counters(): Readonly<Counters> {
    return this.#counters;
  }

  /** For the store check's repair: counters only ever move forward. */
  raiseCounters(floor: Counters): BatchOp {
    this.#counters = {
      nextAccountId: Math.max(this.#counters.nextAccountId, floor.nextAccountId),
      nextMailboxId: Math.max(this.#counters.nextMailboxId, floor.nextMailboxId),
      nextUidValidity: Math.max(this.#counters.nextUidValidity, floor.nextUidValidity),
    };
    return this.#countersOp();
  }

  getCertificate(name: string): Promise<StoredCertificate | null> {
    return this.#get<StoredCertificate>(keys.certificate(name));
  }

  async putCertificate(name: string, value: StoredCertificate): Promise<void> {
    await this.commit([put(keys.certificate(name), value)]);
  }

  getAcmeAccount(directoryUrl: string): Promise<AcmeAccount | null> {
    return this.#get<AcmeAccount>(keys.acmeAccount(directoryUrl));
  }

  async putAcmeAccount(directoryUrl: string, value: AcmeAccount): Promise<void> {
    await this.commit([put(keys.acmeAccount(directoryUrl), value)]);
  }

  getAcmeState(): Promise<AcmeState | null> {
    return this.#get<AcmeState>(keys.acmeState);
  }

  async putAcmeState(value: AcmeState): Promise<void> {
    await this.commit([put(keys.acmeState, value)]);
  }

  async secret(name: string): Promise<Buffer> {
    // A secret never changes once made: after the first call it costs no lock and no read (SRS asks per forwarded message).
    const known = this.#secrets.get(name);
    if (known) return known;
    const secret = await this.#locks.withLocks([ADMIN_LOCK], async () => {
      const stored = await this.#get<string>(keys.secret(name));
      if (stored !== null) return Buffer.from(stored, 'base64');
      const made = randomBytes(32);
      await this.commit([put(keys.secret(name), made.toString('base64'))]);
      return made;
    });
    this.#secrets.set(name, secret);
    return secret;
  }

  // Outbound queue

  async enqueue(input: Omit<QueueEntry, 'id' | 'size'>, raw: Buffer): Promise<QueueEntry> {
    const id = Date.now().toString(36).padStart(9, '0') + randomBytes(4).toString('hex');
    const entry: QueueEntry = { ...input, id, size: raw.length };
    const ops: BatchOp[] = [put(keys.queue(id), entry)];
    const size = this.#options.chunkSize;
    for (let i = 0; i * size < raw.length; i++) {
      ops.push({ type: 'put', key: keys.queueChunk(id, i), value: raw.subarray(i * size, (i + 1) * size) });
    }
    await this.#locks.withLocks([QUEUE_LOCK], () => this.commit(ops));
    return entry;
  }

  listQueue(): Promise<QueueEntry[]> {
    return this.#scan<QueueEntry>(keys.queuePrefix);
  }

  async getQueueEntry(id: QueueId): Promise<QueueEntry | null> {
    return this.#get<QueueEntry>(keys.queue(queueId(id)));
  }

  async updateQueueEntry(entry: QueueEntry): Promise<boolean> {
    return this.#locks.withLocks([QUEUE_LOCK], async () => {
      if (!(await this.getQueueEntry(entry.id))) return false;
      await this.commit([put(keys.queue(entry.id), entry)]);
      return true;
    });
  }

  async removeQueueEntry(id: QueueId): Promise<boolean> {
    return this.#locks.withLocks([QUEUE_LOCK], async () => {
      if (!(await this.getQueueEntry(id))) return false;
      const chunks = await this.#scanKeys(keys.queueChunkPrefix(id));
      await this.commit([del(keys.queue(id)), ...chunks.map(del)]);
      return true;
    });
  }

  async *readQueueMessage(id: QueueId): AsyncGenerator<Buffer> {
    const prefix = keys.queueChunkPrefix(queueId(id));
    for await (const chunk of this.db.values({ gte: prefix, lt: prefixEnd(prefix) })) yield chunk;
  }

  // DKIM keys

  async addDkimKeys(domain: string, dkimKeys: DkimKey[]): Promise<void> {
    await this.#locks.withLocks([ADMIN_LOCK], async () => {
      if (!(await this.getDomain(domain))) throw new StoreError('not-found', `no such domain: ${domain}`);
      for (const key of dkimKeys) {
        if (key.domain !== domain || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(key.selector)) {
          throw new StoreError('invalid', `not a valid DKIM selector for ${domain}: ${JSON.stringify(key.selector)}`);
        }
        if ((await this.db.get(keys.dkimKey(domain, key.selector))) !== undefined) {
          throw new StoreError('exists', `DKIM selector ${key.selector} of ${domain} already exists`);
        }
      }
      await this.commit(dkimKeys.map((key) => put(keys.dkimKey(domain, key.selector), key)));
    });
  }

  async listDkimKeys(domain: string): Promise<DkimKey[]> {
    const all = await this.#scan<DkimKey>(keys.dkimKeyPrefix(domain));
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  async removeDkimKey(domain: string, selector: string): Promise<void> {
    await this.#locks.withLocks([ADMIN_LOCK], async () => {
      const key = keys.dkimKey(domain, selector);
      if ((await this.db.get(key)) === undefined) throw new StoreError('not-found', `no DKIM selector ${selector} for ${domain}`);
      await this.commit([del(key)]);
    });
  }

  // MTA-STS policies of remote domains

  // Import state (transfer/): marks written with the imported messages, in appendMany's batch.

  async importedMarks(accountId: AccountId, marks: string[]): Promise<boolean[]> {
    const found = await this.db.getMany(marks.map((mark) => keys.importMark(accountId, importMark(mark))));
    return found.map((value) => value !== undefined);
  }

  getMtaStsPolicy(domain: string): Promise<MtaStsPolicy | null> {
    return this.#get<MtaStsPolicy>(keys.mtaSts(domain.toLowerCase()));
  }

  async putMtaStsPolicy(domain: string, policy: MtaStsPolicy): Promise<void> {
    await this.commit([put(keys.mtaSts(domain.toLowerCase()), policy)]);
  }

  // IMAP METADATA (RFC 5464): one block, its own key prefix `mdt/`; the server's entries under mailbox 0.

  async listMetadata(accountId: AccountId, mailboxId: MailboxId | null): Promise<MetadataEntry[]> {
    const prefix = keys.metadataPrefix(accountId, mailboxId ?? 0);
    const rows = await this.db.iterator(wholeRange(prefix)).all();
    return rows.map(([key, value]) => ({ entry: key.slice(prefix.length), value: Buffer.from(decode<string>(value), 'base64') }));
  }

  async setMetadata(accountId: AccountId, mailboxId: MailboxId | null, changes: { entry: string; value: Buffer | null }[], limits: MetadataLimits): Promise<MetadataOutcome> {
    return this.#locks.withLocks([accountLock(accountId)], async () => {
      const prefix = keys.metadataPrefix(accountId);
      const live = new Set((await this.listMailboxes(accountId)).map((m) => m.id));
      // What an entry costs: its name and its value (keys here are ASCII: entry names are).
      const cost = (key: string, valueBytes: number) => key.length - prefix.length + valueBytes;
      const sizes = new Map<string, number>();
      const ops: BatchOp[] = [];
      for (const [key, value] of await this.db.iterator(wholeRange(prefix)).all()) {
        const owner = parseInt(key.slice(prefix.length, prefix.length + 8), 16);
        if (owner === 0 || live.has(owner)) sizes.set(key, cost(key, Buffer.byteLength(decode<string>(value), 'base64')));
        else ops.push(del(key));
      }
      for (const { entry, value } of changes) {
        const key = keys.metadata(accountId, mailboxId ?? 0, entry);
        if (value === null) {
          sizes.delete(key);
          ops.push(del(key));
        } else {
          sizes.set(key, cost(key, value.length));
          ops.push(put(key, value.toString('base64')));
        }
      }
      if (sizes.size > limits.maxEntries) return { ok: false, reason: 'too-many' } as const;
      if ([...sizes.values()].reduce((a, b) => a + b, 0) > limits.maxBytes) return { ok: false, reason: 'too-big' } as const;
      await this.commit(ops);
      return { ok: true } as const;
    });
  }

  // --- Backup (issue 17): every record, raw, from one point in time. ---

  exportRecords(): Promise<RecordSnapshot> {
    return levelSnapshot(this.db);
  }
}

/** An id from outside (the CLI) must not be able to name another key. */
function queueId(id: QueueId): QueueId {
  if (!QUEUE_ID.test(id)) throw new StoreError('invalid', `not a queue id: ${JSON.stringify(id)}`);
  return id;
}

const IMPORT_MARK = /^[0-9a-f]{32}$/;

/** A mark from outside (the CLI) must not be able to name another key. */
function importMark(mark: string): string {
  if (typeof mark !== 'string' || !IMPORT_MARK.test(mark)) throw new StoreError('invalid', `not an import mark: ${JSON.stringify(mark)}`);
  return mark;
}

function importMarkOps({ accountId, marks }: ImportMarks): BatchOp[] {
  return marks.map((mark) => ({ type: 'put', key: keys.importMark(accountId, importMark(mark)), value: Buffer.alloc(0) }));
}

export const put = (key: string, value: unknown): BatchOp => ({ type: 'put', key, value: encode(value) });
export const del = (key: string): BatchOp => ({ type: 'del', key });

const MAX_MAILBOX_NAME = 1024;

function validateMailboxName(name: string): void {
  const problem =
    name.length === 0 ? 'is empty'
    : Buffer.byteLength(name) > MAX_MAILBOX_NAME ? `is longer than ${MAX_MAILBOX_NAME} bytes`
    : name.startsWith('/') || name.endsWith('/') || name.includes('//') ? 'has an empty hierarchy level'
    : /[\x00-\x1f\x7f]/.test(name) ? 'contains control characters'
    : null;
  if (problem) throw new StoreError('invalid', `mailbox name ${JSON.stringify(name)} ${problem}`);
}
