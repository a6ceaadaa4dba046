import { ProcessLeases } from '../process-leases.ts';
import { submissionWithin } from '../submission-limits.ts';
import type { AccountId, Coordination, FailureCount, Lease, SubmissionCount } from '../types.ts';

interface Sent {
  id: number;
  at: number;
  recipients: number;
}

/**
 * One process opens a LevelDB store: its leases are in-process, the throttle's own counts
 * are all there is, submissions are counted in memory (a restart forgives, which costs at
 * most one more window's worth), and the ACME challenges it publishes are answered by
 * itself, from memory (they live minutes and mean nothing after a restart, which ends
 * their order too).
 */
export class LevelCoordination implements Coordination {
  readonly #leases = new ProcessLeases();
  readonly #sent = new Map<AccountId, Sent[]>();
  #lastId = 0;
  readonly #challenges = new Map<string, { value: string; expiresAt: number }>();

  async tryLease(name: string): Promise<Lease | null> {
    return this.#leases.take(name);
  }

  async recordLoginFailures(): Promise<void> {}

  async loginFailures(): Promise<Map<string, FailureCount>> {
    return new Map();
  }

  async putAcmeChallenge(key: string, value: string, now: number, expiresAt: number): Promise<void> {
    // Answers an order left behind (it failed to withdraw them) go when the next is published.
    for (const [k, entry] of this.#challenges) if (entry.expiresAt <= now) this.#challenges.delete(k);
    this.#challenges.set(key, { value, expiresAt });
  }

  async getAcmeChallenge(key: string, now: number): Promise<string | null> {
    const entry = this.#challenges.get(key);
    return entry && entry.expiresAt > now ? entry.value : null;
  }

  async removeAcmeChallenge(key: string): Promise<void> {
    this.#challenges.delete(key);
  }

  async submissionsSince(account: AccountId, since: number): Promise<SubmissionCount> {
    return total(this.#recent(account, since));
  }

  // No await between the check and the count: one process, so nothing comes between them.
  async countSubmission(account: AccountId, at: number, recipients: number, since: number, limits: SubmissionCount): Promise<number | null> {
    const recent = this.#recent(account, since);
    if (!submissionWithin(total(recent), recipients, limits)) return null;
    const id = ++this.#lastId;
    this.#sent.set(account, [...recent, { id, at, recipients }]);
    return id;
  }

  async uncountSubmission(account: AccountId, id: number): Promise<void> {
    const kept = (this.#sent.get(account) ?? []).filter((s) => s.id !== id);
    if (kept.length === 0) this.#sent.delete(account);
    else this.#sent.set(account, kept);
  }

  /** The account's counts after `since`, the older ones dropped. */
  #recent(account: AccountId, since: number): Sent[] {
    const list = (this.#sent.get(account) ?? []).filter((s) => s.at > since);
    if (list.length === 0) this.#sent.delete(account);
    else this.#sent.set(account, list);
    return list;
  }
}

function total(list: Sent[]): SubmissionCount {
  return { messages: list.length, recipients: list.reduce((sum, s) => sum + s.recipients, 0) };
}
