import type { FetchSummary } from '../../mime/fetch-summary.ts';
import { planAppends, type AppendItem } from '../rules/append.ts';
import { changeFlags, nextModSeq, recentClaim, releaseMessage, transferMessages } from '../rules/mailbox.ts';
import { checkDeletable, normalizeMailboxName, renamePlan, validateMailboxName } from '../rules/names.ts';
import { QuotaTally } from '../rules/quota.ts';
import { importMark } from '../rules/import-marks.ts';
import type { Release } from '../rules/references.ts';
import {
  StoreError,
  type AccountId,
  type AppendOutcome,
  type AppendTarget,
  type BlobId,
  type BlobMeta,
  type BodyRange,
  type BodyReader,
  type CopyOutcome,
  type Directory,
  type FlagOperation,
  type ImportMarks,
  type Mailbox,
  type MailboxId,
  type MailStore,
  type MessageLesson,
  type AccountLessons,
  type MessageMeta,
  type MessageState,
  type MetadataEntry,
  type MetadataLimits,
  type MetadataOutcome,
  type ModSeq,
  type NewBlob,
  type SpecialUse,
  type StoreEvent,
  type Uid,
} from '../types.ts';
import { LevelBodyReader, lazyBlob, type ReadAheadLimits } from './body-reader.ts';
import { Coalescer } from '../coalescer.ts';
import { decode } from './codec.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, locks, mark, put, wholeRange, type LevelCore } from './core.ts';
import { keys } from './keys.ts';
import { IndexEdits, readIndexEntries, readMailboxIndex } from './mailbox-index.ts';
import { freeBlobOps, listMailboxes, listMessageRecords, mailboxRemovalOps, newMailboxOps } from './mailbox-records.ts';
import { lessonOps } from './spam.ts';
import { lessonsAbout } from '../rules/spam.ts';

/** Read-ahead of a BodyReader: enough for a few hundred small messages per round trip, little memory. */
const READ_AHEAD: ReadAheadLimits = { maxBytes: 2 << 20, maxRanges: 256 };

/** Mailboxes, messages, bodies, flags and expunges in LevelDB. */
export class LevelMail implements MailStore {
  readonly #core: LevelCore;
  /** Quotas belong to accounts. */
  readonly #accounts: Pick<Directory, 'getAccountById' | 'accountUsage'>;
  readonly #appends = new Coalescer<AppendItem, AppendOutcome[]>((items) => this.#appendItems(items, false));

  constructor(core: LevelCore, accounts: Pick<Directory, 'getAccountById' | 'accountUsage'>) {
    this.#core = core;
    this.#accounts = accounts;
  }

  on(listener: (event: StoreEvent) => void): () => void {
    return this.#core.on(listener);
  }

  // Mailboxes

  listMailboxes(accountId: AccountId): Promise<Mailbox[]> {
    return listMailboxes(this.#core, accountId);
  }

  async getMailbox(accountId: AccountId, name: string): Promise<Mailbox | null> {
    const id = await this.#core.getMailboxRecord<MailboxId>(keys.mailboxName(accountId, normalizeMailboxName(name)));
    return id === null ? null : this.getMailboxById(id);
  }

  getMailboxById(id: MailboxId): Promise<Mailbox | null> {
    return this.#core.getMailboxRecord<Mailbox>(keys.mailbox(id));
  }

  async createMailbox(accountId: AccountId, rawName: string, opts: { specialUse?: SpecialUse | null; subscribed?: boolean } = {}): Promise<Mailbox> {
    const name = normalizeMailboxName(rawName);
    validateMailboxName(name);
    return this.#core.locks.withLocks([locks.account(accountId)], async () => {
      if (!(await this.#accounts.getAccountById(accountId))) throw new StoreError('not-found', `no such account id ${accountId}`);
      if (await this.getMailbox(accountId, name)) throw new StoreError('exists', `mailbox ${name} already exists`);
      const { mailbox, ops } = newMailboxOps(this.#core, accountId, name, opts.specialUse ?? null, opts.subscribed ?? false);
      await this.#core.commit([...ops, this.#core.countersOp()]);
      this.#core.emit({ type: 'mailboxes', accountId });
      return mailbox;
    });
  }

  async renameMailbox(accountId: AccountId, rawFrom: string, rawTo: string): Promise<void> {
    const from = normalizeMailboxName(rawFrom);
    const to = normalizeMailboxName(rawTo);
    await this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const ops: BatchOp[] = [];
      for (const { mailbox, newName } of renamePlan(await this.listMailboxes(accountId), from, to)) {
        ops.push(del(keys.mailboxName(accountId, mailbox.name)));
        ops.push(put(keys.mailboxName(accountId, newName), mailbox.id));
        // A subscription is a name: it stays on the old one (RFC 3501 6.3.9: never removed unasked), as in Dovecot.
        ops.push(put(keys.mailbox(mailbox.id), { ...mailbox, name: newName, subscribed: false }));
        if (mailbox.subscribed) ops.push(put(keys.subscription(accountId, mailbox.name), true));
      }
      await this.#core.commit(ops);
    });
    this.#core.emit({ type: 'mailboxes', accountId });
  }

