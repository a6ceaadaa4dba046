/**
 * The store as raw records, for backup and restore (issue 17). A backup copies every
 * record as it is, so it is complete whatever the layout; only store/ knows what the
 * keys mean, and says just enough (a kind per record) for a backup's counts.
 */

/** One record, key and value as opaque bytes. */
export interface StoreRecord {
  key: Buffer;
  value: Buffer;
}

/** A change to apply on restore: a record written, or (value null) removed. */
export interface RecordChange {
  key: Buffer;
  value: Buffer | null;
}

/** What a backup's manifest counts. */
export type RecordKind = 'domains' | 'accounts' | 'aliases' | 'mailboxes' | 'messages' | 'queue' | 'certificates' | 'dkimKeys';

/** A point-in-time view of every record, in key order, read a batch at a time; writers go on meanwhile. */
export interface RecordSnapshot {
  /** A backup restores only into the same backend and layout version. */
  readonly backend: string;
  readonly layout: number;
  /** The store's rough size on disk, for progress; 0 when unknown. */
  readonly estimatedBytes: number;
  kind(key: Buffer): RecordKind | null;
  /** The next batch in key order; empty at the end. */
  next(): Promise<StoreRecord[]>;
  close(): Promise<void>;
}

/** Where a restore writes: a new store that appears only when `commit` succeeds. */
export interface RecordSink {
  readonly backend: string;
  readonly layout: number;
  write(changes: RecordChange[]): Promise<void>;
  commit(): Promise<void>;
  /** Removes whatever was written. */
  abort(): Promise<void>;
}
