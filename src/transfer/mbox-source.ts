import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { readMbox } from './mbox-reader.ts';
import type { ImportSource, SourceEntry, SourceFolder, Warn } from './source.ts';

/** Entries per batch, and the bytes of bodies a batch may hold. */
const BATCH = 200;
const BATCH_BYTES = 8 << 20;

/**
 * An mbox file as a source of one folder. A message's key is its content hash and
 * how many identical ones came before it, so a changed file (a message deleted in
 * mutt meanwhile) still resumes without duplicates.
 */
export async function mboxSource(path: string, maxMessage: number, warn: Warn): Promise<ImportSource> {
  const id = `mbox:${await realpath(path)}`;
  const folder: SourceFolder = {
    path: [],
    specialUse: null,
    id: '',
    async *entries() {
      const seen = new Map<string, number>();
      let batch: SourceEntry[] = [];
      let bytes = 0;
      for await (const message of readMbox(path, maxMessage, warn)) {
        const hash = createHash('sha256').update(message.raw).digest('hex');
        const n = seen.get(hash) ?? 0;
        seen.set(hash, n + 1);
        batch.push({ key: `${hash}#${n}`, flags: message.flags, internalDate: message.internalDate, size: message.raw.length, raw: message.raw });
        bytes += message.raw.length;
        if (batch.length >= BATCH || bytes >= BATCH_BYTES) {
          yield batch;
          batch = [];
          bytes = 0;
        }
      }
      if (batch.length > 0) yield batch;
    },
    async *bodies(entries) {
      for (const entry of entries) yield { entry, raw: entry.raw ?? null };
    },
  };
  return {
    id,
    async *folders() {
      yield folder;
    },
    async close() {},
  };
}
