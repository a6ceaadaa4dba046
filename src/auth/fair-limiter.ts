/**
 * At most `limit` tasks at once, the waiting ones served in turns per source: each
 * source (a client's address) gets one task started before any source gets a second,
 * so one source sending many cannot push everyone else to the back of one long line.
 * Sources marked `first` (a device that logged in before) go ahead of the others.
 */
export class FairLimiter {
  readonly #limit: number;
  #active = 0;
  /** Waiting starts per source, in the order the sources first came; served round-robin. */
  readonly #lanes = [new Map<string, (() => void)[]>(), new Map<string, (() => void)[]>()];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(source: string, task: () => Promise<T>, first = false): Promise<T> {
    if (this.#active < this.#limit) this.#active++;
    else {
      // A finishing task hands its slot straight to the next waiter, so the count stays.
      await new Promise<void>((resolve) => {
        const lane = this.#lanes[first ? 0 : 1]!;
        const waiting = lane.get(source);
        if (waiting) waiting.push(resolve);
        else lane.set(source, [resolve]);
      });
    }
    try {
      return await task();
    } finally {
      this.#next();
    }
  }

  /** How many tasks wait for a slot (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const lane of this.#lanes) for (const list of lane.values()) n += list.length;
    return n;
  }

  #next(): void {
    for (const lane of this.#lanes) {
      const entry = lane.entries().next();
      if (entry.done) continue;
      const [source, waiting] = entry.value;
      const start = waiting.shift()!;
      // The source goes to the back of its lane: the next turn is someone else's.
      lane.delete(source);
      if (waiting.length > 0) lane.set(source, waiting);
      return start();
    }
    this.#active--;
  }
}
