import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { privateDataDir } from '../data-dir.ts';
import { initialCounters, raisedCounters, type Counters } from '../rules/mailbox.ts';
import { StoreEvents } from '../events.ts';
import { StoreError, type AccountId } from '../types.ts';
import { encode, decode } from './codec.ts';
import { CommitQueue, type BatchOp } from './commit-queue.ts';
import { keys, prefixEnd } from './keys.ts';
import { LockSet } from './locks.ts';
import { ReadCache } from './read-cache.ts';
import { LevelSearchIndex } from './search-index.ts';

export type Db = ClassicLevel<string, Buffer>;

export interface StoreOptions {
  /** fsync every batch; only throw-away test data may turn this off. */
  sync: boolean;
  chunkSize: number;
  /** The most keywords a mailbox may hold (rules/keywords.ts); the rule's default without it. */
  maxKeywords?: number;
}

/**
 * The layout this code writes (docs/architecture.md, "Key layout"); a store of an
 * older one is migrated when it opens (migrate/), a backup of one is restored and then migrated.
 */
export const LAYOUT_VERSION = 2;

/**
 * A prefix read in full. Each trip to LevelDB's thread brings up to 1 MiB instead of the
 * default 16 KiB, so listing a 2,000-message mailbox is one trip rather than about thirty.
 */
export function wholeRange(prefix: string) {
  return { gte: prefix, lt: prefixEnd(prefix), highWaterMarkBytes: 1 << 20 };
}

export const put = (key: string, value: unknown): BatchOp => ({ type: 'put', key, value: encode(value) });
export const del = (key: string): BatchOp => ({ type: 'del', key });
/** A key whose presence is the record (body references). */
export const mark = (key: string): BatchOp => ({ type: 'put', key, value: Buffer.alloc(0) });

/** Lock names: a writer holds those of everything it reads and then rewrites. */
export const locks = {
  admin: 'admin',
  queue: 'queue',
  blobs: 'blobs',
  account: (id: AccountId) => `acct:${id}`,
};

const DIRECTORY_PREFIXES = [keys.domainPrefix, keys.accountPrefix, keys.accountByIdPrefix, keys.aliasPrefix];
/** Beyond this many (lookups of unknown domains by spammers count too) the cache starts over. */
const DIRECTORY_ENTRIES = 10_000;
/** Mailbox records and the name index, read by every delivery and rewritten by every append. */
const MAILBOX_PREFIXES = [keys.mailboxPrefix, keys.mailboxNameAll];
const MAILBOX_ENTRIES = 10_000;
/** Spam token counts (issue 15), read for every message judged: a trained account has tens of thousands. */
const SPAM_TOKEN_ENTRIES = 100_000;

export async function openDb(dataDir: string): Promise<Db> {
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
  return db;
}

/**
 * The only holder of the LevelDB handle: every role of the LevelDB store reads and
 * commits through it. It owns the group-commit queue, the locks, the read caches
 * (which every commit keeps current), the id counters and the event listeners.
 */
export class LevelCore extends StoreEvents {
  readonly db: Db;
  readonly options: StoreOptions;
  readonly locks = new LockSet();
  readonly #commits: CommitQueue;
  /** Domains, accounts and aliases, read at every RCPT and login; every write passes commit(), which drops what it touches. */
  readonly #directory = new ReadCache(DIRECTORY_PREFIXES, DIRECTORY_ENTRIES);
  /** Raw values, written through by every commit (decoded per read, so no caller shares an object with the cache). */
  readonly #mailboxes = new ReadCache(MAILBOX_PREFIXES, MAILBOX_ENTRIES);
  /** Raw token counts of the spam filter, written through by every commit like the mailbox cache. */
  readonly #spamTokens = new ReadCache([keys.spamTokenAll], SPAM_TOKEN_ENTRIES);
  #counters: Counters = initialCounters(0);
  // Full-text index hook (issue 18 item 5): the index shares the db and the batches of the roles.
  readonly searchIndex: LevelSearchIndex;

  constructor(db: Db, options: StoreOptions) {
    super();
    this.db = db;
    this.options = options;
    this.#commits = new CommitQueue((ops, sync) => db.batch(ops, { sync }), options.sync);
    this.searchIndex = new LevelSearchIndex(db, { commit: (ops) => this.commit(ops), underBodyLock: (fn) => this.locks.withLocks([locks.blobs], fn) });
  }

  async init(): Promise<void> {
    const counters = await this.get<Counters>(keys.counters);
    if (counters) {
      this.#counters = counters;
      return;
    }
    this.#counters = initialCounters(Date.now());
    // Full-text index hook: a new store has no body to index, so its index is complete.
    await this.#commits.commit([this.countersOp(), put(keys.version, LAYOUT_VERSION), await this.searchIndex.markBuilt()]);
  }

  async close(): Promise<void> {
    await this.locks.withLocks([locks.admin, locks.blobs], () => this.db.close());
  }

  /** One atomic batch through the group-commit queue, synced before it resolves. */
  async commit(ops: BatchOp[]): Promise<void> {
    const written = ops.map((op) => op.key);
    try {
      await this.#commits.commit(ops);
    } catch (err) {
      this.#mailboxes.forget(written);
      this.#spamTokens.forget(written);
      throw err;
    } finally {
      this.#directory.forget(written);
    }
    this.#mailboxes.remember(ops);
    this.#spamTokens.remember(ops);
  }

  /**
   * A batch written without sync, and kept in the mailbox cache: only for changes
   * whose loss in a crash harms nothing (a \Recent claim), so no reader waits for an fsync.
   */
  async writeUnsynced(ops: BatchOp[]): Promise<void> {
    await this.db.batch(ops, { sync: false });
    this.#mailboxes.remember(ops);
  }

  async get<T>(key: string): Promise<T | null> {
    const value = await this.db.get(key);
    return value === undefined ? null : decode<T>(value);
  }

  async getMany<T>(keyList: string[]): Promise<(T | null)[]> {
    const values = await this.db.getMany(keyList);
    return values.map((v) => (v === undefined ? null : decode<T>(v)));
  }

  async scan<T>(prefix: string): Promise<T[]> {
    return (await this.db.values(wholeRange(prefix)).all()).map((value) => decode<T>(value));
  }

  scanKeys(prefix: string): Promise<string[]> {
    return this.db.keys(wholeRange(prefix)).all();
  }

  /** A directory record (domain, account, alias), through the directory cache. */
  getDirectory<T>(key: string): Promise<T | null> {
    return this.#directory.get(key, (k) => this.get<T>(k));
  }

  /** A mailbox record or name entry, through the mailbox cache. */
  async getMailboxRecord<T>(key: string): Promise<T | null> {
    const raw = await this.#mailboxes.get(key, async (k) => (await this.db.get(k)) ?? null);
    return raw === null ? null : decode<T>(raw as Buffer);
  }

  /** Spam token records, through their cache, in the order asked. */
  async getSpamTokens<T>(keyList: string[]): Promise<(T | null)[]> {
    const raw = await this.#spamTokens.getMany<Buffer>(keyList, async (missing) => (await this.db.getMany(missing)).map((v) => v ?? null));
    return raw.map((v) => (v === null ? null : decode<T>(v)));
  }

  /** The live counters: writers take ids from them and add `countersOp()` to their batch. */
  get counters(): Counters {
    return this.#counters;
  }

  countersOp(): BatchOp {
    return put(keys.counters, this.#counters);
  }

  /** For the store check's repair: counters only ever move forward. */
  raiseCounters(floor: Counters): BatchOp {
    this.#counters = raisedCounters(this.#counters, floor);
    return this.countersOp();
  }
}