  async deleteMailbox(accountId: AccountId, rawName: string, opts: { keepChildren?: boolean } = {}): Promise<void> {
    const name = normalizeMailboxName(rawName);
    await this.#core.locks.withLocks([locks.account(accountId), locks.blobs], async () => {
      const all = await this.listMailboxes(accountId);
      checkDeletable(all, name, opts.keepChildren ?? false);
      const mailbox = all.find((m) => m.name === name)!;
      const removal = await mailboxRemovalOps(this.#core, mailbox);
      // A subscription is a name, not a flag of the mailbox: it outlives the mailbox (RFC 3501 6.3.9).
      if (mailbox.subscribed) removal.ops.push(put(keys.subscription(accountId, name), true));
      await this.#core.commit([...removal.ops, ...(await freeBlobOps(this.#core, removal.released))]);
    });
    this.#core.emit({ type: 'mailboxes', accountId });
  }

  async setSubscribed(accountId: AccountId, name: string, subscribed: boolean): Promise<void> {
    await this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const mailbox = await this.getMailbox(accountId, name);
      const orphan = keys.subscription(accountId, normalizeMailboxName(name));
      // Only an existing mailbox can be subscribed (as Dovecot); a name kept after DELETE can be unsubscribed.
      if (!mailbox && (subscribed || (await this.#core.db.get(orphan)) === undefined)) throw new StoreError('not-found', `no such mailbox: ${name}`);
      const ops: BatchOp[] = [];
      if (mailbox) ops.push(put(keys.mailbox(mailbox.id), { ...mailbox, subscribed }));
      if (!subscribed) ops.push(del(orphan));
      await this.#core.commit(ops);
    });
  }

  // Subscriptions and \Recent (issue 14).

  async listSubscriptions(accountId: AccountId): Promise<string[]> {
    const kept = (await this.#core.scanKeys(keys.subscriptionPrefix(accountId))).map((k) => k.slice(keys.subscriptionPrefix(accountId).length));
    const flagged = (await this.listMailboxes(accountId)).filter((m) => m.subscribed).map((m) => m.name);
    return [...new Set([...flagged, ...kept])];
  }

  async claimRecent(mailboxId: MailboxId, upTo: Uid): Promise<Uid> {
    const owner = await this.getMailboxById(mailboxId);
    if (!owner) return upTo + 1;
    return this.#core.locks.withLocks([locks.account(owner.accountId)], async () => {
      const mailbox = await this.getMailboxById(mailboxId);
      const claim = mailbox ? recentClaim(mailbox, upTo) : null;
      if (!claim) return upTo + 1;
      // Not synced: a claim lost in a crash only shows those messages recent once more,
      // and a SELECT should not wait for an fsync. Every other writer of the record holds this lock.
      await this.#core.writeUnsynced([put(keys.mailbox(mailboxId), { ...mailbox, recentFrom: claim.recentFrom })]);
      return claim.first;
    });
  }

  // Appends

  /**
   * Appends arriving while another group of appends is being written go together
   * in the next group: one lock round and one synced batch for all of them, so
   * sessions delivering to the same account share an fsync instead of queueing on
   * its lock one commit at a time. Each caller is answered after that batch is synced.
   */
  append(blob: NewBlob, targets: AppendTarget[], opts: { enforceQuota: boolean }): Promise<AppendOutcome[]> {
    return this.#appends.submit({ blob, targets, enforceQuota: opts.enforceQuota });
  }

  appendMany(
    items: { blob: NewBlob; targets: AppendTarget[] }[],
    opts: { enforceQuota: boolean; atomic: boolean; importMarks?: ImportMarks; learning?: AccountLessons },
  ): Promise<AppendOutcome[][]> {
    return this.#appendItems(
      items.map((item) => ({ ...item, enforceQuota: opts.enforceQuota })),
      opts.atomic,
      opts.importMarks ? importMarkOps(opts.importMarks) : [],
      opts.learning,
    );
  }

  async #appendItems(items: AppendItem[], atomic: boolean, extraOps: BatchOp[] = [], learning?: AccountLessons): Promise<AppendOutcome[][]> {
    // The learning account's lock is held too: its counts are read and rewritten in this batch.
    const accountIds = [...new Set([...items.flatMap((item) => item.targets.map((t) => t.accountId)), ...(learning ? [learning.accountId] : [])])];
    const { outcomes, events } = await this.#core.locks.withLocks(accountIds.map(locks.account), async () => {
      const plan = await planAppends(items, { mailbox: (id) => this.getMailboxById(id), quota: this.#quotaTally() }, { atomic, now: Date.now() });
      if (!plan.write) return { outcomes: plan.outcomes, events: [] };
      const ops: BatchOp[] = [...extraOps];
      const index = new IndexEdits(this.#core);
      for (const { blobId, blob, messages } of plan.bodies) {
        for (const message of messages) {
          (await index.of(message.mailboxId, [message.uid])).set({ uid: message.uid, modSeq: message.modSeq, size: message.size, flags: message.flags });
          ops.push(put(keys.message(message.mailboxId, message.uid), message), mark(keys.ref(blobId, message.mailboxId, message.uid)));
        }
        ops.push(...this.#blobOps(blobId, blob));
        // Full-text index hook: the body's trigrams go in the batch that stores it.
        ops.push(...this.#core.searchIndex.indexOps(blobId, blob, messages.map((m) => m.prefix)));
      }
      for (const mailbox of plan.mailboxes) ops.push(put(keys.mailbox(mailbox.id), mailbox));
      if (learning) ops.push(...(await lessonOps(this.#core, learning.accountId, learning.lessons)).ops);
      await this.#core.commit([...ops, ...index.ops()]);
      return { outcomes: plan.outcomes, events: plan.events };
    });
    for (const event of events) this.#core.emit(event);
    return outcomes;
  }

  /** The quota rule (rules/quota.ts) for one batch: accounts and usage read once, what the batch adds counted. */
  #quotaTally(): QuotaTally {
    return new QuotaTally({ account: (id) => this.#accounts.getAccountById(id), usage: (id) => this.#accounts.accountUsage(id) });
  }

  #blobOps(blobId: BlobId, blob: NewBlob): BatchOp[] {
    const { chunkSize } = this.#core.options;
    const chunks = Math.ceil(blob.raw.length / chunkSize);
    const { text, ...index } = blob.index;
    // The head fields first: body-reader.ts reads them without parsing the index when they lead.
    const meta: BlobMeta = { id: blobId, size: blob.raw.length, chunkSize, chunks, headerEnd: index.root.header.end, index };
    const ops: BatchOp[] = [put(keys.blob(blobId), meta), put(keys.blobText(blobId), text), put(keys.blobSummary(blobId), blob.summary)];
    for (let i = 0; i < chunks; i++) {
      ops.push({ type: 'put', key: keys.chunk(blobId, i), value: blob.raw.subarray(i * chunkSize, (i + 1) * chunkSize) });
    }
    return ops;
  }

  // Reading

  /** The records with the flags and MODSEQs of the index; a message missing from either was expunged meanwhile. */
  async listMessages(mailboxId: MailboxId): Promise<MessageMeta[]> {
    const records = await listMessageRecords(this.#core, mailboxId);
    const states = await readMailboxIndex(this.#core, mailboxId);
    const out: MessageMeta[] = [];
    let i = 0;
    for (const record of records) {
      while (i < states.length && states[i]!.uid < record.uid) i++;
      const state = states[i];
      if (state?.uid === record.uid) out.push(current(record, state));
    }
    return out;
  }

  async getMessage(mailboxId: MailboxId, uid: Uid): Promise<MessageMeta | null> {
    return (await this.getMessages(mailboxId, [uid]))[0] ?? null;
  }

  async getMessages(mailboxId: MailboxId, uids: Uid[]): Promise<(MessageMeta | null)[]> {
    const records = await this.#core.getMany<MessageMeta>(uids.map((uid) => keys.message(mailboxId, uid)));
    const present = uids.filter((_, i) => records[i] !== null);
    const states = present.length === 0 ? new Map<Uid, MessageState>() : await readIndexEntries(this.#core, mailboxId, present);
    return records.map((record) => {
      const state = record && states.get(record.uid);
      return record && state ? current(record, state) : null;
    });
  }

  async messageStates(mailboxId: MailboxId, uids?: Uid[]): Promise<MessageState[]> {
    if (!uids) return readMailboxIndex(this.#core, mailboxId);
    const found = await readIndexEntries(this.#core, mailboxId, uids);
    return [...found.values()].sort((a, b) => a.uid - b.uid);
  }

  async getBlob(blobId: BlobId): Promise<BlobMeta | null> {
    const record = await this.#core.db.get(keys.blob(blobId));
    return record === undefined ? null : lazyBlob(record);
  }

  async getBlobs(blobIds: BlobId[]): Promise<(BlobMeta | null)[]> {
    const records = await this.#core.db.getMany(blobIds.map(keys.blob));
    return records.map((r) => (r === undefined ? null : lazyBlob(r)));
  }

  getFetchSummaries(blobIds: BlobId[]): Promise<(FetchSummary | null)[]> {
    return this.#core.getMany<FetchSummary>(blobIds.map(keys.blobSummary));
  }

  async getSearchText(blobId: BlobId): Promise<string> {
    return (await this.#core.get<string>(keys.blobText(blobId))) ?? '';
  }

  async getSearchTexts(blobIds: BlobId[]): Promise<string[]> {
    return (await this.#core.getMany<string>(blobIds.map(keys.blobText))).map((t) => t ?? '');
  }

  bodyReader(ranges: readonly BodyRange[]): BodyReader {
    return new LevelBodyReader(this.#core.db, ranges, READ_AHEAD);
  }

  readMessage(message: MessageMeta, start = 0, end = message.size): AsyncGenerator<Buffer> {
    return this.bodyReader([]).read(message, start, end);
  }

  // Changes

  copyMessages(from: MailboxId, uids: Uid[], to: MailboxId, opts: { enforceQuota: boolean; lessons?: MessageLesson[] }): Promise<CopyOutcome> {
    return this.#transfer(from, uids, to, { move: false, enforceQuota: opts.enforceQuota, lessons: opts.lessons ?? [] });
  }

  /** A move is not counted against the quota: the account's usage does not grow. */
  moveMessages(from: MailboxId, uids: Uid[], to: MailboxId, opts: { lessons?: MessageLesson[] } = {}): Promise<CopyOutcome> {
    return this.#transfer(from, uids, to, { move: true, enforceQuota: false, lessons: opts.lessons ?? [] });
  }

  /** Spam learning (issue 15) of the messages a change touched, as operations of that change's batch; under the account's lock. */
  async #lessonOps(accountId: AccountId, lessons: MessageLesson[], touched: Uid[]): Promise<BatchOp[]> {
    const about = lessonsAbout(lessons, touched);
    return about.length === 0 ? [] : (await lessonOps(this.#core, accountId, about)).ops;
  }

  /**
   * COPY and MOVE. No blob lock is needed: every body involved keeps a reference
   * (the source's, held under this account's lock) until the batch that adds the
   * new references commits, so no expunge elsewhere can free it meanwhile.
   */
  async #transfer(fromId: MailboxId, uids: Uid[], toId: MailboxId, opts: { move: boolean; enforceQuota: boolean; lessons: MessageLesson[] }): Promise<CopyOutcome> {
    const owner = await this.getMailboxById(fromId);
    if (!owner) return { ok: false, reason: 'no-mailbox', detail: `mailbox ${fromId} does not exist` };
    const { outcome, events } = await this.#core.locks.withLocks([locks.account(owner.accountId)], async () => {
      const events: StoreEvent[] = [];
      const source = await this.getMailboxById(fromId);
      const loaded = await this.getMailboxById(toId);
      if (!source || !loaded || loaded.accountId !== source.accountId) {
        return { outcome: { ok: false, reason: 'no-mailbox', detail: `mailbox ${toId} does not exist` } as CopyOutcome, events };
      }
      // One record when source and target are the same mailbox, so both sides' counters add up.
      const target = loaded.id === source.id ? source : loaded;
      const sorted = [...new Set(uids)].sort((a, b) => a - b);
      const messages = (await this.getMessages(fromId, sorted)).filter((m): m is MessageMeta => m !== null);
      const problem = opts.enforceQuota ? await this.#quotaTally().problemOfAll(target.accountId, messages.map((m) => m.size)) : null;
      if (problem) return { outcome: { ok: false, reason: 'quota', detail: problem } as CopyOutcome, events };
      if (messages.length === 0) return { outcome: { ok: true, uidValidity: target.uidValidity, copies: [] } as CopyOutcome, events };
      const ops: BatchOp[] = [];
      const index = new IndexEdits(this.#core);
      const moved = transferMessages(source, target, messages, opts.move, Date.now());
      const targetIndex = await index.of(target.id, moved.copies.map((c) => c.uid));
      for (const copy of moved.copies) {
        ops.push(put(keys.message(target.id, copy.uid), copy), mark(keys.ref(copy.blobId, target.id, copy.uid)));
        targetIndex.set({ uid: copy.uid, modSeq: copy.modSeq, size: copy.size, flags: copy.flags });
      }
      events.push({ type: 'append', accountId: target.accountId, mailboxId: target.id, uids: moved.copies.map((c) => c.uid), modSeq: moved.modSeq });
      if (moved.expungeModSeq !== null) {
        const modSeq = moved.expungeModSeq;
        const sourceIndex = await index.of(fromId, messages.map((m) => m.uid));
        for (const message of messages) {
          ops.push(del(keys.message(fromId, message.uid)), del(keys.ref(message.blobId, fromId, message.uid)), put(keys.expunged(fromId, message.uid), modSeq));
          sourceIndex.delete(message.uid);
        }
        events.push({ type: 'expunge', accountId: source.accountId, mailboxId: fromId, uids: messages.map((m) => m.uid), modSeq });
      }
      ops.push(put(keys.mailbox(target.id), target));
      if (source !== target) ops.push(put(keys.mailbox(source.id), source));
      ops.push(...(await this.#lessonOps(source.accountId, opts.lessons, messages.map((m) => m.uid))));
      await this.#core.commit([...ops, ...index.ops()]);
      const copies = moved.copies.map((copy, k) => ({ from: messages[k]!.uid, to: copy.uid }));
      return { outcome: { ok: true, uidValidity: target.uidValidity, copies } as CopyOutcome, events };
    });
    for (const event of events) this.#core.emit(event);
    return outcome;
  }

  /** Only the index changes: the segments holding these UIDs, not the message records. */
  async storeFlags(mailboxId: MailboxId, uids: Uid[], op: FlagOperation, flags: string[], unchangedSince?: ModSeq, lessons: MessageLesson[] = []): Promise<MessageState[]> {
    const owner = await this.getMailboxById(mailboxId);
    if (!owner) throw new StoreError('not-found', `no such mailbox id ${mailboxId}`);
    const { changed, modSeq } = await this.#core.locks.withLocks([locks.account(owner.accountId)], async () => {
      const mailbox = (await this.getMailboxById(mailboxId))!;
      const index = new IndexEdits(this.#core);
      const edit = await index.of(mailboxId, uids);
      // Each message once, or a UID named twice would count twice in the unseen counter.
      const states = [...new Set(uids)].map((uid) => edit.get(uid)).filter((m): m is MessageState => m !== undefined);
      const changed = changeFlags(mailbox, states, op, flags, unchangedSince);
      if (changed.length > 0) {
        for (const state of changed) edit.set(state);
        const learning = await this.#lessonOps(mailbox.accountId, lessons, changed.map((m) => m.uid));
        await this.#core.commit([...index.ops(), put(keys.mailbox(mailboxId), mailbox), ...learning]);
      }
      return { changed, modSeq: mailbox.highestModSeq };
    });
    if (changed.length > 0) {
      this.#core.emit({ type: 'flags', accountId: owner.accountId, mailboxId, uids: changed.map((m) => m.uid), modSeq });
    }
    return changed;
  }

  async expunge(mailboxId: MailboxId, uids: Uid[]): Promise<Uid[]> {
    const owner = await this.getMailboxById(mailboxId);
    if (!owner) throw new StoreError('not-found', `no such mailbox id ${mailboxId}`);
    const { expunged, modSeq } = await this.#core.locks.withLocks([locks.account(owner.accountId), locks.blobs], async () => {
      const mailbox = (await this.getMailboxById(mailboxId))!;
      const messages = (await this.getMessages(mailboxId, uids)).filter((m): m is MessageMeta => m !== null);
      if (messages.length === 0) return { expunged: [], modSeq: mailbox.highestModSeq };
      const modSeq = nextModSeq(mailbox);
      const ops: BatchOp[] = [];
      const released: Release[] = [];
      const index = new IndexEdits(this.#core);
      const edit = await index.of(mailboxId, messages.map((m) => m.uid));
      for (const message of messages) {
        const ref = keys.ref(message.blobId, mailboxId, message.uid);
        edit.delete(message.uid);
        ops.push(del(keys.message(mailboxId, message.uid)), del(ref), put(keys.expunged(mailboxId, message.uid), modSeq));
        released.push({ blobId: message.blobId, ref });
        releaseMessage(mailbox, message);
      }
      ops.push(put(keys.mailbox(mailboxId), mailbox), ...index.ops(), ...(await freeBlobOps(this.#core, released)));
      await this.#core.commit(ops);
      return { expunged: messages.map((m) => m.uid), modSeq };
    });
    if (expunged.length > 0) this.#core.emit({ type: 'expunge', accountId: owner.accountId, mailboxId, uids: expunged, modSeq });
    return expunged;
  }

  async expungedSince(mailboxId: MailboxId, since: ModSeq): Promise<Uid[]> {
    const out: Uid[] = [];
    const prefix = keys.expungedPrefix(mailboxId);
    for (const [key, value] of await this.#core.db.iterator(wholeRange(prefix)).all()) {
      if (decode<number>(value) > since) out.push(parseInt(key.slice(prefix.length), 16));
    }
    return out;
  }

  // Import state (transfer/): marks written with the imported messages, in appendMany's batch.

  async importedMarks(accountId: AccountId, marks: string[]): Promise<boolean[]> {
    const found = await this.#core.db.getMany(marks.map((m) => keys.importMark(accountId, importMark(m))));
    return found.map((value) => value !== undefined);
  }

  // IMAP METADATA (RFC 5464): its own key prefix `mdt/`; the server's entries under mailbox 0.

  async listMetadata(accountId: AccountId, mailboxId: MailboxId | null): Promise<MetadataEntry[]> {
    const prefix = keys.metadataPrefix(accountId, mailboxId ?? 0);
    const rows = await this.#core.db.iterator(wholeRange(prefix)).all();
    return rows.map(([key, value]) => ({ entry: key.slice(prefix.length), value: Buffer.from(decode<string>(value), 'base64') }));
  }

  async setMetadata(accountId: AccountId, mailboxId: MailboxId | null, changes: { entry: string; value: Buffer | null }[], limits: MetadataLimits): Promise<MetadataOutcome> {
    return this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const prefix = keys.metadataPrefix(accountId);
      const live = new Set((await this.listMailboxes(accountId)).map((m) => m.id));
      // What an entry costs: its name and its value (keys here are ASCII: entry names are).
      const cost = (key: string, valueBytes: number) => key.length - prefix.length + valueBytes;
      const sizes = new Map<string, number>();
      const ops: BatchOp[] = [];
      for (const [key, value] of await this.#core.db.iterator(wholeRange(prefix)).all()) {
        const owner = parseInt(key.slice(prefix.length, prefix.length + 8), 16);
        if (owner === 0 || live.has(owner)) sizes.set(key, cost(key, Buffer.byteLength(decode<string>(value), 'base64')));
        else ops.push(del(key));
      }
      for (const { entry, value } of changes) {
        const key = keys.metadata(accountId, mailboxId ?? 0, entry);
        if (value === null) {
          sizes.delete(key);
          ops.push(del(key));
        } else {
          sizes.set(key, cost(key, value.length));
          ops.push(put(key, value.toString('base64')));
        }
      }
      if (sizes.size > limits.maxEntries) return { ok: false, reason: 'too-many' } as const;
      if ([...sizes.values()].reduce((a, b) => a + b, 0) > limits.maxBytes) return { ok: false, reason: 'too-big' } as const;
      await this.#core.commit(ops);
      return { ok: true } as const;
    });
  }
}

function importMarkOps({ accountId, marks }: ImportMarks): BatchOp[] {
  return marks.map((m) => mark(keys.importMark(accountId, importMark(m))));
}

/** A record with its current flags and MODSEQ, from the index (the record is a fresh decode, ours to change). */
function current(record: MessageMeta, state: MessageState): MessageMeta {
  record.flags = state.flags;
  record.modSeq = state.modSeq;
  return record;
}
