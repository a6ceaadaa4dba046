import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';
import type { Sql, TransactionSql } from 'postgres';
import { StoreEvents } from '../events.ts';
import { pgTarget } from './url.ts';
import { DEFAULT_MAX_KEYWORDS } from '../rules/keywords.ts';
import { StoreError, type MailboxId, type ModSeq, type StoreEvent } from '../types.ts';

export interface PostgresOptions {
  url: string;
  /** Connections per node. */
  poolSize: number;
  /**
   * TLS to the database: off, or required and verified (against the system's CAs, or
   * this CA file); "auto": off for loopback and unix sockets, required otherwise.
   */
  tls: { mode: 'auto' | 'off' | 'require'; caFile?: string };
  /** Bytes per body chunk row. */
  chunkSize: number;
  /** The most keywords a mailbox may hold (rules/keywords.ts); the rule's default without it. */
  maxKeywords?: number;
}

/** A connection inside a transaction (PgCore.tx): statements issued together are pipelined. */
export type Tx = TransactionSql;

/** How the change feed (changes.ts) tells this node's events: its own changes, and the changes a read has shown. */
export interface Feed {
  own(events: StoreEvent[]): Promise<void>;
  through(marks: ReadonlyMap<MailboxId, ModSeq>): Promise<void>;
}

/** int8 as a JS number: every id, size and date the store keeps is below 2^53. */
const int8 = { to: 20, from: [20], serialize: (n: number) => String(n), parse: (s: string) => Number(s) };

/** Lock conflicts PostgreSQL resolves by aborting one side: the transaction is run again. */
const RETRY_CODES = new Set(['40001', '40P01']);
const RETRIES = 5;

/** The driver, loaded by the first PostgreSQL store or copy opened: a server on LevelDB never loads it. */
let driver: typeof postgres | null = null;

export async function loadDriver(): Promise<void> {
  driver ??= (await import('postgres')).default;
}

/** `extra` tunes one pool apart from the others (the lock connection of coordination.ts). Needs `loadDriver` first. */
export function connect(options: Omit<PostgresOptions, 'chunkSize'>, extra: postgres.Options<Record<string, never>> = {}): Sql<{ int8: number }> {
  const target = pgTarget(options.url);
  const mode = options.tls.mode === 'auto' ? (target.local ? 'off' : 'require') : options.tls.mode;
  const ssl = mode === 'off' ? false : { rejectUnauthorized: true, ...(options.tls.caFile ? { ca: readFileSync(options.tls.caFile, 'utf8') } : {}) };
  const { connection, ...rest } = extra;
  if (!driver) throw new Error('the PostgreSQL driver is not loaded');
  return driver(target.url, {
    ...(target.path ? { path: target.path } : {}),
    max: options.poolSize,
    ssl,
    types: { int8 },
    onnotice: () => {},
    ...rest,
    // Rule 1: a commit returns only once it is on disk, whatever the server's default.
    connection: { synchronous_commit: 'on', application_name: 'mailfold', ...connection },
  }) as unknown as Sql<{ int8: number }>;
}

/**
 * What every role of the PostgreSQL store shares: the connection pool, transactions
 * (run again on a serialization failure or deadlock), and the event listeners.
 * Events are emitted here after the commit; other nodes learn of them through the
 * change log (changes.ts).
 */
export class PgCore extends StoreEvents {
  readonly sql: Sql<{ int8: number }>;
  readonly chunkSize: number;
  readonly maxKeywords: number;
  /** This store instance's name in the change log: its own rows are not replayed to it. */
  readonly origin = randomBytes(8).toString('hex');

