import { decode } from './codec.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, mark, put, type LevelCore } from './core.ts';
import { keys, parseChunkKey, parseMessageKey, prefixEnd } from './keys.ts';
import { blobRemovalOps } from './mailbox-records.ts';
import type { Account, BlobMeta, CheckProblem, Mailbox, MessageMeta, QueueEntry } from '../types.ts';
import { isSeen } from '../flags.ts';
import type { FetchSummary } from '../../mime/fetch-summary.ts';
import { indexedByCurrentRules, reindexOps } from './reindex.ts';
import { checkSearchIndex, type LiveBody } from './search-index-check.ts';
import { checkMailboxIndex, orphanIndexKeys, readIndexForCheck, type IndexReading } from './mailbox-index-check.ts';

/** What a check pass shares: the reads, and the problems and fixes found so far. */
interface Scan {
  core: LevelCore;
  repair: boolean;
  found: { problems: CheckProblem[]; ops: BatchOp[] };
  report(what: string, ...fix: BatchOp[]): void;
  entries<T>(prefix: string): Promise<[string, T][]>;
  keysUnder(prefix: string): Promise<string[]>;
}

/** Per mailbox, what its messages and expunge records add up to. */
interface Tally {
  messages: number;
  unseen: number;
  size: number;
  maxUid: number;
  maxModSeq: number;
}

/**
 * Verifies every counter and reference against the data it summarises and, with
 * `repair`, rewrites what differs in one synced batch. The caller holds every lock.
 */
export async function checkStore(core: LevelCore, repair: boolean): Promise<CheckProblem[]> {
  const found: Scan['found'] = { problems: [], ops: [] };
  const scan: Scan = {
    core,
    repair,
    found,
    report(what, ...fix) {
      found.problems.push({ what, repaired: repair && fix.length > 0 });
      found.ops.push(...fix);
    },
    async entries<T>(prefix: string) {
      const out: [string, T][] = [];
      for await (const [key, value] of core.db.iterator({ gte: prefix, lt: prefixEnd(prefix) })) out.push([key, decode<T>(value)]);
      return out;
    },
    async keysUnder(prefix) {
      const out: string[] = [];
      for await (const key of core.db.keys({ gte: prefix, lt: prefixEnd(prefix) })) out.push(key);
      return out;
    },
  };
  const accounts = await checkAccounts(scan);
  const { mailboxes, live } = await checkMailboxes(scan, accounts);
  // Mailbox index hook: read before the messages, whose current flags and MODSEQs it holds.
  const indexes = new Map<number, IndexReading>();
  for (const id of live.keys()) indexes.set(id, await readIndexForCheck(core, id));
  for (const { key, fix } of await orphanIndexKeys(core, new Set(live.keys()))) scan.report(`mailbox index key ${key}: its mailbox does not exist`, fix);
  const bodies = await checkMessages(scan, live, indexes);
  const chunksSeen = await checkBodies(scan, bodies);
  await checkIndexedRules(scan, bodies, chunksSeen);
  await checkQueue(scan);
  checkCounters(scan, accounts, mailboxes);
  if (repair && found.ops.length > 0) await core.commit(found.ops);
  // Mailbox index hook: checked against the records the repair above left, rebuilt in batches of its own.
  for (const mailbox of live.values()) found.problems.push(...(await checkMailboxIndex(core, mailbox, indexes.get(mailbox.id)!, bodies.indexed.get(mailbox.id) ?? new Map(), repair)));
  // Full-text index hook: checked on what the repair above left, rebuilt in batches of its own.
  const index = { db: core.db, index: core.searchIndex, commit: (ops: BatchOp[]) => core.commit(ops) };
  found.problems.push(...(await checkSearchIndex(index, bodies.liveBodies, repair)));
  return found.problems;
}

/** Accounts against their id index and their domains. */
async function checkAccounts(scan: Scan): Promise<Map<number, Account>> {
  const accounts = new Map((await scan.entries<Account>(keys.accountPrefix)).map(([, a]) => [a.id, a]));
  const byId = new Map((await scan.entries<string>(keys.accountByIdPrefix)).map(([k, address]) => [parseInt(k.slice(4), 16), address]));
  const domains = new Set((await scan.entries<{ name: string }>(keys.domainPrefix)).map(([, d]) => d.name));
  for (const account of accounts.values()) {
    if (byId.get(account.id) !== account.address) scan.report(`account ${account.address}: id index missing or wrong`, put(keys.accountById(account.id), account.address));
    if (!domains.has(account.address.slice(account.address.lastIndexOf('@') + 1))) scan.report(`account ${account.address}: its domain does not exist (not repaired: add the domain)`);
  }
  for (const [id, address] of byId) {
    if (accounts.get(id)?.address !== address) scan.report(`account id ${id}: index points to missing account ${address}`, del(keys.accountById(id)));
  }
  return accounts;
}

