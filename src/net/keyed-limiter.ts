/** At most `limit` tasks at once per key (a recipient domain, password checks); the rest wait their turn in order. */
export class KeyedLimiter {
  readonly #limit: number;
  readonly #active = new Map<string, number>();
  readonly #waiting = new Map<string, (() => void)[]>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const active = this.#active.get(key) ?? 0;
    // A finishing task hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (active >= this.#limit) await new Promise<void>((resolve) => this.#waiting.set(key, [...(this.#waiting.get(key) ?? []), resolve]));
    else this.#active.set(key, active + 1);
    try {
      return await task();
    } finally {
      this.#release(key);
    }
  }

  #release(key: string): void {
    const waiters = this.#waiting.get(key);
    const next = waiters?.shift();
    if (waiters?.length === 0) this.#waiting.delete(key);
    if (next) return next();
    const active = (this.#active.get(key) ?? 1) - 1;
    if (active === 0) this.#active.delete(key);
    else this.#active.set(key, active);
  }
}