  /**
   * Until the change feed takes over (changes.ts): events go out as they come, and a
   * read waits for nothing.
   */
  #feed: Feed = {
    own: async (events) => {
      for (const event of events) this.emit(event);
    },
    through: async () => {},
  };

  constructor(sql: Sql<{ int8: number }>, chunkSize: number, maxKeywords = DEFAULT_MAX_KEYWORDS) {
    super();
    this.sql = sql;
    this.chunkSize = chunkSize;
    this.maxKeywords = maxKeywords;
  }

  /** The events of a change this node committed, emitted before this resolves, in MODSEQ order with the other nodes' changes. */
  committed(events: StoreEvent[]): Promise<void> {
    return this.#feed.own(events);
  }

  /**
   * A read showed these MODSEQs (the highest by mailbox): resolves once this node's
   * sessions have been told every change up to them, so that a session never shows
   * a MODSEQ above the HIGHESTMODSEQ its events gave it (RFC 7162).
   */
  async shown(marks: ReadonlyMap<MailboxId, ModSeq>): Promise<void> {
    if (marks.size > 0) await this.#feed.through(marks);
  }

  /** The change feed orders this node's events with the other nodes' from now on. */
  follow(feed: Feed): void {
    this.#feed = feed;
  }

  /** One transaction; the result is returned only after COMMIT (synchronous_commit on). */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.pipelinedTx(async (tx) => ({ result: await fn(tx), last: [] }));
  }

  /**
   * One transaction in as few round trips as its statements allow: the statements `fn`
   * hands back unawaited in `last` go out with the COMMIT (a connection runs them in
   * order). A failed statement aborts the transaction, so the COMMIT behind it ends in
   * a rollback, and its error is what this throws. Deadlocks and serialization failures
   * run `fn` again. BEGIN is postgres.js's own: it waits its turn on a busy connection
   * like any statement, where a connection reserved for the transaction would wait for
   * an idle one, which reads pipelined onto every connection can keep from coming.
   */
  async pipelinedTx<T>(fn: (tx: Tx) => Promise<{ result: T; last: readonly Promise<unknown>[] }>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        // Returned as an object: postgres.js would wait on an array itself, before its COMMIT.
        const done = await this.sql.begin(async (tx) => ({ run: await fn(tx) }));
        await Promise.all(done.run.last);
        return done.run.result;
      } catch (err) {
        if (attempt < RETRIES && RETRY_CODES.has((err as { code?: string }).code ?? '')) continue;
        throw translate(err);
      }
    }
  }

  /**
   * The change-log rows of events, in the transaction that makes the changes, and one
   * NOTIFY `origin:id,id,...` (ids only: a payload stays far below PostgreSQL's
   * 8000-byte limit), which PostgreSQL sends at COMMIT.
   */
  log(tx: Tx, events: StoreEvent[]): Promise<unknown> {
    const statements = [];
    for (let i = 0; i < events.length; i += NOTIFY_IDS) {
      const rows = events.slice(i, i + NOTIFY_IDS).map((event) => ({
        origin: this.origin,
        account_id: event.accountId,
        mailbox_id: event.type === 'mailboxes' ? null : event.mailboxId,
        kind: event.type,
        uids: `{${event.type === 'mailboxes' ? '' : event.uids.join(',')}}`,
        modseq: event.type === 'mailboxes' ? null : event.modSeq,
      }));
      // One statement, so that logging costs a change one round trip.
      statements.push(tx`WITH logged AS (INSERT INTO change_log ${tx(rows)} RETURNING id)
        SELECT pg_notify(${CHANGES_CHANNEL}, ${`${this.origin}:`} || string_agg(id::text, ',' ORDER BY id)) FROM logged`);
    }
    // Sent now, all of them, so that a caller may pipeline the commit behind them.
    return Promise.all(statements);
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}


export const CHANGES_CHANNEL = 'mailfold_changes';
/** Log ids per notification: the origin and 400 ids of up to 19 digits fit the payload limit. */
const NOTIFY_IDS = 400;

/** Constraint violations the roles did not foresee still reach callers as StoreErrors. */
function translate(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code === '23505') return new StoreError('exists', (err as Error).message);
  if (code === '23503') return new StoreError('conflict', (err as Error).message);
  return err;
}