/** Mailbox records against their name entries and their accounts; the live ones. */
async function checkMailboxes(scan: Scan, accounts: Map<number, Account>): Promise<{ mailboxes: Map<number, Mailbox>; live: Map<number, Mailbox> }> {
  const mailboxes = new Map((await scan.entries<Mailbox>(keys.mailboxPrefix)).map(([, m]) => [m.id, m]));
  const names = await scan.entries<number>(keys.mailboxNameAll);
  for (const [key, id] of names) {
    const mailbox = mailboxes.get(id);
    if (!mailbox || keys.mailboxName(mailbox.accountId, mailbox.name) !== key) scan.report(`mailbox name entry ${key}: points to no mailbox`, del(key));
  }
  const nameKeys = new Set(names.map(([k]) => k));
  const live = new Map<number, Mailbox>();
  for (const mailbox of mailboxes.values()) {
    if (!accounts.has(mailbox.accountId)) {
      scan.report(`mailbox ${mailbox.id} (${mailbox.name}): its account ${mailbox.accountId} does not exist`, del(keys.mailbox(mailbox.id)));
      continue;
    }
    live.set(mailbox.id, mailbox);
    const nameKey = keys.mailboxName(mailbox.accountId, mailbox.name);
    if (!nameKeys.has(nameKey)) scan.report(`mailbox ${mailbox.name} of account ${mailbox.accountId}: name entry missing`, put(nameKey, mailbox.id));
  }
  return { mailboxes, live };
}

/** Messages against their mailboxes and bodies, then each mailbox's counters against its messages. */
async function checkMessages(scan: Scan, live: Map<number, Mailbox>, indexes: Map<number, IndexReading>) {
  const blobs = new Map((await scan.entries<BlobMeta>(keys.blobPrefix)).map(([, b]) => [b.id, b]));
  const refs = new Set(await scan.keysUnder(keys.refAll));
  const referenced = new Set<string>();
  const liveBodies = new Map<string, LiveBody>(); // full-text index hook
  const liveBlobs = new Set<string>();
  const tally = new Map<number, Tally>();
  /** Per mailbox, the UID and size of each message that stays: what its index must hold. */
  const indexed = new Map<number, Map<number, number>>();
  const tallyOf = (id: number) => {
    let t = tally.get(id);
    if (!t) tally.set(id, (t = { messages: 0, unseen: 0, size: 0, maxUid: 0, maxModSeq: 0 }));
    return t;
  };

  for (const [key, message] of await scan.entries<MessageMeta>(keys.messageAll)) {
    const refKey = keys.ref(message.blobId, message.mailboxId, message.uid);
    const blob = blobs.get(message.blobId);
    const where = `message ${message.mailboxId}/${message.uid}`;
    if (!live.has(message.mailboxId)) {
      scan.report(`${where}: its mailbox does not exist`, del(key), del(refKey));
      continue;
    }
    if (!blob) {
      scan.report(`${where}: its body ${message.blobId} is missing (the message is lost; repair removes it)`, del(key), del(refKey));
      continue;
    }
    const size = Buffer.byteLength(message.prefix) + blob.size;
    if (message.size !== size) scan.report(`${where}: size ${message.size} should be ${size}`, put(key, { ...message, size }));
    if (!refs.has(refKey)) scan.report(`${where}: body reference missing`, mark(refKey));
    referenced.add(refKey);
    liveBlobs.add(message.blobId);
    const body = liveBodies.get(message.blobId) ?? { blob, prefixes: new Set<string>() };
    body.prefixes.add(message.prefix);
    liveBodies.set(message.blobId, body);
    // The index has the current flags and MODSEQ; where it lost them a repair takes the record's flags.
    const state = indexes.get(message.mailboxId)?.entries.get(message.uid);
    const t = tallyOf(message.mailboxId);
    t.messages++;
    t.size += size;
    if (!isSeen(state?.flags ?? message.flags)) t.unseen++;
    t.maxUid = Math.max(t.maxUid, message.uid);
    t.maxModSeq = Math.max(t.maxModSeq, state?.modSeq ?? message.modSeq);
    if (!indexed.has(message.mailboxId)) indexed.set(message.mailboxId, new Map());
    indexed.get(message.mailboxId)!.set(message.uid, size);
  }

  for (const [key, modSeq] of await scan.entries<number>(keys.expungedAll)) {
    const { mailboxId, uid } = parseMessageKey(key);
    if (!live.has(mailboxId)) {
      scan.report(`expunge record ${key}: its mailbox does not exist`, del(key));
      continue;
    }
    const t = tallyOf(mailboxId);
    t.maxUid = Math.max(t.maxUid, uid);
    t.maxModSeq = Math.max(t.maxModSeq, modSeq);
  }

  for (const mailbox of live.values()) {
    const t = tallyOf(mailbox.id);
    const fixed: Mailbox = {
      ...mailbox,
      messages: t.messages,
      unseen: t.unseen,
      size: t.size,
      uidNext: Math.max(mailbox.uidNext, t.maxUid + 1),
      highestModSeq: Math.max(mailbox.highestModSeq, t.maxModSeq),
    };
    const diffs = (['messages', 'unseen', 'size', 'uidNext', 'highestModSeq'] as const)
      .filter((field) => fixed[field] !== mailbox[field])
      .map((field) => `${field} ${mailbox[field]} should be ${fixed[field]}`);
    if (diffs.length > 0) scan.report(`mailbox ${mailbox.name} (id ${mailbox.id}): ${diffs.join(', ')}`, put(keys.mailbox(mailbox.id), fixed));
  }
  return { blobs, refs, referenced, liveBlobs, liveBodies, indexed };
}

