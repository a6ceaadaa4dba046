import type { SpecialUse } from '../store/types.ts';

/** One message of a source folder as listed, before its body is read. */
export interface SourceEntry {
  /** Stable within its folder across runs (an IMAP UID, a Maildir base name, an mbox content hash). */
  key: string;
  flags: string[];
  internalDate?: number;
  size?: number;
  /** Present when listing had to read the body anyway (mbox). */
  raw?: Buffer;
  /** Where the body is, for a source that reads it later (a Maildir file). */
  location?: string;
}

export interface SourceFolder {
  /** The folder's hierarchy levels as the source names them; [] or ['INBOX'] is the inbox. */
  path: string[];
  specialUse: SpecialUse | null;
  /** Identifies the folder in the import marks (a path, plus the UIDVALIDITY for IMAP). */
  id: string;
  /** Metadata in batches, in source order. */
  entries(): AsyncIterable<SourceEntry[]>;
  /** The bodies of these entries, in the same order; null where one vanished meanwhile. */
  bodies(entries: SourceEntry[]): AsyncIterable<{ entry: SourceEntry; raw: Buffer | null }>;
}

export interface ImportSource {
  /** Identifies the source in the import marks: a canonical path or URL. */
  id: string;
  folders(): AsyncIterable<SourceFolder>;
  close(): Promise<void>;
}

/** Something the reader skipped, reported as one line. */
export type Warn = (message: string) => void;
