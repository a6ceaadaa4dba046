import { SegmentError } from './index-segment.ts';

/**
 * Flag ids of one mailbox's index: the five system flags have fixed ids 0-4 (part of
 * the format, never reordered); keywords get 5, 6, ... in the order the mailbox first
 * saw them. The stored record is the JSON list of the keywords alone, so most
 * mailboxes store `[]`. Ids are never reused or renumbered, except by a rebuild.
 */
const FIXED = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;

export class FlagTable {
  readonly #names: string[];
  readonly #ids: Map<string, number>;
  /** Whether a flag was added since the table was read: then its record is written with the batch. */
  changed = false;

  private constructor(keywords: readonly string[]) {
    this.#names = [...FIXED, ...keywords];
    this.#ids = new Map(this.#names.map((name, id) => [name, id]));
  }

  static empty(): FlagTable {
    return new FlagTable([]);
  }

  /** The stored record, checked: a list of distinct non-empty strings that are not system flags. */
  static decode(value: unknown): FlagTable {
    if (!Array.isArray(value) || value.some((k) => typeof k !== 'string' || k === '')) throw new SegmentError('flag table: not a list of keywords');
    const table = new FlagTable(value as string[]);
    if (table.#ids.size !== table.#names.length) throw new SegmentError('flag table: a flag is listed twice');
    return table;
  }

  get size(): number {
    return this.#names.length;
  }

  /** How many keywords the table holds, the system flags left out. */
  get keywordCount(): number {
    return this.#names.length - FIXED.length;
  }

  has(flag: string): boolean {
    return this.#ids.has(flag);
  }

  /** The record to store. */
  get keywords(): string[] {
    return this.#names.slice(FIXED.length);
  }

  /** The id of a flag, exactly as spelt; a new keyword gets the next id. */
  idOf(flag: string): number {
    let id = this.#ids.get(flag);
    if (id === undefined) {
      id = this.#names.length;
      this.#names.push(flag);
      this.#ids.set(flag, id);
      this.changed = true;
    }
    return id;
  }

  /** Ids back to flags; decodeSegment has checked that each id exists. */
  namesOf(ids: readonly number[]): string[] {
    return ids.map((id) => this.#names[id]!);
  }
}