type Bodies = Awaited<ReturnType<typeof checkMessages>>;

/** References, bodies and chunks that nothing uses, and bodies missing chunks; the chunks found per body. */
async function checkBodies(scan: Scan, { blobs, refs, referenced, liveBlobs }: Bodies): Promise<Map<string, number>> {
  for (const refKey of refs) {
    if (!referenced.has(refKey)) scan.report(`body reference ${refKey}: no such message`, del(refKey));
  }
  for (const blob of blobs.values()) {
    if (liveBlobs.has(blob.id)) continue;
    scan.report(`body ${blob.id}: no message refers to it`, ...blobRemovalOps(blob));
  }
  const chunksSeen = new Map<string, number>();
  for (const key of await scan.keysUnder(keys.chunkAll)) {
    const { blobId, index } = parseChunkKey(key);
    const blob = blobs.get(blobId);
    if (!blob || index >= blob.chunks) {
      scan.report(`chunk ${key}: belongs to no body`, del(key));
      continue;
    }
    chunksSeen.set(blobId, (chunksSeen.get(blobId) ?? 0) + 1);
  }
  for (const blob of blobs.values()) {
    const seen = chunksSeen.get(blob.id) ?? 0;
    if (liveBlobs.has(blob.id) && seen !== blob.chunks) scan.report(`body ${blob.id}: ${blob.chunks - seen} chunk(s) missing (not repairable)`);
  }
  return chunksSeen;
}

/**
 * Issue 14: bodies indexed by older rules (sort keys of groups, wire form of lists) are
 * indexed again from their bytes. Each is written at once, not held for the final batch:
 * its search text alone may be 1 Mi characters, and rewriting it is safe to repeat.
 */
async function checkIndexedRules(scan: Scan, { blobs, liveBlobs }: Bodies, chunksSeen: Map<string, number>): Promise<void> {
  const complete = [...liveBlobs].filter((id) => chunksSeen.get(id) === blobs.get(id)!.chunks);
  for (let i = 0; i < complete.length; i += 500) {
    const ids = complete.slice(i, i + 500);
    const summaries = await scan.core.getMany<FetchSummary>(ids.map(keys.blobSummary));
    for (const [j, id] of ids.entries()) {
      const blob = blobs.get(id)!;
      const summary = summaries[j];
      if (indexedByCurrentRules(blob, summary ?? null)) continue;
      if (scan.repair) await scan.core.commit((await reindexOps(scan.core, blob)) ?? []);
      scan.found.problems.push({ what: `body ${id}: indexed by older rules (sort keys, ENVELOPE/BODYSTRUCTURE wire form)`, repaired: scan.repair });
    }
  }
}

/** Queue chunks against their entries. */
async function checkQueue(scan: Scan): Promise<void> {
  const queued = new Map((await scan.entries<QueueEntry>(keys.queuePrefix)).map(([, e]) => [e.id, e]));
  const queuedBytes = new Map<string, number>();
  for await (const [key, value] of scan.core.db.iterator({ gte: keys.queueChunkAll, lt: prefixEnd(keys.queueChunkAll) })) {
    const id = key.split('/')[1]!;
    if (queued.has(id)) queuedBytes.set(id, (queuedBytes.get(id) ?? 0) + value.length);
    else scan.report(`queue chunk ${key}: belongs to no queued message`, del(key));
  }
  for (const entry of queued.values()) {
    if ((queuedBytes.get(entry.id) ?? 0) !== entry.size) scan.report(`queued message ${entry.id}: its body is incomplete (not repairable; \`mailfold queue delete ${entry.id}\`)`);
  }
}

/** The id counters must be ahead of every id in use. */
function checkCounters(scan: Scan, accounts: Map<number, Account>, mailboxes: Map<number, Mailbox>): void {
  const floor = {
    nextAccountId: Math.max(0, ...accounts.keys()) + 1,
    nextMailboxId: Math.max(0, ...mailboxes.keys()) + 1,
    nextUidValidity: Math.max(0, ...[...mailboxes.values()].map((m) => m.uidValidity)) + 1,
  };
  const counters = scan.core.counters;
  if (counters.nextAccountId < floor.nextAccountId || counters.nextMailboxId < floor.nextMailboxId || counters.nextUidValidity < floor.nextUidValidity) {
    scan.found.problems.push({ what: 'id counters are behind the ids in use', repaired: scan.repair });
    if (scan.repair) scan.found.ops.push(scan.core.raiseCounters(floor));
  }
}
