import type { FetchSummary } from '../../mime/fetch-summary.ts';
import { applyFlags, sameFlags } from '../flags.ts';
import { planAppends, type AppendItem } from '../rules/append.ts';
import { admitKeywords, knownKeywords } from './keywords.ts';
import { isSystemFlag, newKeywords } from '../rules/keywords.ts';
import { importMark } from '../rules/import-marks.ts';
import { nextModSeq, releaseMessage, transferMessages, unseenDelta } from '../rules/mailbox.ts';
import { checkDeletable, normalizeMailboxName, renamePlan, validateMailboxName } from '../rules/names.ts';
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
  type FlagOperation,
  type ImportMarks,
  type Mailbox,
  type MailboxId,
  type MailStore,
  type MessageMeta,
  type MessageState,
  type MessageLesson,
  type AccountLessons,
  type MetadataEntry,
  type MetadataLimits,
  type MetadataOutcome,
  type ModSeq,
  type NewBlob,
  type SpecialUse,
  type StoreEvent,
  type Uid,
} from '../types.ts';
import { Coalescer } from '../coalescer.ts';
import { PgBodyReader } from './body-reader.ts';
import { blobRow, sendBlobs, type BlobRow } from './blob-rows.ts';
import { listMetadata, setMetadata } from './metadata.ts';
import { quotaTally } from './quota-check.ts';
import type { PgCore, Tx } from './core.ts';
import { freeBlobs, insertMailbox, lockAccounts, lockCounters, lockMailboxes, refOf, saveCounters, saveMailbox } from './mailbox-rows.ts';
import { learnInTx } from './spam.ts';
import { lessonsAbout } from '../rules/spam.ts';
import { messageRow, toMailbox, toMessage, type MailboxRow, type MessageRow } from './rows.ts';


/** Mailboxes, messages, bodies, flags and expunges in PostgreSQL; the rules come from store/rules/. */
export class PgMail implements MailStore {
  readonly #core: PgCore;
  readonly #appends = new Coalescer<AppendItem, AppendOutcome[]>((items) => this.#appendItems(items, { atomic: false }));
  readonly #flagChanges = new Coalescer<FlagChange, FlagOutcome>((changes) => this.#storeFlagGroup(changes));

  constructor(core: PgCore) {
    this.#core = core;
  }

  on(listener: (event: StoreEvent) => void): () => void {
    return this.#core.on(listener);
  }

