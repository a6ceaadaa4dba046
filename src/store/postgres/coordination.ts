import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Sql } from 'postgres';
import { onceReleased, ProcessLeases } from '../process-leases.ts';
import type { AccountId, Coordination, FailureCount, Lease, SubmissionCount } from '../types.ts';
import { connect, type PgCore, type PostgresOptions } from './core.ts';

/** Expired failure rows (and submissions past their window) are deleted on every this many recordings by a node. */
const SWEEP_EVERY = 256;

/** The 64-bit advisory lock key of a lease (or lock) name: a hash, so any name fits, with no collision in practice. */
function lockKey(name: string): string {
  return createHash('sha256').update(`mailfold lease ${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * How the lock connection names itself (`application_name`, as pg_stat_activity shows it):
 * by its node's host and process, so that an admin can tell it from the pool's.
 */
export const lockConnectionName = (pid = process.pid): string => `mailfold locks ${hostname()} ${pid}`.slice(0, 63);

/**
 * Leases as session-level advisory locks, all on one connection of this node kept open
 * for them (no idle or lifetime limit): PostgreSQL ends them with that connection, so
 * the leases of a node that dies are free as soon as the database sees it gone. When
 * that connection closes under a running node (a restarted database, a cut network, a
 * terminated backend), its locks are gone with it: each held one is aborted, so that
 * what it guarded stops, and the next lock is taken on a new connection.
 */
export class PgLocks {
  readonly #sql: Sql<{ int8: number }>;
  /** The locks held on the current connection, each aborted if that connection closes. */
  readonly #held = new Set<AbortController>();

  constructor(options: Omit<PostgresOptions, 'chunkSize'>) {
    this.#sql = connect(
      { ...options, poolSize: 1 },
      { idle_timeout: 0, max_lifetime: 0, onclose: () => this.#connectionClosed(), connection: { application_name: lockConnectionName() } },
    );
  }

  /**
   * The lock, or null when another session holds it. A grant answered on a connection
   * that is open at that point: if it closes later, `#connectionClosed` aborts the lock.
   */
  async tryLock(key: string): Promise<AbortController | null> {
    const [row] = await this.#sql<{ ok: boolean }[]>`SELECT pg_try_advisory_lock(${key}::bigint) AS ok`;
    if (row?.ok !== true) return null;
    const held = new AbortController();
    this.#held.add(held);
    return held;
  }

  /** Gives the lock back; one lost with its connection has nothing to give back. */
  async unlock(key: string, held: AbortController): Promise<void> {
    this.#held.delete(held);
    if (!held.signal.aborted) await this.#sql`SELECT pg_advisory_unlock(${key}::bigint)`;
  }

  /**
   * Whether the lock connection's backend holds the lock now: after a closed connection
   * the question goes to a new backend, which holds none. A failed question is a no.
   */
  async holds(key: string): Promise<boolean> {
    try {
      // An advisory lock on a bigint is kept as its high and low 32 bits (classid, objid; objsubid 1).
      const [row] = await this.#sql<{ held: boolean }[]>`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
        AND classid = ((${key}::bigint >> 32) & 4294967295)::oid AND objid = (${key}::bigint & 4294967295)::oid AND objsubid = 1) AS held`;
      return row?.held === true;
    } catch {
      return false;
    }
  }

  #connectionClosed(): void {
    for (const held of this.#held) held.abort(new Error('the lock connection to the database closed'));
    this.#held.clear();
  }

  close(): Promise<void> {
    return this.#sql.end({ timeout: 5 });
  }
}

/** Coordination of the nodes sharing one database (issue 19). */
export class PgCoordination implements Coordination {
  readonly #core: PgCore;
  readonly #locks: PgLocks;
  readonly #leases = new ProcessLeases();
  #recorded = 0;
  #counted = 0;

  constructor(core: PgCore, locks: PgLocks) {
    this.#core = core;
    this.#locks = locks;
  }

  async tryLease(name: string): Promise<Lease | null> {
    const key = lockKey(name);
    // This process first: the connection would grant its own lock a second time.
    const local = this.#leases.take(name);
    if (!local) return null;
    let held: AbortController | null = null;
    try {
      held = await this.#locks.tryLock(key);
    } finally {
      if (!held) await local.release();
    }
    if (!held) return null;
    const lock = held;
    return onceReleased(async () => {
      try {
        await this.#locks.unlock(key, lock);
      } finally {
        await local.release();
      }
    }, lock.signal, () => this.#locks.holds(key));
  }

  async recordLoginFailures(keys: string[], now: number, expiresAt: number): Promise<void> {
    const { sql } = this.#core;
    // One order on every node: two upserts of the same keys never wait for each other in a cycle.
    const sorted = [...new Set(keys)].sort();
    await sql`INSERT INTO login_failures (key, count, expires_at)
      SELECT k, 1, ${expiresAt} FROM unnest(${sql.array(sorted)}::text[]) AS k
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN login_failures.expires_at <= ${now} THEN 1 ELSE login_failures.count + 1 END,
        expires_at = GREATEST(login_failures.expires_at, excluded.expires_at)`;
    if (++this.#recorded % SWEEP_EVERY === 0) await sql`DELETE FROM login_failures WHERE expires_at <= ${now}`;
  }

  async loginFailures(keys: string[], now: number): Promise<Map<string, FailureCount>> {
    const { sql } = this.#core;
    const rows = await sql<{ key: string; count: number; expires_at: number }[]>`
      SELECT key, count, expires_at FROM login_failures WHERE key = ANY(${sql.array(keys)}::text[]) AND expires_at > ${now}`;
    return new Map(rows.map((r) => [r.key, { count: r.count, expiresAt: r.expires_at }]));
  }

  async submissionsSince(account: AccountId, since: number): Promise<SubmissionCount> {
    const [row] = await this.#core.sql<SubmissionCount[]>`
      SELECT count(*)::bigint AS messages, coalesce(sum(recipients), 0)::bigint AS recipients
      FROM submissions WHERE account_id = ${account} AND sent_at > ${since}`;
    return { messages: row?.messages ?? 0, recipients: row?.recipients ?? 0 };
  }

  async countSubmission(account: AccountId, at: number, recipients: number, since: number, limits: SubmissionCount): Promise<number | null> {
    // Before the count: a failing sweep then fails a call that counted nothing.
    if (++this.#counted % SWEEP_EVERY === 0) await this.#core.sql`DELETE FROM submissions WHERE sent_at <= ${since}`;
    return this.#core.tx(async (tx) => {
      // The account's counts are read and added to under one lock: the INSERT's own snapshot
      // is taken once the lock is held, so it sees every count committed before (READ COMMITTED).
      await tx`SELECT pg_advisory_xact_lock(${lockKey(`submissions:${account}`)}::bigint)`;
      // The rule of submissionWithin, in SQL: no GROUP BY, so one row to insert, or none when over.
      const [row] = await tx<{ id: number }[]>`
        INSERT INTO submissions (account_id, sent_at, recipients)
        SELECT ${account}, ${at}, ${recipients} FROM submissions WHERE account_id = ${account} AND sent_at > ${since}
        HAVING (${limits.messages}::bigint = 0 OR count(*) < ${limits.messages})
          AND (${limits.recipients}::bigint = 0 OR coalesce(sum(recipients), 0) + ${recipients} <= ${limits.recipients})
        RETURNING id`;
      return row?.id ?? null;
    });
  }

  async uncountSubmission(account: AccountId, id: number): Promise<void> {
    await this.#core.sql`DELETE FROM submissions WHERE id = ${id} AND account_id = ${account}`;
  }

  async putAcmeChallenge(key: string, value: string, now: number, expiresAt: number): Promise<void> {
    const { sql } = this.#core;
    // Answers an order left behind (its node died before withdrawing them) go when the next is published.
    await sql`DELETE FROM acme_challenges WHERE expires_at <= ${now}`;
    await sql`INSERT INTO acme_challenges (key, value, expires_at) VALUES (${key}, ${value}, ${expiresAt})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`;
  }

  async getAcmeChallenge(key: string, now: number): Promise<string | null> {
    const { sql } = this.#core;
    // One primary-key lookup, whatever a stranger asks for.
    const [row] = await sql<{ value: string }[]>`SELECT value FROM acme_challenges WHERE key = ${key} AND expires_at > ${now}`;
    return row?.value ?? null;
  }

  async removeAcmeChallenge(key: string): Promise<void> {
    await this.#core.sql`DELETE FROM acme_challenges WHERE key = ${key}`;
  }
}
