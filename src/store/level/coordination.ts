import { ProcessLeases } from '../process-leases.ts';
import type { Coordination, FailureCount, Lease } from '../types.ts';

/** One process opens a LevelDB store: its leases are in-process, and the throttle's own counts are all there is. */
export class LevelCoordination implements Coordination {
  readonly #leases = new ProcessLeases();

  async tryLease(name: string): Promise<Lease | null> {
    return this.#leases.take(name);
  }

  async recordLoginFailures(): Promise<void> {}

  async loginFailures(): Promise<Map<string, FailureCount>> {
    return new Map();
  }
}
