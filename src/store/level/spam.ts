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
import { decode } from './codec.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, locks, mark, put, wholeRange, type LevelCore } from './core.ts';
import { keys } from './keys.ts';

/** Token counts are kept as [spam, ham]: a few bytes for each of an account's many tokens. */
type StoredCounts = [number, number];

/**
 * The batch operations that learn `lessons` for an account: read its totals, the
 * marks and the counts of the tokens involved, and write them changed. The caller
 * holds the account's lock, which every writer of these keys takes (this role, and
 * COPY, MOVE and STORE of LevelMail, whose batches these operations join).
 */
export async function lessonOps(core: LevelCore, accountId: AccountId, lessons: SpamLesson[]): Promise<{ ops: BatchOp[]; outcome: LearnOutcome }> {
  const marks = lessonMarks(lessons);
  if (marks.length === 0) return { ops: [], outcome: { learned: 0, unchanged: 0 } };
  const totals = (await core.get<SpamTotals>(keys.spamTotals(accountId))) ?? NO_TOTALS;
  const before = new Map(marks.map((m, i) => [m, i]));
  const stored = await core.getMany<SpamClass>(marks.map((m) => keys.spamMark(accountId, m)));
  const plan = LearningPlan.of(totals, lessons, (m) => stored[before.get(m)!] ?? null);
  const { outcome } = plan;
  if (plan.learned === 0) return { ops: [], outcome };
  const tokens = [...plan.deltas.keys()];
  const counts = await core.getSpamTokens<StoredCounts>(tokens.map((t) => keys.spamToken(accountId, t)));
  const ops: BatchOp[] = [put(keys.spamTotals(accountId), plan.totals)];
  tokens.forEach((token, i) => {
    const [spam, ham] = counts[i] ?? [0, 0];
    const next = plan.apply(token, { spam, ham });
    const key = keys.spamToken(accountId, token);
    ops.push(next.spam === 0 && next.ham === 0 ? del(key) : put(key, [next.spam, next.ham]));
  });
  for (const [m, verdict] of plan.marks) ops.push(put(keys.spamMark(accountId, m), verdict));
  for (const address of plan.correspondents) ops.push(mark(keys.correspondent(accountId, address)));
  return { ops, outcome };
}

/** The spam filter's data in LevelDB (keys `spn/ spt/ spm/ spl/ spc/ grl/`). */
export class LevelSpam implements SpamStore {
  readonly #core: LevelCore;

  constructor(core: LevelCore) {
    this.#core = core;
  }

  async spamCounts(accountId: AccountId, tokens: string[]): Promise<{ totals: SpamTotals; tokens: TokenCounts[] }> {
    const [totals, counts] = await Promise.all([
      this.#core.get<SpamTotals>(keys.spamTotals(accountId)),
      tokens.length === 0 ? Promise.resolve([]) : this.#core.getSpamTokens<StoredCounts>(tokens.map((t) => keys.spamToken(accountId, t))),
    ]);
    return { totals: totals ?? NO_TOTALS, tokens: counts.map((c) => ({ spam: c?.[0] ?? 0, ham: c?.[1] ?? 0 })) };
  }

  learnSpam(accountId: AccountId, lessons: SpamLesson[]): Promise<LearnOutcome> {
    return this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const { ops, outcome } = await lessonOps(this.#core, accountId, lessons);
      await this.#core.commit(ops);
      return outcome;
    });
  }

  async spamTokenCount(accountId: AccountId): Promise<number> {
    return (await this.#core.scanKeys(keys.spamTokenPrefix(accountId))).length;
  }

  forgetSpam(accountId: AccountId): Promise<void> {
    return this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const ops: BatchOp[] = [del(keys.spamTotals(accountId))];
      for (const prefix of [keys.spamTokenPrefix(accountId), keys.spamMarkPrefix(accountId)]) {
        for (const key of await this.#core.scanKeys(prefix)) ops.push(del(key));
      }
      await this.#core.commit(ops);
    });
  }

  async listSenderEntries(accountId: AccountId): Promise<SenderListEntry[]> {
    const prefix = keys.senderListPrefix(accountId);
    const rows = await this.#core.db.iterator(wholeRange(prefix)).all();
    return rows.map(([key, value]) => ({ sender: key.slice(prefix.length), list: decode<SenderList>(value) }));
  }

  async setSenderEntry(accountId: AccountId, sender: string, list: SenderList | null): Promise<void> {
    const { entry, list: to } = listChange(sender, list);
    const key = keys.senderList(accountId, entry);
    await this.#core.commit([to === null ? del(key) : put(key, to)]);
  }

  async addCorrespondents(accountId: AccountId, addresses: string[]): Promise<void> {
    await this.#core.commit(correspondentAddresses(addresses).map((a) => mark(keys.correspondent(accountId, a))));
  }

  async knownCorrespondents(accountId: AccountId, addresses: string[]): Promise<boolean[]> {
    if (addresses.length === 0) return [];
    const found = await this.#core.db.getMany(addresses.map((a) => keys.correspondent(accountId, a.toLowerCase())));
    return found.map((v) => v !== undefined);
  }

  async getGreylist(triplet: string): Promise<GreylistEntry | null> {
    return this.#core.get<GreylistEntry>(keys.greylist(greylistKey(triplet)));
  }

  async putGreylist(triplet: string, entry: GreylistEntry): Promise<void> {
    await this.#core.commit([put(keys.greylist(greylistKey(triplet)), entry)]);
  }

  async pruneGreylist(limits: GreylistPruning): Promise<number> {
    let pruned = 0;
    let stale: BatchOp[] = [];
    // Streamed and deleted in bounded batches: the triplets of a busy MX do not all sit in memory.
    for await (const [key, value] of this.#core.db.iterator(wholeRange(keys.greylistPrefix))) {
      if (!isStale(decode<GreylistEntry>(value), limits)) continue;
      stale.push(del(key));
      if (stale.length === PRUNE_BATCH) {
        await this.#core.commit(stale);
        pruned += stale.length;
        stale = [];
      }
    }
    if (stale.length > 0) await this.#core.commit(stale);
    return pruned + stale.length;
  }
}

const PRUNE_BATCH = 1000;

function isStale(entry: GreylistEntry, limits: GreylistPruning): boolean {
  return entry.passed ? (entry.lastSeen ?? entry.firstSeen) < limits.passedBefore : entry.firstSeen < limits.unpassedBefore;
}
