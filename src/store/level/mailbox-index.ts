import { StoreError, type MailboxId, type MessageState, type Uid } from '../types.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, put, wholeRange, type LevelCore } from './core.ts';
import { FlagTable } from './flag-table.ts';
import { DEFAULT_MAX_KEYWORDS, newKeywords } from '../rules/keywords.ts';
import { decodeSegment, encodeSegment, SegmentError, segmentOf, type IndexEntry } from './index-segment.ts';
import { keys } from './keys.ts';
import { decode } from './codec.ts';

/**
 * The mailbox index (docs/architecture.md, "Mailbox index"): each message's UID,
 * MODSEQ, size and flags, packed in segments of fixed UID ranges, with a per-mailbox
 * flag table. It is the authority for flags and MODSEQs: a flag change rewrites the
 * segments it touches, not the message records, whose `flags` and `modSeq` stay as
 * they were when the message was added. Every writer edits it in the batch that
 * changes the records, under the account's lock.
 */

/** Where a segment's key names its number: after `mbi/<mailbox>/`. */
const segmentNumber = (key: string): number => parseInt(key.slice(key.lastIndexOf('/') + 1), 16);

const corrupt = (mailboxId: MailboxId, err: SegmentError) =>
  new StoreError('invalid', `mailbox ${mailboxId}: its index is damaged (${err.message}); run \`mailfold store check --repair\``);

/** The stored flag table, checked; null when the mailbox has no index (it is being built). */
export async function readFlagTable(core: LevelCore, mailboxId: MailboxId): Promise<FlagTable | null> {
  const raw = await core.db.get(keys.flagTable(mailboxId));
  if (raw === undefined) return null;
  let value: unknown;
  try {
    value = decode<unknown>(raw);
  } catch {
    throw new SegmentError('flag table: not JSON');
  }
  return FlagTable.decode(value);
}

/**
 * The table is read after the segments: it only grows (outside a rebuild), so every id a
 * segment read a moment earlier names is in it. Null when the mailbox was deleted
 * meanwhile (its table goes with it): a reader then sees it empty.
 */
async function tableAfter(core: LevelCore, mailboxId: MailboxId): Promise<FlagTable | null> {
  let table: FlagTable | null;
  try {
    table = await readFlagTable(core, mailboxId);
  } catch (err) {
    if (err instanceof SegmentError) throw corrupt(mailboxId, err);
    throw err;
  }
  if (table || (await core.getMailboxRecord(keys.mailbox(mailboxId))) === null) return table;
  throw new StoreError('invalid', `mailbox ${mailboxId} has no index; run \`mailfold store check --repair\``);
}

const stateOf = (entry: IndexEntry, table: FlagTable): MessageState => ({ uid: entry.uid, modSeq: entry.modSeq, size: entry.size, flags: table.namesOf(entry.flags) });

/** Every message of the mailbox, ascending by UID: one range read of its segments. */
export async function readMailboxIndex(core: LevelCore, mailboxId: MailboxId): Promise<MessageState[]> {
  const segments = await core.db.iterator(wholeRange(keys.indexSegmentPrefix(mailboxId))).all();
  const table = await tableAfter(core, mailboxId);
  const out: MessageState[] = [];
  if (!table) return out;
  try {
    for (const [key, value] of segments) for (const entry of decodeSegment(segmentNumber(key), value, table.size)) out.push(stateOf(entry, table));
  } catch (err) {
    if (err instanceof SegmentError) throw corrupt(mailboxId, err);
    throw err;
  }
  return out;
}

/** The messages of `uids` that exist, by UID: only their segments are read. */
export async function readIndexEntries(core: LevelCore, mailboxId: MailboxId, uids: readonly Uid[]): Promise<Map<Uid, MessageState>> {
  const wanted = new Set(uids);
  const numbers = [...new Set(uids.map(segmentOf))];
  const values = await core.db.getMany(numbers.map((n) => keys.indexSegment(mailboxId, n)));
  const out = new Map<Uid, MessageState>();
  if (values.every((v) => v === undefined)) return out;
  const table = await tableAfter(core, mailboxId);
  if (!table) return out;
  try {
    for (const [i, value] of values.entries()) {
      if (value === undefined) continue;
      for (const entry of decodeSegment(numbers[i]!, value, table.size)) if (wanted.has(entry.uid)) out.set(entry.uid, stateOf(entry, table));
    }
  } catch (err) {
    if (err instanceof SegmentError) throw corrupt(mailboxId, err);
    throw err;
  }
  return out;
}

/**
 * The changes one batch makes to a mailbox's index: the segments it touches are read
 * once (`load`), edited in memory, and written back by `ops()`, a segment emptied
 * being deleted. The caller holds the account's lock from `load` until its commit.
 */
