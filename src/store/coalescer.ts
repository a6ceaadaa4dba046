interface Waiter<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: Error) => void;
}

/** Runs a group of items at once; answers one result per item, in order. */
export type RunGroup<I, O> = (items: I[]) => Promise<O[]>;

/**
 * Joins the items handed in while a group runs into the next group, so that
 * concurrent callers share one run (one synced batch, one lock round). A caller's
 * promise settles only when the run holding its item is done; a run that fails
 * fails every caller in it. Groups run one at a time, in the order items came.
 */
export class Coalescer<I, O> {
  #pending: Waiter<I, O>[] = [];
  #running = false;
  readonly #run: RunGroup<I, O>;

  constructor(run: RunGroup<I, O>) {
    this.#run = run;
  }

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#pending.length > 0) {
      const group = this.#pending;
      this.#pending = [];
      try {
        const outs = await this.#run(group.map((w) => w.item));
        group.forEach((w, i) => w.resolve(outs[i]!));
      } catch (err) {
        for (const w of group) w.reject(err as Error);
      }
    }
    this.#running = false;
  }
}
