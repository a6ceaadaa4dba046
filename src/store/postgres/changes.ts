import type { StoreEvent } from '../types.ts';
import { CHANGES_CHANNEL, type PgCore } from './core.ts';

interface LogRow {
  id: number;
  origin: string;
  account_id: number;
  mailbox_id: number | null;
  kind: StoreEvent['type'];
  uids: number[];
  modseq: number | null;
  logged_at: Date;
}

/** How far back a catch-up after a lost connection reads: longer than any transaction runs between its log row and its commit. */
const CATCH_UP_SLACK_MS = 60_000;
/** Log rows older than this are deleted: every node has long caught up with them. */
const KEEP_MS = 60 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** Mailboxes whose last MODSEQ seen is kept; past it the map starts over (a few events may then come twice). */
const MAX_TRACKED = 100_000;

/**
 * Changes made by other nodes, as store events on this one (design rule 6). Every
 * change writes a change-log row in its own transaction and a NOTIFY carrying the
 * row's id, which PostgreSQL delivers at commit. A node reads the rows it is told
 * of; per mailbox it reads every row above the last MODSEQ it saw, so a missed
 * notification is made up by the next one of that mailbox, and when the listening
 * connection is lost and comes back, the rows logged meanwhile are read. Writers of
 * a mailbox hold its row lock, so its rows commit in MODSEQ order.
 *
 * This node's own changes go out through the feed too, so that a mailbox's events
 * keep MODSEQ order on every node: a change committed here just after another
 * node's can be ready before that one's notification has been read, and an IMAP
 * session told of UID 12 cannot be told of UID 11 after it. So before its own
 * events the feed reads the log rows of the mailbox below them that it has not
 * told yet (the row lock means they are all committed by then).
 *
 * A read can be ahead of the feed too: a row shows MODSEQ 35 before the notification
 * of 35 was read. So a read that shows a MODSEQ above the last told for its mailbox
 * has the rows up to it told first (`through`), and a session never shows a MODSEQ
 * above the HIGHESTMODSEQ its events give it.
 */
