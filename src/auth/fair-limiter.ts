/**
 * At most `limit` tasks at once. The waiting ones are served by priority (0 first), and
 * within a priority in turns per source: each source (a client's address) gets one task
 * started before any source gets a second, so one source sending many cannot push
 * everyone else to the back of one long line.
 */
export class FairLimiter {
  readonly #limit: number;
  #active = 0;
  /** Per priority: the waiting starts per source, in the order the sources came; served round-robin. */
  readonly #lanes: Map<string, (() => void)[]>[];

  constructor(limit: number, priorities = 1) {
    this.#limit = limit;
    this.#lanes = Array.from({ length: priorities }, () => new Map());
  }

  async run<T>(source: string, task: () => Promise<T>, priority = 0): Promise<T> {
    if (this.#active < this.#limit) this.#active++;
    else {
      // A finishing task hands its slot straight to the next waiter, so the count stays.
      await new Promise<void>((resolve) => {
        const lane = this.#lanes[Math.min(priority, this.#lanes.length - 1)]!;
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

  /** How many tasks wait for a slot. */
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
