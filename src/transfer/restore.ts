import type { RecordSink } from '../store/records.ts';
import { BackupError, type BackupManifest } from './backup-format.ts';
import { BackupReader } from './backup-reader.ts';
import type { ProgressSink } from './progress-update.ts';

export interface RestoreResult {
  files: string[];
  /** The store as restored: the last backup's counts. */
  counts: BackupManifest['counts'];
  records: number;
  seconds: number;
}

/**
 * Restores a full backup and then each incremental one in order, each checked to
 * follow the one before (its base id) and to be complete before anything is written.
 * The sink makes the store appear only once everything is in.
 */
export async function restoreBackups(
  files: string[],
  openSink: () => Promise<RecordSink>,
  opts: { progress?: ProgressSink; signal?: AbortSignal } = {},
): Promise<RestoreResult> {
  const started = Date.now();
  const readers: BackupReader[] = [];
  let sink: RecordSink | null = null;
  try {
    const manifests: BackupManifest[] = [];
    for (const file of files) {
      const reader = await BackupReader.open(file);
      readers.push(reader);
      checkLink(reader, readers.at(-2) ?? null);
      manifests.push(await reader.manifest());
      await reader.rewind();
    }
    sink = await openSink();
    const first = readers[0]!.header;
    // An older layout is restored as it was: the store is migrated when it is first opened.
    if (first.backend !== sink.backend || first.layout > sink.layout) {
      throw new BackupError('invalid', `${files[0]} holds a ${first.backend} store, layout ${first.layout}; this version restores ${sink.backend}, layout ${sink.layout} and older`);
    }
    const totalBytes = readers.reduce((sum, r) => sum + r.size, 0);
    let doneBytes = 0;
    let changes = 0;
    for (const [i, reader] of readers.entries()) {
      let inFile = 0;
      for (let frame = await reader.next(['D']); frame; frame = await reader.next(['D'])) {
        if (opts.signal?.aborted) throw new BackupError('interrupted', 'interrupted');
        const block = await reader.dataBlock(frame);
        await sink.write(block);
        inFile += block.length;
        opts.progress?.({ items: changes + inFile, bytes: doneBytes + reader.position, totalBytes });
      }
      const expected = manifests[i]!.puts + manifests[i]!.deletes;
      if (inFile !== expected) throw new BackupError('corrupt', `${reader.file}: the manifest says ${expected} records, the file holds ${inFile}`);
      changes += inFile;
      doneBytes += reader.size;
    }
    await sink.commit();
    sink = null;
    const last = manifests.at(-1)!;
    return { files, counts: last.counts, records: last.records, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    await sink?.abort();
    if (opts.signal?.aborted) throw new BackupError('interrupted', 'interrupted: nothing was restored; run the same command again');
    throw err;
  } finally {
    for (const reader of readers) await reader.close();
  }
}

/** A chain is a full backup, then incrementals, each taken since the one before it. */
function checkLink(reader: BackupReader, previous: BackupReader | null): void {
  const { header } = reader;
  if (!previous) {
    if (header.kind !== 'full') throw new BackupError('chain', `${reader.file} is an incremental backup; give the full backup it builds on first, then the incrementals in order`);
    return;
  }
  if (header.kind !== 'incremental' || header.base !== previous.header.id) {
    throw new BackupError('chain', `${reader.file} was not taken since ${previous.file}; give the full backup first, then the incrementals in the order they were taken`);
  }
}