export class IndexEdit {
  readonly #core: LevelCore;
  readonly mailboxId: MailboxId;
  #table: FlagTable | null = null;
  readonly #segments = new Map<number, Map<Uid, MessageState>>();
  readonly #dirty = new Set<number>();

  constructor(core: LevelCore, mailboxId: MailboxId) {
    this.#core = core;
    this.mailboxId = mailboxId;
  }

  /** Reads the segments of these UIDs that this edit has not read yet. */
  async load(uids: readonly Uid[]): Promise<void> {
    const numbers = [...new Set(uids.map(segmentOf))].filter((n) => !this.#segments.has(n));
    if (numbers.length === 0) return;
    const values = await this.#core.db.getMany(numbers.map((n) => keys.indexSegment(this.mailboxId, n)));
    const table = this.#table ?? (await tableAfter(this.#core, this.mailboxId));
    if (!table) throw new StoreError('not-found', `no such mailbox id ${this.mailboxId}`);
    this.#table = table;
    try {
      for (const [i, n] of numbers.entries()) {
        const value = values[i];
        const entries = value === undefined ? [] : decodeSegment(n, value, table.size);
        this.#segments.set(n, new Map(entries.map((e) => [e.uid, stateOf(e, table)])));
      }
    } catch (err) {
      if (err instanceof SegmentError) throw corrupt(this.mailboxId, err);
      throw err;
    }
  }

  /** A loaded message's state; undefined when it is not in the mailbox. */
  get(uid: Uid): MessageState | undefined {
    return this.#loaded(uid).get(uid);
  }

  /** Throws `limit` (rules/keywords.ts), before anything changes, when the state brings a keyword the table has no room for. */
  set(state: MessageState): void {
    const table = this.#table!;
    for (const keyword of newKeywords({ has: (k) => table.has(k), size: table.keywordCount }, state.flags, this.#core.options.maxKeywords ?? DEFAULT_MAX_KEYWORDS)) table.idOf(keyword);
    const n = segmentOf(state.uid);
    this.#loaded(state.uid).set(state.uid, state);
    this.#dirty.add(n);
  }

  delete(uid: Uid): void {
    if (this.#loaded(uid).delete(uid)) this.#dirty.add(segmentOf(uid));
  }

  /** The puts and deletes of the touched segments, and of the flag table when it grew. */
  ops(): BatchOp[] {
    const ops: BatchOp[] = [];
    const table = this.#table;
    if (!table) return ops;
    for (const n of this.#dirty) {
      const key = keys.indexSegment(this.mailboxId, n);
      const states = [...this.#segments.get(n)!.values()].sort((a, b) => a.uid - b.uid);
      ops.push(states.length === 0 ? del(key) : { type: 'put', key, value: encodeSegment(n, states.map((s) => entryOf(s, table))) });
    }
    if (table.changed) ops.push(put(keys.flagTable(this.mailboxId), table.keywords));
    return ops;
  }

  #loaded(uid: Uid): Map<Uid, MessageState> {
    const segment = this.#segments.get(segmentOf(uid));
    if (!segment) throw new Error(`mailbox index: uid ${uid} used before its segment was loaded`);
    return segment;
  }
}

export const entryOf = (state: MessageState, table: FlagTable): IndexEntry => ({ uid: state.uid, modSeq: state.modSeq, size: state.size, flags: state.flags.map((f) => table.idOf(f)) });

/** The edits of one batch, one per mailbox it touches. */
export class IndexEdits {
  readonly #core: LevelCore;
  readonly #edits = new Map<MailboxId, IndexEdit>();

  constructor(core: LevelCore) {
    this.#core = core;
  }

  /** The mailbox's edit with the segments of `uids` loaded. */
  async of(mailboxId: MailboxId, uids: readonly Uid[]): Promise<IndexEdit> {
    let edit = this.#edits.get(mailboxId);
    if (!edit) this.#edits.set(mailboxId, (edit = new IndexEdit(this.#core, mailboxId)));
    await edit.load(uids);
    return edit;
  }

  ops(): BatchOp[] {
    return [...this.#edits.values()].flatMap((edit) => edit.ops());
  }
}

/** A new mailbox's index: an empty flag table, which also says the index is complete. */
export const newIndexOps = (mailboxId: MailboxId): BatchOp[] => [put(keys.flagTable(mailboxId), [])];

/** Every key of a mailbox's index, for its removal. */
export async function indexRemovalOps(core: LevelCore, mailboxId: MailboxId): Promise<BatchOp[]> {
  const segments = await core.scanKeys(keys.indexSegmentPrefix(mailboxId));
  return [...segments.map(del), del(keys.flagTable(mailboxId))];
}
