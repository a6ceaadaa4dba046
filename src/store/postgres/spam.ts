import { correspondentAddresses, greylistKey, LearningPlan, lessonMarks, listChange, NO_TOTALS } from '../rules/spam.ts';
import {
  type AccountId,
  type GreylistEntry,
  type GreylistPruning,
  type LearnOutcome,
  type SenderList,
  type SenderListEntry,
  type SpamClass,
  type SpamLesson,
  type SpamStore,
  type SpamTotals,
  type TokenCounts,
} from '../types.ts';
import type { PgCore, Tx } from './core.ts';

/**
 * Learns `lessons` for an account inside `tx`: the totals row, locked first, orders every
 * learner of the account (this role, and COPY, MOVE, STORE and APPEND of PgMail, whose
 * transactions these statements join).
 */
export async function learnInTx(tx: Tx, accountId: AccountId, lessons: SpamLesson[]): Promise<LearnOutcome> {
  const marks = lessonMarks(lessons);
  if (marks.length === 0) return { learned: 0, unchanged: 0 };
  await tx`INSERT INTO spam_totals (account_id, spam, ham) VALUES (${accountId}, 0, 0) ON CONFLICT DO NOTHING`;
  const [totals] = await tx<SpamTotals[]>`SELECT spam::int AS spam, ham::int AS ham FROM spam_totals WHERE account_id = ${accountId} FOR UPDATE`;
  const stored = new Map(
    (await tx<{ mark: string; verdict: SpamClass }[]>`SELECT mark, verdict FROM spam_marks WHERE account_id = ${accountId} AND mark = ANY(${marks})`).map((r) => [r.mark, r.verdict]),
  );
  const plan = LearningPlan.of(totals ?? NO_TOTALS, lessons, (m) => stored.get(m) ?? null);
  const { outcome } = plan;
  if (plan.learned === 0) return outcome;
  const tokens = [...plan.deltas.keys()];
  const counts = new Map(
    (await tx<{ token: string; spam: number; ham: number }[]>`SELECT token, spam::int AS spam, ham::int AS ham FROM spam_tokens
      WHERE account_id = ${accountId} AND token = ANY(${tokens}) FOR UPDATE`).map((r) => [r.token, { spam: r.spam, ham: r.ham }]),
  );
  const next = tokens.map((token) => ({ token, ...plan.apply(token, counts.get(token) ?? { spam: 0, ham: 0 }) }));
  const kept = next.filter((n) => n.spam > 0 || n.ham > 0).map((n) => ({ account_id: accountId, token: n.token, spam: n.spam, ham: n.ham }));
  const gone = next.filter((n) => n.spam === 0 && n.ham === 0).map((n) => n.token);
  await tx`UPDATE spam_totals SET spam = ${plan.totals.spam}, ham = ${plan.totals.ham} WHERE account_id = ${accountId}`;
  if (gone.length > 0) await tx`DELETE FROM spam_tokens WHERE account_id = ${accountId} AND token = ANY(${gone})`;
  for (let i = 0; i < kept.length; i += 1000) {
    await tx`INSERT INTO spam_tokens ${tx(kept.slice(i, i + 1000))} ON CONFLICT (account_id, token) DO UPDATE SET spam = EXCLUDED.spam, ham = EXCLUDED.ham`;
  }
  const markRows = [...plan.marks].map(([mark, verdict]) => ({ account_id: accountId, mark, verdict }));
  await tx`INSERT INTO spam_marks ${tx(markRows)} ON CONFLICT (account_id, mark) DO UPDATE SET verdict = EXCLUDED.verdict`;
  await insertCorrespondents(tx, accountId, [...plan.correspondents]);
  return outcome;
}

async function insertCorrespondents(tx: Tx, accountId: AccountId, addresses: string[]): Promise<void> {
  if (addresses.length === 0) return;
  await tx`INSERT INTO spam_correspondents ${tx(addresses.map((address) => ({ account_id: accountId, address })))} ON CONFLICT DO NOTHING`;
}

/** The spam filter's data as rows that go with their account (ON DELETE CASCADE). */
export class PgSpam implements SpamStore {
  readonly #core: PgCore;

  constructor(core: PgCore) {
    this.#core = core;
  }

