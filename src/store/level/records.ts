import { readdirSync, rmSync, existsSync, mkdirSync, openSync, fsyncSync, closeSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { decode } from './codec.ts';
import { keys, prefixEnd } from './keys.ts';
import { LAYOUT_VERSION, type Db } from './core.ts';
import type { RecordChange, RecordKind, RecordSink, RecordSnapshot } from '../records.ts';
import { StoreError } from '../types.ts';

const KINDS: [string, RecordKind][] = [
  [keys.domainPrefix, 'domains'],
  [keys.accountPrefix, 'accounts'],
  [keys.aliasPrefix, 'aliases'],
  [keys.mailboxPrefix, 'mailboxes'],
  [keys.messageAll, 'messages'],
  [keys.queuePrefix, 'queue'],
  [keys.certificate(''), 'certificates'],
  [keys.dkimKeyAll, 'dkimKeys'],
];

/** What a record of this layout is, for a backup's counts. */
export function levelRecordKind(key: Buffer): RecordKind | null {
  // Every prefix is ASCII and ends with '/', so comparing the first bytes is enough.
  for (const [prefix, kind] of KINDS) if (key.toString('latin1', 0, prefix.length) === prefix) return kind;
  return null;
}

/** Records per trip to LevelDB's thread: up to 1 MiB, so a batch is a few milliseconds of work. */
const BATCH = { records: 2000, bytes: 1 << 20 };

/**
 * One LevelDB snapshot and one iterator over it: later writes are not seen, and
 * none waits for the backup (LevelDB keeps the snapshot's files until it closes).
 */
export async function levelSnapshot(db: Db): Promise<RecordSnapshot> {
  const snapshot = db.snapshot();
  try {
    const version = await db.get(keys.version, { snapshot });
    const estimatedBytes = await db.approximateSize('', prefixEnd(''));
    const iterator = db.iterator<Buffer, Buffer>({ snapshot, keyEncoding: 'buffer', valueEncoding: 'buffer', highWaterMarkBytes: BATCH.bytes });
    return {
      backend: 'level',
      layout: version === undefined ? LAYOUT_VERSION : decode<number>(version),
      estimatedBytes,
      kind: levelRecordKind,
      next: async () => (await iterator.nextv(BATCH.records)).map(([key, value]) => ({ key, value })),
      close: async () => {
        await iterator.close();
        await snapshot.close();
      },
    };
  } catch (err) {
    await snapshot.close();
    throw err;
  }
}

const RESTORING = 'store.restoring';

/**
 * A new store for a restore: written into `store.restoring` next to where the store
 * goes, and renamed into place only when complete, so an interrupted restore never
 * leaves something that opens as a store. Refused when the data dir already has a
 * store with any record in it.
 */
export async function levelRestoreSink(dataDir: string): Promise<RecordSink> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const location = join(dataDir, 'store');
  if (existsSync(location)) await refuseNonEmpty(location);
  const temp = join(dataDir, RESTORING);
  rmSync(temp, { recursive: true, force: true });
  const db = new ClassicLevel<Buffer, Buffer>(temp, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  return {
    backend: 'level',
    layout: LAYOUT_VERSION,
    write: async (changes: RecordChange[]) => {
      await db.batch(changes.map((c) => (c.value === null ? { type: 'del' as const, key: c.key } : { type: 'put' as const, key: c.key, value: c.value })));
    },
    commit: async () => {
      await db.close();
      // LevelDB syncs its tables but not the last log on close: sync every file, then the rename.
      for (const name of readdirSync(temp)) syncPath(join(temp, name));
      rmSync(location, { recursive: true, force: true });
      renameSync(temp, location);
      syncPath(dataDir);
    },
    abort: async () => {
      await db.close();
      rmSync(temp, { recursive: true, force: true });
    },
  };
}

async function refuseNonEmpty(location: string): Promise<void> {
  const db = new ClassicLevel<string, Buffer>(location, { keyEncoding: 'utf8', valueEncoding: 'buffer', createIfMissing: false });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw new StoreError('locked', `the store in ${location} is in use by a running server; restore only into an empty data dir`);
    throw new StoreError('exists', `${location} exists and is not a store that can be checked (${(err as Error).message}); restore only into an empty data dir`);
  }
  try {
    const any = await db.keys({ limit: 1 }).all();
    if (any.length > 0) throw new StoreError('exists', `the store in ${location} is not empty; restore only into an empty data dir`);
  } finally {
    await db.close();
  }
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
