import { ProcessLeases } from '../process-leases.ts';
import type { Coordination, FailureCount, Lease } from '../types.ts';

/**
 * One process opens a LevelDB store: its leases are in-process, the throttle's own counts
 * are all there is, and the ACME challenges it publishes are answered by itself, from memory
 * (they live minutes and mean nothing after a restart, which ends their order too).
 */
export class LevelCoordination implements Coordination {
  readonly #leases = new ProcessLeases();
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
}
