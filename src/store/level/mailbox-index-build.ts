import type { Mailbox, MailboxId, MessageMeta, MessageState } from '../types.ts';
import { decode } from './codec.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, put, type LevelCore } from './core.ts';
import { FlagTable } from './flag-table.ts';
import { decodeSegment, encodeSegment, SEGMENT_UIDS, segmentOf, SegmentError } from './index-segment.ts';
import { keys, prefixEnd } from './keys.ts';
import { entryOf, readFlagTable } from './mailbox-index.ts';

/**
 * Building a mailbox's index from its message records, in bounded batches: what the
 * v1 → v2 migration (migrate/mailbox-index.ts) and `mailfold store check --repair` call.
 *
 * How a message whose entry is missing or unreadable is recovered from its record:
 * - `as-recorded`: with the record's flags and MODSEQ. Right for a store of layout 1,
 *   whose records hold the current ones; the index then answers exactly as they did.
 * - `fresh` (repair): with the record's flags, those it was added with, and a new
 *   MODSEQ above every other, so that a CONDSTORE client fetches its flags again.
 * An entry that reads well keeps its flags and MODSEQ; its size comes from the record.
 */
export type Recovery = 'as-recorded' | 'fresh';

export interface IndexBuildBatch {
  ops: BatchOp[];
  /** Messages indexed by this batch. */
  entries: number;
  /** Of those, the ones recovered from their records. */
  recovered: number;
  /** The segment the next batch starts at; null when the mailbox is done. */
  next: number | null;
}

/** Records per batch: about one full segment, a few hundred KB of records. */
const BATCH_RECORDS = SEGMENT_UIDS;

/**
 * One batch: the records of whole segments from `fromSegment` on (up to about
 * SEGMENT_UIDS records), written as new segments, the segments of that range that
 * hold no message deleted, the flag table when it grew. Nothing is kept in memory
 * between batches, so a build killed between two commits resumes at `next`.
 * The caller holds the account's lock, or nothing else writes (a migration).
 */
export async function indexBuildBatch(core: LevelCore, mailboxId: MailboxId, fromSegment: number, recovery: Recovery): Promise<IndexBuildBatch> {
  const ops: BatchOp[] = [];
  const segmentPrefix = keys.indexSegmentPrefix(mailboxId);
  let table = await readableTable(core, mailboxId);
  if (!table) {
    // Segments written with a lost table cannot be read: start again from none.
    table = FlagTable.empty();
    table.changed = true;
    for (const key of await core.scanKeys(segmentPrefix)) ops.push(del(key));
    fromSegment = 0;
  }
  const from = keys.message(mailboxId, fromSegment * SEGMENT_UIDS + 1);
  const records = (await core.db.values({ gte: from, lt: prefixEnd(keys.messagePrefix(mailboxId)), limit: BATCH_RECORDS + 1 }).all()).map((v) => decode<MessageMeta>(v));
  const more = records.length > BATCH_RECORDS;
  // The last segment read may go on past the limit: it is the next batch's, unless it is the only one.
  let segments = groupBySegment(records.slice(0, BATCH_RECORDS));
  if (more && segments.length > 1) segments = segments.slice(0, -1);
  const lastSegment = segments.at(-1)?.[0] ?? null;
  const next = more && lastSegment !== null ? lastSegment + 1 : null;

  // The range this batch answers for: its segments and the empty ones between them.
  const rangeEnd = next === null ? prefixEnd(segmentPrefix) : keys.indexSegment(mailboxId, next);
  const existing = ops.length > 0 ? new Map<string, Buffer>() : new Map(await core.db.iterator({ gte: keys.indexSegment(mailboxId, fromSegment), lt: rangeEnd }).all());
  const mailbox = (await core.getMailboxRecord<Mailbox>(keys.mailbox(mailboxId)))!;
  let freshModSeq: number | null = null;
  let entries = 0;
  let recovered = 0;
  for (const [n, group] of segments) {
    const key = keys.indexSegment(mailboxId, n);
    const old = oldEntries(n, existing.get(key), table);
    existing.delete(key);
    const states: MessageState[] = group.map((record) => {
      const kept = old.get(record.uid);
      if (kept) return { uid: record.uid, modSeq: kept.modSeq, size: record.size, flags: kept.flags };
      recovered++;
      const modSeq = recovery === 'as-recorded' ? record.modSeq : (freshModSeq ??= ++mailbox.highestModSeq);
      return { uid: record.uid, modSeq, size: record.size, flags: record.flags };
    });
    entries += states.length;
    ops.push({ type: 'put', key, value: encodeSegment(n, states.map((s) => entryOf(s, table))) });
  }
  for (const key of existing.keys()) ops.push(del(key));
  if (table.changed) ops.push(put(keys.flagTable(mailboxId), table.keywords));
  if (freshModSeq !== null) ops.push(put(keys.mailbox(mailboxId), mailbox));
  return { ops, entries, recovered, next };
}

/**
 * Builds or rebuilds a whole mailbox's index, committing each batch (each synced).
 * The caller holds the account's lock.
 */
export async function buildMailboxIndex(core: LevelCore, mailboxId: MailboxId, recovery: Recovery): Promise<{ entries: number; recovered: number }> {
  const total = { entries: 0, recovered: 0 };
  let segment: number | null = 0;
  while (segment !== null) {
    const batch = await indexBuildBatch(core, mailboxId, segment, recovery);
    await core.commit(batch.ops);
    total.entries += batch.entries;
    total.recovered += batch.recovered;
    segment = batch.next;
  }
  return total;
}

async function readableTable(core: LevelCore, mailboxId: MailboxId): Promise<FlagTable | null> {
  try {
    return await readFlagTable(core, mailboxId);
  } catch (err) {
    if (err instanceof SegmentError) return null;
    throw err;
  }
}

/** What an old segment says, by UID; nothing when it is missing or unreadable. */
function oldEntries(segment: number, value: Buffer | undefined, table: FlagTable): Map<number, { modSeq: number; flags: string[] }> {
  if (value === undefined) return new Map();
  try {
    return new Map(decodeSegment(segment, value, table.size).map((e) => [e.uid, { modSeq: e.modSeq, flags: table.namesOf(e.flags) }]));
  } catch (err) {
    if (err instanceof SegmentError) return new Map();
    throw err;
  }
}

function groupBySegment(records: MessageMeta[]): [number, MessageMeta[]][] {
  const out: [number, MessageMeta[]][] = [];
  for (const record of records) {
    const n = segmentOf(record.uid);
    const last = out.at(-1);
    if (last && last[0] === n) last[1].push(record);
    else out.push([n, [record]]);
  }
  return out;
}
