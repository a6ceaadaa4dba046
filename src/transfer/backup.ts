import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { RecordKind, RecordSnapshot, StoreRecord } from '../store/records.ts';
import {
  BackupError,
  BLOCK_BYTES,
  BlockBuilder,
  FORMAT,
  frameHead,
  MAGIC,
  packBlock,
  recordHash,
  type BackupHeader,
  type BackupManifest,
  type FrameKind,
} from './backup-format.ts';
import { BackupReader } from './backup-reader.ts';
import { IndexCursor } from './index-cursor.ts';
import type { ProgressSink } from './progress-update.ts';
import { syncDirectory } from './sync.ts';

export interface BackupOptions {
  /** An absolute path; refused when it exists. */
  file: string;
  /** An earlier backup (full or incremental): only what changed since goes in. */
  since?: string;
  progress?: ProgressSink;
  signal?: AbortSignal;
}

export interface BackupResult {
  file: string;
  kind: BackupHeader['kind'];
  id: string;
  base: string | null;
  counts: BackupManifest['counts'];
  records: number;
  puts: number;
  deletes: number;
  fileBytes: number;
  seconds: number;
}

/**
 * Writes a backup of the snapshot to `file`: into a temporary file beside it, synced
 * and renamed only when complete, so a killed backup leaves nothing under FILE.
 */
export async function writeBackup(openSnapshot: () => Promise<RecordSnapshot>, opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  if (existsSync(opts.file)) throw new BackupError('exists', `${opts.file} exists; a backup never overwrites a file (choose a new name)`);
  const base = opts.since ? await openBase(opts.since) : null;
  let snapshot: RecordSnapshot | null = null;
  let fh: FileHandle | null = null;
  const temp = `${dirname(opts.file)}/.${basename(opts.file)}.${randomBytes(4).toString('hex')}.partial`;
  try {
    snapshot = await openSnapshot();
    if (base && (base.header.backend !== snapshot.backend || base.header.layout !== snapshot.layout)) {
      throw new BackupError('chain', `${base.file} is a backup of a ${base.header.backend} store, layout ${base.header.layout}; this store is ${snapshot.backend}, layout ${snapshot.layout}: take a full backup`);
    }
    const header: BackupHeader = {
      format: FORMAT,
      kind: base ? 'incremental' : 'full',
      id: randomBytes(12).toString('hex'),
      base: base?.header.id ?? null,
      createdAt: new Date().toISOString(),
      backend: snapshot.backend,
      layout: snapshot.layout,
      compression: 'zstd',
    };
    fh = await open(temp, 'wx', 0o600);
    const writer = new BackupWriter(fh);
    await writer.frame('H', Buffer.from(JSON.stringify(header)));
    const manifest = await copyRecords(snapshot, writer, base ? new IndexCursor(base) : null, opts);
    await writer.frame('M', Buffer.from(JSON.stringify(manifest)));
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(temp, opts.file);
    await syncDirectory(dirname(opts.file));
    return {
      file: opts.file,
      kind: header.kind,
      id: header.id,
      base: header.base,
      counts: manifest.counts,
      records: manifest.records,
      puts: manifest.puts,
      deletes: manifest.deletes,
      fileBytes: writer.written,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    await fh?.close().catch(() => {});
    await rm(temp, { force: true });
    if (opts.signal?.aborted) throw new BackupError('interrupted', `interrupted: no backup was written to ${opts.file}; run the same command again`);
    throw err;
  } finally {
    await snapshot?.close().catch(() => {});
    await base?.close();
  }
}

/** The base of an incremental backup must be complete before anything is compared to it. */
async function openBase(file: string): Promise<BackupReader> {
  const reader = await BackupReader.open(file);
  try {
    await reader.manifest();
    await reader.rewind();
    return reader;
  } catch (err) {
    await reader.close();
    throw err;
  }
}

/**
 * Streams every record into data blocks (all of them, or with a base only the new and
 * changed ones and the deletions) and every key with its hash into index blocks.
 */
async function copyRecords(snapshot: RecordSnapshot, writer: BackupWriter, base: IndexCursor | null, opts: BackupOptions): Promise<BackupManifest> {
  const data = new BlockBuilder();
  const index = new BlockBuilder();
  const counts: Partial<Record<RecordKind, number>> = {};
  const totals = { records: 0, puts: 0, deletes: 0, valueBytes: 0, readBytes: 0 };
  const flush = async (force: boolean) => {
    if (data.count > 0 && (force || data.bytes >= BLOCK_BYTES)) await writer.block('D', data.take());
    if (index.count > 0 && (force || index.bytes >= BLOCK_BYTES)) await writer.block('I', index.take());
  };
  const putRecord = (record: StoreRecord, valueHash: Buffer) => {
    data.put(record.key, record.value, valueHash);
    totals.puts++;
    totals.valueBytes += record.value.length;
  };
  const delRecord = (key: Buffer) => {
    data.del(key);
    totals.deletes++;
  };
  for (let batch = await snapshot.next(); batch.length > 0; batch = await snapshot.next()) {
    if (opts.signal?.aborted) throw new BackupError('interrupted', 'interrupted');
    for (const record of batch) {
      const valueHash = recordHash(record.value);
      index.entry(record.key, valueHash);
      totals.records++;
      totals.readBytes += record.key.length + record.value.length;
      const kind = snapshot.kind(record.key);
      if (kind) counts[kind] = (counts[kind] ?? 0) + 1;
      if (!base) {
        putRecord(record, valueHash);
        continue;
      }
      for (const gone of await base.takeBefore(record.key)) delRecord(gone);
      const before = await base.take(record.key);
      if (!before?.equals(valueHash)) putRecord(record, valueHash);
    }
    await flush(false);
    opts.progress?.({ items: totals.records, bytes: totals.readBytes, ...(snapshot.estimatedBytes > 0 ? { totalBytes: snapshot.estimatedBytes } : {}) });
  }
  if (base) for (const gone of await base.takeBefore(null)) delRecord(gone);
  await flush(true);
  return {
    counts,
    records: totals.records,
    puts: totals.puts,
    deletes: totals.deletes,
    valueBytes: totals.valueBytes,
    dataBlocks: writer.blocks.D,
    indexBlocks: writer.blocks.I,
    finishedAt: new Date().toISOString(),
  };
}

/** Appends frames to the temporary file, counting blocks and bytes. */
class BackupWriter {
  readonly #fh: FileHandle;
  written = 0;
  readonly blocks = { D: 0, I: 0 };

  constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  async frame(kind: FrameKind, payload: Buffer): Promise<void> {
    const parts = this.written === 0 ? [MAGIC, frameHead(kind, payload), payload] : [frameHead(kind, payload), payload];
    const { bytesWritten } = await this.#fh.writev(parts);
    this.written += bytesWritten;
  }

  async block(kind: 'D' | 'I', raw: Buffer): Promise<void> {
    await this.frame(kind, await packBlock(raw));
    this.blocks[kind]++;
  }
}
