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
 * are all there is, and submissions are counted in memory (a restart forgives, which
 * costs at most one more window's worth).
 */
export class LevelCoordination implements Coordination {
  readonly #leases = new ProcessLeases();
  readonly #sent = new Map<AccountId, Sent[]>();
  #lastId = 0;

  async tryLease(name: string): Promise<Lease | null> {
    return this.#leases.take(name);
  }

  async recordLoginFailures(): Promise<void> {}

  async loginFailures(): Promise<Map<string, FailureCount>> {
    return new Map();
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