  /** Runs a change and emits its events once it is committed (in MODSEQ order with other nodes' changes); they are logged for other nodes in the same transaction. */
  #change<T>(fn: (tx: Tx, events: StoreEvent[]) => Promise<T>): Promise<T> {
    return this.#pipelinedChange(async (tx, events) => ({ result: await fn(tx, events), last: [] }));
  }

  /** A change whose last statements, `last`, are sent unawaited: the log and the commit follow them in the same round trip (PgCore.pipelinedTx). */
  async #pipelinedChange<T>(fn: (tx: Tx, events: StoreEvent[]) => Promise<{ result: T; last: readonly Promise<unknown>[] }>): Promise<T> {
    let events: StoreEvent[] = [];
    const result = await this.#core.pipelinedTx(async (tx) => {
      events = [];
      const { result, last } = await fn(tx, events);
      return { result, last: [...last, this.#core.log(tx, events)] };
    });
    await this.#core.committed(events);
    return result;
  }

  /**
   * Read rows returned once this node's sessions were told the changes up to their
   * MODSEQs: the database can be ahead of the change feed (core.ts `shown`).
   */
  async #shownMessages<M extends { modSeq: ModSeq }>(mailboxId: MailboxId, messages: M[]): Promise<M[]> {
    const highest = messages.reduce((max, m) => Math.max(max, m.modSeq), 0);
    if (highest > 0) await this.#core.shown(new Map([[mailboxId, highest]]));
    return messages;
  }

  async #shownMailboxes(mailboxes: Mailbox[]): Promise<Mailbox[]> {
    await this.#core.shown(new Map(mailboxes.map((m) => [m.id, m.highestModSeq])));
    return mailboxes;
  }

  // Mailboxes

  async listMailboxes(accountId: AccountId): Promise<Mailbox[]> {
    return this.#shownMailboxes((await this.#core.sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE account_id = ${accountId} ORDER BY name COLLATE "C"`).map(toMailbox));
  }

  async getMailbox(accountId: AccountId, name: string): Promise<Mailbox | null> {
    const [row] = await this.#core.sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE account_id = ${accountId} AND name = ${normalizeMailboxName(name)}`;
    return row ? (await this.#shownMailboxes([toMailbox(row)]))[0]! : null;
  }

  async getMailboxById(id: MailboxId): Promise<Mailbox | null> {
    const [row] = await this.#core.sql<MailboxRow[]>`SELECT * FROM mailboxes WHERE id = ${id}`;
    return row ? (await this.#shownMailboxes([toMailbox(row)]))[0]! : null;
  }

  async createMailbox(accountId: AccountId, rawName: string, opts: { specialUse?: SpecialUse | null; subscribed?: boolean } = {}): Promise<Mailbox> {
    const name = normalizeMailboxName(rawName);
    validateMailboxName(name);
    return this.#change(async (tx, events) => {
      if (!(await tx`SELECT id FROM accounts WHERE id = ${accountId} FOR NO KEY UPDATE`).length) throw new StoreError('not-found', `no such account id ${accountId}`);
      if ((await tx`SELECT 1 FROM mailboxes WHERE account_id = ${accountId} AND name = ${name}`).length) throw new StoreError('exists', `mailbox ${name} already exists`);
      const counters = await lockCounters(tx);
      const mailbox = await insertMailbox(tx, counters, accountId, name, opts.specialUse ?? null, opts.subscribed ?? false);
      await saveCounters(tx, counters);
      events.push({ type: 'mailboxes', accountId });
      return mailbox;
    });
  }

  async renameMailbox(accountId: AccountId, rawFrom: string, rawTo: string): Promise<void> {
    const from = normalizeMailboxName(rawFrom);
    const to = normalizeMailboxName(rawTo);
    await this.#change(async (tx, events) => {
      await lockAccounts(tx, [accountId]);
      for (const { mailbox, newName } of renamePlan(await this.#mailboxesIn(tx, accountId), from, to)) {
        // A subscription is a name: it stays on the old one (RFC 3501 6.3.9: never removed unasked), as in Dovecot.
        await tx`UPDATE mailboxes SET name = ${newName}, subscribed = false WHERE id = ${mailbox.id}`;
        if (mailbox.subscribed) await tx`INSERT INTO subscriptions (account_id, name) VALUES (${accountId}, ${mailbox.name}) ON CONFLICT DO NOTHING`;
      }
      events.push({ type: 'mailboxes', accountId });
    });
  }

  async deleteMailbox(accountId: AccountId, rawName: string, opts: { keepChildren?: boolean } = {}): Promise<void> {
    const name = normalizeMailboxName(rawName);
    await this.#change(async (tx, events) => {
      await lockAccounts(tx, [accountId]);
      const all = await this.#mailboxesIn(tx, accountId);
      checkDeletable(all, name, opts.keepChildren ?? false);
      const mailbox = all.find((m) => m.name === name)!;
      const refs = await tx<{ blob_id: string; uid: number }[]>`DELETE FROM messages WHERE mailbox_id = ${mailbox.id} RETURNING blob_id, uid`;
      await tx`DELETE FROM mailboxes WHERE id = ${mailbox.id}`;
      await tx`DELETE FROM metadata WHERE account_id = ${accountId} AND mailbox_id = ${mailbox.id}`;
      // A subscription is a name, not a flag of the mailbox: it outlives the mailbox (RFC 3501 6.3.9).
      if (mailbox.subscribed) await tx`INSERT INTO subscriptions (account_id, name) VALUES (${accountId}, ${name}) ON CONFLICT DO NOTHING`;
      await freeBlobs(tx, refs.map((r) => ({ blobId: r.blob_id, ref: refOf(mailbox.id, r.uid) })));
      events.push({ type: 'mailboxes', accountId });
    });
  }

  async setSubscribed(accountId: AccountId, rawName: string, subscribed: boolean): Promise<void> {
    const name = normalizeMailboxName(rawName);
    await this.#core.tx(async (tx) => {
      await lockAccounts(tx, [accountId]);
      const updated = await tx`UPDATE mailboxes SET subscribed = ${subscribed} WHERE account_id = ${accountId} AND name = ${name} RETURNING id`;
      const orphan = subscribed ? [] : await tx`DELETE FROM subscriptions WHERE account_id = ${accountId} AND name = ${name} RETURNING name`;
      // Only an existing mailbox can be subscribed (as Dovecot); a name kept after DELETE can be unsubscribed.
      if (updated.length === 0 && orphan.length === 0) throw new StoreError('not-found', `no such mailbox: ${rawName}`);
    });
  }

  async listSubscriptions(accountId: AccountId): Promise<string[]> {
    const flagged = (await this.listMailboxes(accountId)).filter((m) => m.subscribed).map((m) => m.name);
    const kept = await this.#core.sql<{ name: string }[]>`SELECT name FROM subscriptions WHERE account_id = ${accountId} ORDER BY name COLLATE "C"`;
    return [...new Set([...flagged, ...kept.map((r) => r.name)])];
  }

  async claimRecent(mailboxId: MailboxId, upTo: Uid): Promise<Uid> {
    return this.#core.tx(async (tx) => {
      // Not synced: a claim lost in a crash only shows those messages recent once more, and a SELECT should not wait for a flush.
      await tx`SET LOCAL synchronous_commit = off`;
      const [row] = await tx<{ recent_from: number | null }[]>`SELECT recent_from FROM mailboxes WHERE id = ${mailboxId} FOR NO KEY UPDATE`;
      const from = row?.recent_from ?? 1;
      if (!row || from > upTo) return upTo + 1;
      await tx`UPDATE mailboxes SET recent_from = ${upTo + 1} WHERE id = ${mailboxId}`;
      return from;
    });
  }

  async #mailboxesIn(tx: Tx, accountId: AccountId): Promise<Mailbox[]> {
    return (await tx<MailboxRow[]>`SELECT * FROM mailboxes WHERE account_id = ${accountId} ORDER BY name COLLATE "C"`).map(toMailbox);
  }

  // Appends

  /**
   * Appends arriving while a group of appends is being written go together in the
   * next group: one transaction and one WAL flush for all of them. Without it,
   * appends to one mailbox would commit one flush at a time, since each holds the
   * mailbox row until its commit (bench/postgres-store.ts).
   */
  append(blob: NewBlob, targets: AppendTarget[], opts: { enforceQuota: boolean }): Promise<AppendOutcome[]> {
    return this.#appends.submit({ blob, targets, enforceQuota: opts.enforceQuota });
  }

  appendMany(items: { blob: NewBlob; targets: AppendTarget[] }[], opts: { enforceQuota: boolean; atomic: boolean; importMarks?: ImportMarks; learning?: AccountLessons }): Promise<AppendOutcome[][]> {
    return this.#appendItems(items.map((item) => ({ ...item, enforceQuota: opts.enforceQuota })), opts);
  }

  /**
   * Account rows, then mailbox rows, are locked for the transaction: the rules assign
   * UIDs and MODSEQs on the locked rows, and the quota rule sees every message of
   * the account, whichever node wrote it.
   */
  #appendItems(items: AppendItem[], opts: { atomic: boolean; importMarks?: ImportMarks; learning?: AccountLessons }): Promise<AppendOutcome[][]> {
    const marks = opts.importMarks ? opts.importMarks.marks.map(importMark) : [];
    return this.#pipelinedChange(async (tx, events) => {
      const targets = items.flatMap((item) => item.targets);
      // Both locks in one round trip, sent in the order every writer takes them; the
      // bodies' rows are made while they travel, for every target (redone below for a
      // body that some targets refused).
      const locking = Promise.all([lockAccounts(tx, targets.map((t) => t.accountId)), lockMailboxes(tx, targets.map((t) => t.mailboxId))]);
      // Awaited below; should making the rows throw first, its failure is the one reported.
      locking.catch(() => {});
      const rowFor = (blob: NewBlob, prefixes: readonly string[]): BlobRow => blobRow({ raw: blob.raw, chunkSize: this.#core.chunkSize, index: blob.index, summary: blob.summary, prefixes });
      const rows = new Map(items.map((item) => [item.blob, rowFor(item.blob, item.targets.map((t) => t.prefix))]));
      const [accounts, mailboxes] = await locking;
      for (const id of mailboxes.keys()) await admitKeywords(tx, id, targets.filter((t) => t.mailboxId === id).map((t) => t.flags), this.#core.maxKeywords);
      const plan = await planAppends(items, { mailbox: async (id) => mailboxes.get(id), quota: quotaTally(tx, accounts) }, { atomic: opts.atomic, now: Date.now() });
      if (!plan.write) return { result: plan.outcomes, last: [] };
      const blobs = await sendBlobs(
        tx,
        plan.bodies.map(({ blobId, blob, messages }) => {
          const made = rows.get(blob)!;
          const prefixes = messages.map((m) => m.prefix);
          return { id: blobId, row: sameStrings(made.input.prefixes, prefixes) ? made : rowFor(blob, prefixes) };
        }),
      );
      // The writes depend on nothing they return: sent back to back behind the bodies,
      // with the log and the commit after them, they cost one round trip.
      const writes = [
        blobs.written,
        insertMessages(tx, plan.bodies.flatMap((b) => b.messages)),
        ...plan.mailboxes.map((mailbox) => saveMailbox(tx, mailbox)),
        ...(marks.length > 0 ? [tx`INSERT INTO import_marks ${tx(marks.map((mark) => ({ account_id: opts.importMarks!.accountId, mark })))} ON CONFLICT DO NOTHING`.execute()] : []),
      ];
      events.push(...plan.events);
      if (!opts.learning) return { result: plan.outcomes, last: writes };
      await Promise.all(writes);
      await learnInTx(tx, opts.learning.accountId, opts.learning.lessons);
      return { result: plan.outcomes, last: [] };
    });
  }

  // Reading

  async listMessages(mailboxId: MailboxId): Promise<MessageMeta[]> {
    return this.#shownMessages(mailboxId, (await this.#core.sql<MessageRow[]>`SELECT * FROM messages WHERE mailbox_id = ${mailboxId} ORDER BY uid`).map(toMessage));
  }

  async messageStates(mailboxId: MailboxId, uids?: Uid[]): Promise<MessageState[]> {
    if (uids?.length === 0) return [];
    const rows =
      uids === undefined
        ? await this.#core.sql<MessageRow[]>`SELECT uid, modseq, flags, size FROM messages WHERE mailbox_id = ${mailboxId} ORDER BY uid`
        : await this.#core.sql<MessageRow[]>`SELECT uid, modseq, flags, size FROM messages WHERE mailbox_id = ${mailboxId} AND uid = ANY(${uids}::bigint[]) ORDER BY uid`;
    return this.#shownMessages(mailboxId, rows.map((r) => ({ uid: r.uid, modSeq: r.modseq, flags: r.flags, size: r.size })));
  }

  async getMessage(mailboxId: MailboxId, uid: Uid): Promise<MessageMeta | null> {
    const [row] = await this.#core.sql<MessageRow[]>`SELECT * FROM messages WHERE mailbox_id = ${mailboxId} AND uid = ${uid}`;
    return row ? (await this.#shownMessages(mailboxId, [toMessage(row)]))[0]! : null;
  }

  async getMessages(mailboxId: MailboxId, uids: Uid[]): Promise<(MessageMeta | null)[]> {
    if (uids.length === 0) return [];
    const rows = await this.#core.sql<MessageRow[]>`SELECT * FROM messages WHERE mailbox_id = ${mailboxId} AND uid = ANY(${uids}::bigint[])`;
    const byUid = new Map((await this.#shownMessages(mailboxId, rows.map(toMessage))).map((m) => [m.uid, m]));
    return uids.map((uid) => byUid.get(uid) ?? null);
  }

  async getBlob(blobId: BlobId): Promise<BlobMeta | null> {
    return (await this.getBlobs([blobId]))[0]!;
  }

  async getBlobs(blobIds: BlobId[]): Promise<(BlobMeta | null)[]> {
    if (blobIds.length === 0) return [];
    type Row = { id: string; size: number; chunk_size: number; chunks: number; header_end: number | null; index: string };
    const rows = await this.#core.sql<Row[]>`SELECT id, size, chunk_size, chunks, header_end, index FROM blobs WHERE id = ANY(${blobIds})`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    return blobIds.map((id) => {
      const r = byId.get(id);
      if (!r) return null;
      let index: BlobMeta['index'] | undefined;
      // The MIME index is parsed on first use: FETCH BODY[] and RFC822 never use it.
      return Object.defineProperty({ id: r.id, size: r.size, chunkSize: r.chunk_size, chunks: r.chunks, ...(r.header_end === null ? {} : { headerEnd: r.header_end }) }, 'index', {
        enumerable: true,
        get: () => (index ??= JSON.parse(r.index) as BlobMeta['index']),
      }) as BlobMeta;
    });
  }

  async getFetchSummaries(blobIds: BlobId[]): Promise<(FetchSummary | null)[]> {
    if (blobIds.length === 0) return [];
    const rows = await this.#core.sql<{ id: string; summary: string | null }[]>`SELECT id, summary FROM blobs WHERE id = ANY(${blobIds})`;
    const byId = new Map(rows.map((r) => [r.id, r.summary === null ? null : (JSON.parse(r.summary) as FetchSummary)]));
    return blobIds.map((id) => byId.get(id) ?? null);
  }

  async getSearchText(blobId: BlobId): Promise<string> {
    return (await this.getSearchTexts([blobId]))[0]!;
  }

  async getSearchTexts(blobIds: BlobId[]): Promise<string[]> {
    if (blobIds.length === 0) return [];
    const rows = await this.#core.sql<{ id: string; search_text: string }[]>`SELECT id, search_text FROM blobs WHERE id = ANY(${blobIds})`;
    const byId = new Map(rows.map((r) => [r.id, r.search_text]));
    return blobIds.map((id) => byId.get(id) ?? '');
  }

  bodyReader(ranges: readonly BodyRange[]): BodyReader {
    return new PgBodyReader(this.#core.sql, ranges);
  }

  readMessage(message: MessageMeta, start = 0, end = message.size): AsyncGenerator<Buffer> {
    return this.bodyReader([]).read(message, start, end);
  }

  // Changes

  copyMessages(from: MailboxId, uids: Uid[], to: MailboxId, opts: { enforceQuota: boolean; lessons?: MessageLesson[] }): Promise<CopyOutcome> {
    return this.#transfer(from, uids, to, { move: false, enforceQuota: opts.enforceQuota, lessons: opts.lessons ?? [] });
  }

  /** A move is not counted against the quota: the account's usage does not grow. */
  moveMessages(from: MailboxId, uids: Uid[], to: MailboxId, opts?: { lessons?: MessageLesson[] }): Promise<CopyOutcome> {
    return this.#transfer(from, uids, to, { move: true, enforceQuota: false, lessons: opts?.lessons ?? [] });
  }

  /** COPY and MOVE: the bodies stay where they are; each copy is a new message row referring to the same body. */
  async #transfer(fromId: MailboxId, uids: Uid[], toId: MailboxId, opts: { move: boolean; enforceQuota: boolean; lessons: MessageLesson[] }): Promise<CopyOutcome> {
    const owner = await this.getMailboxById(fromId);
    if (!owner) return { ok: false, reason: 'no-mailbox', detail: `mailbox ${fromId} does not exist` };
    return this.#change(async (tx, events): Promise<CopyOutcome> => {
      await lockAccounts(tx, [owner.accountId]);
      const locked = await lockMailboxes(tx, [fromId, toId]);
      const source = locked.get(fromId);
      const target = locked.get(toId);
      if (!source || !target || target.accountId !== source.accountId) return { ok: false, reason: 'no-mailbox', detail: `mailbox ${toId} does not exist` };
      const sorted = [...new Set(uids)].sort((a, b) => a - b);
      const messages = (await tx<MessageRow[]>`SELECT * FROM messages WHERE mailbox_id = ${fromId} AND uid = ANY(${sorted}::bigint[]) ORDER BY uid`).map(toMessage);
      const problem = opts.enforceQuota ? await quotaTally(tx).problemOfAll(target.accountId, messages.map((m) => m.size)) : null;
      if (problem) return { ok: false, reason: 'quota', detail: problem };
      if (messages.length === 0) return { ok: true, uidValidity: target.uidValidity, copies: [] };
      await admitKeywords(tx, target.id, messages.map((m) => m.flags), this.#core.maxKeywords);
      const moved = transferMessages(source, target, messages, opts.move, Date.now());
      events.push({ type: 'append', accountId: target.accountId, mailboxId: target.id, uids: moved.copies.map((c) => c.uid), modSeq: moved.modSeq });
      if (moved.expungeModSeq !== null) {
        const modSeq = moved.expungeModSeq;
        await tx`DELETE FROM messages WHERE mailbox_id = ${fromId} AND uid = ANY(${messages.map((m) => m.uid)}::bigint[])`;
        await tx`INSERT INTO expunged ${tx(messages.map((m) => ({ mailbox_id: fromId, uid: m.uid, modseq: modSeq })))}`;
        events.push({ type: 'expunge', accountId: source.accountId, mailboxId: fromId, uids: messages.map((m) => m.uid), modSeq });
      }
      await insertMessages(tx, moved.copies);
      await saveMailbox(tx, target);
      if (source !== target) await saveMailbox(tx, source);
      await learnInTx(tx, source.accountId, lessonsAbout(opts.lessons, messages.map((m) => m.uid)));
      return { ok: true, uidValidity: target.uidValidity, copies: messages.map((m, i) => ({ from: m.uid, to: moved.copies[i]!.uid })) };
    });
  }

  async storeFlags(mailboxId: MailboxId, uids: Uid[], op: FlagOperation, flags: string[], unchangedSince?: ModSeq, lessons: MessageLesson[] = []): Promise<MessageMeta[]> {
    const outcome = await this.#flagChanges.submit({ mailboxId, uids, op, flags, unchangedSince, lessons });
    if ('error' in outcome) throw outcome.error;
    return outcome.changed;
  }

  /**
   * Flag changes arriving while a group of them is being written go together in the
   * next group, as appends do: a change holds its mailbox row until its commit, so one
   * at a time they would commit one WAL flush each. In two round trips and the commit:
   * the locks go with BEGIN and the read of the messages (which runs once the locks are
   * held, so it sees every change before them), the writes with the log and COMMIT.
   * Each change is still judged on the state the ones before it left, gets its own
   * MODSEQ and events, in the order they came; one that fails (no such mailbox, the
   * keyword limit) fails alone.
   */
  #storeFlagGroup(changes: FlagChange[]): Promise<FlagOutcome[]> {
    return this.#pipelinedChange(async (tx, events) => {
      const ids = [...new Set(changes.map((c) => c.mailboxId))];
      const locking = lockMailboxes(tx, ids);
      const reading = tx<MessageRow[]>`SELECT * FROM messages WHERE mailbox_id = ANY(${ids}::bigint[]) AND uid = ANY(${[...new Set(changes.flatMap((c) => c.uids))]}::bigint[])`.execute();
      const [mailboxes, rows] = await Promise.all([locking, reading]);
      const current = new Map<string, MessageMeta>(rows.map((r) => [refOf(r.mailbox_id, r.uid), toMessage(r)]));
      const keywords = new Map<MailboxId, Set<string>>();
      const written = new Map<MailboxId, Map<Uid, MessageMeta>>();
      const outcomes: FlagOutcome[] = [];
      const lessons: { accountId: AccountId; lessons: MessageLesson[] }[] = [];
      for (const change of changes) {
        const mailbox = mailboxes.get(change.mailboxId);
        if (!mailbox) {
          outcomes.push({ error: new StoreError('not-found', `no such mailbox id ${change.mailboxId}`) });
          continue;
        }
        const modSeq = mailbox.highestModSeq + 1;
        const changed: MessageMeta[] = [];
        // In the order asked, each UID once: the answer every backend gives.
        for (const message of [...new Set(change.uids)].flatMap((uid) => current.get(refOf(mailbox.id, uid)) ?? [])) {
          if (change.unchangedSince !== undefined && message.modSeq > change.unchangedSince) continue;
          const next = applyFlags(message.flags, change.op, change.flags);
          if (!sameFlags(next, message.flags)) changed.push({ ...message, flags: next, modSeq });
        }
        if (changed.length > 0 && changed.some((c) => c.flags.some((f) => !isSystemFlag(f)))) {
          try {
            const known = keywords.get(mailbox.id) ?? (await knownKeywords(tx, mailbox.id));
            keywords.set(mailbox.id, known);
            for (const keyword of newKeywords(known, changed.flatMap((c) => c.flags), this.#core.maxKeywords)) known.add(keyword);
          } catch (err) {
            outcomes.push({ error: err as Error });
            continue;
          }
        }
        outcomes.push({ changed });
        if (changed.length === 0) continue;
        nextModSeq(mailbox);
        const rowsOf = written.get(mailbox.id) ?? new Map<Uid, MessageMeta>();
        written.set(mailbox.id, rowsOf);
        for (const message of changed) {
          mailbox.unseen += unseenDelta(current.get(refOf(mailbox.id, message.uid))!.flags, message.flags);
          current.set(refOf(mailbox.id, message.uid), message);
          rowsOf.set(message.uid, message);
        }
        events.push({ type: 'flags', accountId: mailbox.accountId, mailboxId: mailbox.id, uids: changed.map((m) => m.uid), modSeq });
        const learned = lessonsAbout(change.lessons, changed.map((m) => m.uid));
        if (learned.length > 0) lessons.push({ accountId: mailbox.accountId, lessons: learned });
      }
      const writes = [...written].flatMap(([id, messages]) => {
        const json = tx.json([...messages.values()].map((m) => ({ uid: m.uid, flags: m.flags, modseq: m.modSeq })));
        return [
          tx`UPDATE messages AS m SET flags = ARRAY(SELECT jsonb_array_elements_text(c.value->'flags')), modseq = (c.value->>'modseq')::bigint
            FROM jsonb_array_elements(${json}) AS c WHERE m.mailbox_id = ${id} AND m.uid = (c.value->>'uid')::bigint`.execute(),
          saveMailbox(tx, mailboxes.get(id)!),
        ];
      });
      if (lessons.length === 0) return { result: outcomes, last: writes };
      await Promise.all(writes);
      for (const { accountId, lessons: learned } of lessons) await learnInTx(tx, accountId, learned);
      return { result: outcomes, last: [] };
    });
  }

  async expunge(mailboxId: MailboxId, uids: Uid[]): Promise<Uid[]> {
    const owner = await this.getMailboxById(mailboxId);
    if (!owner) throw new StoreError('not-found', `no such mailbox id ${mailboxId}`);
    return this.#change(async (tx, events) => {
      const mailbox = (await lockMailboxes(tx, [mailboxId])).get(mailboxId);
      if (!mailbox) throw new StoreError('not-found', `no such mailbox id ${mailboxId}`);
      const gone = (await tx<MessageRow[]>`DELETE FROM messages WHERE mailbox_id = ${mailboxId} AND uid = ANY(${uids}::bigint[]) RETURNING *`).map(toMessage).sort((a, b) => a.uid - b.uid);
      if (gone.length === 0) return [];
      const modSeq = nextModSeq(mailbox);
      for (const message of gone) releaseMessage(mailbox, message);
      await tx`INSERT INTO expunged ${tx(gone.map((m) => ({ mailbox_id: mailboxId, uid: m.uid, modseq: modSeq })))}`;
      await saveMailbox(tx, mailbox);
      await freeBlobs(tx, gone.map((m) => ({ blobId: m.blobId, ref: refOf(mailboxId, m.uid) })));
      events.push({ type: 'expunge', accountId: mailbox.accountId, mailboxId, uids: gone.map((m) => m.uid), modSeq });
      return gone.map((m) => m.uid);
    });
  }

  async expungedSince(mailboxId: MailboxId, since: ModSeq): Promise<Uid[]> {
    return (await this.#core.sql<{ uid: number }[]>`SELECT uid FROM expunged WHERE mailbox_id = ${mailboxId} AND modseq > ${since} ORDER BY uid`).map((r) => r.uid);
  }

  async importedMarks(accountId: AccountId, marks: string[]): Promise<boolean[]> {
    const checked = marks.map(importMark);
    if (checked.length === 0) return [];
    const found = new Set((await this.#core.sql<{ mark: string }[]>`SELECT mark FROM import_marks WHERE account_id = ${accountId} AND mark = ANY(${checked})`).map((r) => r.mark));
    return checked.map((m) => found.has(m));
  }

  // IMAP METADATA (RFC 5464): metadata.ts.

  listMetadata(accountId: AccountId, mailboxId: MailboxId | null): Promise<MetadataEntry[]> {
    return listMetadata(this.#core, accountId, mailboxId);
  }

  setMetadata(accountId: AccountId, mailboxId: MailboxId | null, changes: { entry: string; value: Buffer | null }[], limits: MetadataLimits): Promise<MetadataOutcome> {
    return setMetadata(this.#core, accountId, mailboxId, changes, limits);
  }
}

/** One STORE's change of flags, as storeFlags takes it. */
interface FlagChange {
  mailboxId: MailboxId;
  uids: Uid[];
  op: FlagOperation;
  flags: string[];
  unchangedSince: ModSeq | undefined;
  lessons: MessageLesson[];
}

type FlagOutcome = { changed: MessageMeta[] } | { error: Error };

const sameStrings = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

async function insertMessages(tx: Tx, messages: MessageMeta[]): Promise<void> {
  // Bounded statements: PostgreSQL takes at most 65,535 parameters in one. Issued together, so pipelined.
  const statements = [];
  for (let i = 0; i < messages.length; i += 1000) {
    statements.push(tx`INSERT INTO messages ${tx(messages.slice(i, i + 1000).map(messageRow) as unknown as Record<string, unknown>[])}`);
  }
  await Promise.all(statements);
}