  async spamCounts(accountId: AccountId, tokens: string[]): Promise<{ totals: SpamTotals; tokens: TokenCounts[] }> {
    const { sql } = this.#core;
    const [[totals], rows] = await Promise.all([
      sql<SpamTotals[]>`SELECT spam::int AS spam, ham::int AS ham FROM spam_totals WHERE account_id = ${accountId}`,
      tokens.length === 0 ? Promise.resolve([]) : sql<{ token: string; spam: number; ham: number }[]>`SELECT token, spam::int AS spam, ham::int AS ham FROM spam_tokens WHERE account_id = ${accountId} AND token = ANY(${tokens})`,
    ]);
    const byToken = new Map(rows.map((r) => [r.token, { spam: r.spam, ham: r.ham }]));
    return { totals: totals ? { spam: totals.spam, ham: totals.ham } : { ...NO_TOTALS }, tokens: tokens.map((t) => byToken.get(t) ?? { spam: 0, ham: 0 }) };
  }

  learnSpam(accountId: AccountId, lessons: SpamLesson[]): Promise<LearnOutcome> {
    return this.#core.tx((tx) => learnInTx(tx, accountId, lessons));
  }

  async spamTokenCount(accountId: AccountId): Promise<number> {
    const [row] = await this.#core.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM spam_tokens WHERE account_id = ${accountId}`;
    return row?.n ?? 0;
  }

  forgetSpam(accountId: AccountId): Promise<void> {
    return this.#core.tx(async (tx) => {
      await tx`DELETE FROM spam_totals WHERE account_id = ${accountId}`;
      await tx`DELETE FROM spam_tokens WHERE account_id = ${accountId}`;
      await tx`DELETE FROM spam_marks WHERE account_id = ${accountId}`;
    });
  }

  async listSenderEntries(accountId: AccountId): Promise<SenderListEntry[]> {
    const rows = await this.#core.sql<SenderListEntry[]>`SELECT sender, list FROM spam_senders WHERE account_id = ${accountId} ORDER BY sender COLLATE "C"`;
    return rows.map(({ sender, list }) => ({ sender, list }));
  }

  async setSenderEntry(accountId: AccountId, sender: string, list: SenderList | null): Promise<void> {
    const { entry, list: to } = listChange(sender, list);
    if (to === null) await this.#core.sql`DELETE FROM spam_senders WHERE account_id = ${accountId} AND sender = ${entry}`;
    else await this.#core.sql`INSERT INTO spam_senders (account_id, sender, list) VALUES (${accountId}, ${entry}, ${to}) ON CONFLICT (account_id, sender) DO UPDATE SET list = EXCLUDED.list`;
  }

  async addCorrespondents(accountId: AccountId, addresses: string[]): Promise<void> {
    await this.#core.tx((tx) => insertCorrespondents(tx, accountId, correspondentAddresses(addresses)));
  }

  async knownCorrespondents(accountId: AccountId, addresses: string[]): Promise<boolean[]> {
    if (addresses.length === 0) return [];
    const wanted = addresses.map((a) => a.toLowerCase());
    const rows = await this.#core.sql<{ address: string }[]>`SELECT address FROM spam_correspondents WHERE account_id = ${accountId} AND address = ANY(${wanted})`;
    const found = new Set(rows.map((r) => r.address));
    return wanted.map((a) => found.has(a));
  }

  async getGreylist(triplet: string): Promise<GreylistEntry | null> {
    const [row] = await this.#core.sql<{ first_seen: number; passed: boolean; last_seen: number | null }[]>`SELECT first_seen, passed, last_seen FROM greylist WHERE triplet = ${greylistKey(triplet)}`;
    if (!row) return null;
    const entry: GreylistEntry = { firstSeen: Number(row.first_seen), passed: row.passed };
    return row.last_seen === null ? entry : { ...entry, lastSeen: Number(row.last_seen) };
  }

  async putGreylist(triplet: string, entry: GreylistEntry): Promise<void> {
    await this.#core.sql`INSERT INTO greylist (triplet, first_seen, passed, last_seen) VALUES (${greylistKey(triplet)}, ${entry.firstSeen}, ${entry.passed}, ${entry.lastSeen ?? null})
      ON CONFLICT (triplet) DO UPDATE SET first_seen = EXCLUDED.first_seen, passed = EXCLUDED.passed, last_seen = EXCLUDED.last_seen`;
  }

  async pruneGreylist(limits: GreylistPruning): Promise<number> {
    const gone = await this.#core.sql`DELETE FROM greylist
      WHERE (NOT passed AND first_seen < ${limits.unpassedBefore}) OR (passed AND COALESCE(last_seen, first_seen) < ${limits.passedBefore})`;
    return gone.count;
  }
}
