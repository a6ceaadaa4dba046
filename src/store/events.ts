import type { StoreEvent } from './types.ts';

/** The listeners of a store's events; a backend's core emits to them after each commit. */
export class StoreEvents {
  readonly #listeners = new Set<(event: StoreEvent) => void>();

  on(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many listeners `on` holds: a closed session must leave none (test/imap-session-cleanup.test.ts). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Only after the change is committed (rule 1: what a session reports is durable). */
  emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
