import type { Lease } from './types.ts';

/**
 * The leases this process holds, by name: all of them for LevelDB, and for PostgreSQL the
 * first check, since an advisory lock taken twice on one connection is simply granted twice.
 */
export class ProcessLeases {
  readonly #held = new Set<string>();

  /** Takes `name` in this process, or null; `onRelease` runs once when the lease ends. */
  take(name: string, onRelease: () => Promise<void> = async () => {}): Lease | null {
    if (this.#held.has(name)) return null;
    this.#held.add(name);
    return onceReleased(async () => {
      try {
        await onRelease();
      } finally {
        this.#held.delete(name);
      }
    });
  }
}

/**
 * A lease whose `release` runs `end` the first time and does nothing after; `lost`:
 * never, unless given; `confirm` asks where the hold is kept whether it still stands.
 */
export function onceReleased(end: () => Promise<void>, lost: AbortSignal = new AbortController().signal, confirm: () => Promise<boolean> = async () => true): Lease {
  let released = false;
  return {
    lost,
    held: async () => !released && !lost.aborted && (await confirm()),
    release: async () => {
      if (released) return;
      released = true;
      await end();
    },
  };
}