export class ChangeFeed {
  readonly #core: PgCore;
  readonly #seen = new Map<number, number>();
  #heardAt: Date | null = null;
  #queue: Promise<void> = Promise.resolve();
  #unlisten: (() => Promise<void>) | null = null;
  #prune: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(core: PgCore) {
    this.#core = core;
  }

  async start(): Promise<void> {
    this.#core.follow({
      own: (events) => this.#serial(() => this.#own(events)),
      // Most reads show nothing new: they wait for no other work of the feed.
      through: (marks) => ([...marks].some(([mailboxId, modSeq]) => this.#untold(mailboxId, modSeq)) ? this.#serial(() => this.#through(marks)) : Promise.resolve()),
    });
    const listening = await this.#core.sql.listen(
      CHANGES_CHANNEL,
      (payload) => {
        const [origin, ids = ''] = payload.split(':');
        // This node's own changes were emitted at their commit, and are skipped by every catch-up.
        if (origin !== this.#core.origin) this.#serial(() => this.#notified(ids.split(',').map(Number)));
      },
      // Called at every (re)connection of the listening connection: what was logged while it was away is read.
      () => this.#serial(() => this.#catchUp()),
    );
    this.#unlisten = listening.unlisten;
    this.#prune = setInterval(() => void this.#pruneLog().catch(() => {}), PRUNE_EVERY_MS).unref();
    await this.#pruneLog();
  }

  async stop(): Promise<void> {
    this.#closed = true;
    if (this.#prune) clearInterval(this.#prune);
    await this.#unlisten?.().catch(() => {});
    await this.#queue;
  }

  /** One notification, catch-up or own change at a time, in arrival order; settles when `fn` is done. */
  #serial(fn: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(fn).catch(() => {});
    return this.#queue;
  }

  /** Events of a change this node committed: told after the other nodes' changes below them, and once. */
  async #own(events: StoreEvent[]): Promise<void> {
    try {
      const below = new Map<number, number>();
      for (const event of events) {
        if (event.type !== 'mailboxes') below.set(event.mailboxId, Math.min(event.modSeq, below.get(event.mailboxId) ?? Infinity));
      }
      await this.#tellUpTo(new Map([...below].map(([mailboxId, first]) => [mailboxId, first - 1])));
    } catch {
      // The change is committed whatever the log could not tell: its own events still go out.
    }
    for (const event of events) {
      if (event.type !== 'mailboxes') {
        if (event.modSeq <= (this.#seen.get(event.mailboxId) ?? 0)) continue;
        this.#track(event.mailboxId, event.modSeq);
      }
      this.#core.emit(event);
    }
  }

  /**
   * A read of this node showed these MODSEQs (by mailbox): the changes up to them are
   * told first, so that no session is shown a MODSEQ whose change it has not received
   * (RFC 7162: its HIGHESTMODSEQ would then be below a MODSEQ the client was told).
   */
  async #through(marks: ReadonlyMap<number, number>): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#tellUpTo(marks);
      // A read that showed a MODSEQ saw it committed, and every lower one of its mailbox (the row lock): all are told now.
      for (const [mailboxId, upTo] of marks) if (this.#untold(mailboxId, upTo)) this.#track(mailboxId, upTo);
    } catch {
      // The read stands; its sessions hear of the changes when their notification comes.
    }
  }

  /** Whether a mailbox's MODSEQ is above the last this node told. */
  #untold(mailboxId: number, modSeq: number): boolean {
    return modSeq > (this.#seen.get(mailboxId) ?? 0);
  }

  /** Tells the log rows of each mailbox up to its MODSEQ that were not told yet, in one query. */
  async #tellUpTo(marks: ReadonlyMap<number, number>): Promise<void> {
    const wanted = [...marks].filter(([mailboxId, upTo]) => this.#untold(mailboxId, upTo));
    if (wanted.length === 0) return;
    // A mailbox not followed yet: what is not told can only have been logged since the feed last heard (less the slack).
    const lately = this.#heardAt === null ? 0 : this.#heardAt.getTime() - CATCH_UP_SLACK_MS;
    const since = wanted.map(([mailboxId]) => (this.#seen.has(mailboxId) ? 0 : lately));
    const after = wanted.map(([mailboxId]) => this.#seen.get(mailboxId) ?? 0);
    this.#deliver(await this.#core.sql<LogRow[]>`SELECT c.* FROM change_log AS c
      JOIN unnest(${wanted.map(([id]) => id)}::bigint[], ${after}::bigint[], ${wanted.map(([, upTo]) => upTo)}::bigint[], ${since}::float8[]) AS w(mailbox_id, after, up_to, since)
        ON c.mailbox_id = w.mailbox_id AND c.modseq > w.after AND c.modseq <= w.up_to AND c.logged_at >= to_timestamp(w.since / 1000)
      ORDER BY c.mailbox_id, c.modseq`);
  }

  #track(mailboxId: number, modSeq: number): void {
    if (this.#seen.size >= MAX_TRACKED && !this.#seen.has(mailboxId)) this.#seen.clear();
    this.#seen.set(mailboxId, modSeq);
  }

  async #notified(ids: number[]): Promise<void> {
    const wanted = ids.filter(Number.isSafeInteger);
    if (this.#closed || wanted.length === 0) return;
    const told = await this.#core.sql<LogRow[]>`SELECT * FROM change_log WHERE id = ANY(${wanted}::bigint[]) ORDER BY id`;
    const rows: LogRow[] = [];
    for (const mailboxId of new Set(told.map((r) => r.mailbox_id))) {
      const last = mailboxId === null ? undefined : this.#seen.get(mailboxId);
      const mine = told.filter((r) => r.mailbox_id === mailboxId);
      // Rows that carry on from the last MODSEQ told need nothing more; a gap (a lost or
      // late notification) is filled by reading every row of the mailbox above it.
      rows.push(
        ...(last === undefined || carriesOn(last, mine)
          ? mine
          : await this.#core.sql<LogRow[]>`SELECT * FROM change_log WHERE mailbox_id = ${mailboxId} AND modseq > ${last} ORDER BY modseq`),
      );
    }
    this.#deliver(rows);
  }

  async #catchUp(): Promise<void> {
    if (this.#closed) return;
    if (this.#heardAt === null) {
      // The first connection: nothing before it concerns a session of this node (none existed).
      const [now] = await this.#core.sql<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
      this.#heardAt = now!.now;
      return;
    }
    const since = new Date(this.#heardAt.getTime() - CATCH_UP_SLACK_MS);
    const rows = await this.#core.sql<LogRow[]>`SELECT * FROM change_log WHERE logged_at >= ${since} ORDER BY mailbox_id NULLS FIRST, modseq, id`;
    this.#deliver(rows.filter((r) => r.mailbox_id === null || r.modseq! > (this.#seen.get(r.mailbox_id) ?? 0)));
  }

  /**
   * Emits the rows not told yet. A mailbox's rows are told once by their MODSEQ, this
   * node's own too: one read here before its own change has told it is told now.
   */
  #deliver(rows: LogRow[]): void {
    for (const row of rows) {
      if (row.mailbox_id !== null) {
        if (row.modseq! <= (this.#seen.get(row.mailbox_id) ?? 0)) continue;
        this.#track(row.mailbox_id, row.modseq!);
      }
      if (this.#heardAt === null || row.logged_at > this.#heardAt) this.#heardAt = row.logged_at;
      if (row.mailbox_id !== null || row.origin !== this.#core.origin) this.#core.emit(toEvent(row));
    }
  }

  async #pruneLog(): Promise<void> {
    await this.#core.sql`DELETE FROM change_log WHERE logged_at < clock_timestamp() - ${`${KEEP_MS} milliseconds`}::interval`;
  }
}

/** Whether a mailbox's rows above `last` run on from it without a gap (a change's MODSEQ is its mailbox's last plus one). */
function carriesOn(last: number, rows: readonly LogRow[]): boolean {
  let expected = last + 1;
  for (const modSeq of rows.map((r) => r.modseq!).filter((m) => m > last).sort((a, b) => a - b)) {
    if (modSeq === expected - 1) continue;
    if (modSeq !== expected) return false;
    expected++;
  }
  return true;
}

function toEvent(row: LogRow): StoreEvent {
  if (row.kind === 'mailboxes') return { type: 'mailboxes', accountId: row.account_id };
  return { type: row.kind, accountId: row.account_id, mailboxId: row.mailbox_id!, uids: row.uids, modSeq: row.modseq! };
}
