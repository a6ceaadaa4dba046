import type { CheckProblem, Mailbox, MailboxId, MessageState, Uid } from '../types.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, type LevelCore } from './core.ts';
import { decodeSegment, SegmentError } from './index-segment.ts';
import { keys, prefixEnd } from './keys.ts';
import { readFlagTable } from './mailbox-index.ts';
import { buildMailboxIndex } from './mailbox-index-build.ts';

/** A mailbox's index as far as it reads: the entries of the segments that decode, and what did not. */
export interface IndexReading {
  entries: Map<Uid, MessageState>;
  damage: string[];
}

/** Reads a mailbox's index without giving up at the first bad segment, for the store check. */
export async function readIndexForCheck(core: LevelCore, mailboxId: MailboxId): Promise<IndexReading> {
  const reading: IndexReading = { entries: new Map(), damage: [] };
  let table;
  try {
    table = await readFlagTable(core, mailboxId);
  } catch (err) {
    if (!(err instanceof SegmentError)) throw err;
    reading.damage.push(err.message);
    return reading;
  }
  if (!table) {
    reading.damage.push('no flag table: the index is missing');
    return reading;
  }
  const prefix = keys.indexSegmentPrefix(mailboxId);
  for await (const [key, value] of core.db.iterator({ gte: prefix, lt: prefixEnd(prefix) })) {
    const number = key.slice(prefix.length);
    if (!/^[0-9a-f]{8}$/.test(number)) {
      reading.damage.push(`a key ${key} that names no segment`);
      continue;
    }
    try {
      for (const e of decodeSegment(parseInt(number, 16), value, table.size)) reading.entries.set(e.uid, { uid: e.uid, modSeq: e.modSeq, size: e.size, flags: table.namesOf(e.flags) });
    } catch (err) {
      if (!(err instanceof SegmentError)) throw err;
      reading.damage.push(err.message);
    }
  }
  return reading;
}

/**
 * A mailbox's index against its message records (UID and size of each), after the
 * check's repair of the records. With `repair` a mailbox whose index differs is
 * rebuilt from its records in bounded batches; an entry that reads well keeps its
 * flags and MODSEQ, one that was lost gets its record's flags and a new MODSEQ.
 */
export async function checkMailboxIndex(core: LevelCore, mailbox: Mailbox, reading: IndexReading, records: Map<Uid, number>, repair: boolean): Promise<CheckProblem[]> {
  const where = `mailbox ${mailbox.name} (id ${mailbox.id}) index`;
  const found = reading.damage.map((d) => `${where}: ${d}`);
  const missing = [...records.keys()].filter((uid) => !reading.entries.has(uid));
  const extra = [...reading.entries.keys()].filter((uid) => !records.has(uid));
  const sizes = [...records].filter(([uid, size]) => reading.entries.has(uid) && reading.entries.get(uid)!.size !== size);
  if (missing.length > 0) found.push(`${where}: ${missing.length} message(s) missing, UIDs ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '...' : ''}`);
  if (extra.length > 0) found.push(`${where}: ${extra.length} entr(y/ies) for no message, UIDs ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? '...' : ''}`);
  if (sizes.length > 0) found.push(`${where}: ${sizes.length} size(s) differ from the records, UIDs ${sizes.slice(0, 5).map(([uid]) => uid).join(', ')}`);
  if (found.length === 0) return [];
  if (repair) await buildMailboxIndex(core, mailbox.id, 'fresh');
  return found.map((what) => ({ what, repaired: repair }));
}

/** Index keys (segments, flag tables) of mailboxes that do not exist. */
export async function orphanIndexKeys(core: LevelCore, live: ReadonlySet<MailboxId>): Promise<{ key: string; fix: BatchOp }[]> {
  const out: { key: string; fix: BatchOp }[] = [];
  for (const prefix of [keys.indexSegmentAll, keys.flagTableAll]) {
    for await (const key of core.db.keys({ gte: prefix, lt: prefixEnd(prefix) })) {
      if (!live.has(parseInt(key.slice(prefix.length, prefix.length + 8), 16))) out.push({ key, fix: del(key) });
    }
  }
  return out;
}
