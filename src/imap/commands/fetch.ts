import { fetchSummary, isCurrent, type FetchSummary } from '../../mime/fetch-summary.ts';
import type { BlobId, BlobMeta, BodyRange, BodyReader, MailStore, MessageMeta } from '../../store/types.ts';
import { decodedRange, decodedSize } from '../binary-body.ts';
import { dateTime, literal8Head, literalHead, str } from '../encoder.ts';
import { binaryLabel, parseFetch, sectionLabel, type BinaryItem, type FetchItem, type FetchQuery, type SectionItem } from '../fetch-query.ts';
import { filterHeader } from '../header-fields.ts';
import { binaryHandling, binaryPart, sectionRange, type BinaryPart, type ByteRange } from '../message-parts.ts';
import { emailId, threadId } from '../object-id.ts';
import { parseMessageSet, resolve, type MessageSet } from '../message-set.ts';
import { limitRefusal, limitUids, withCut } from '../message-limit.ts';
import { partialSlice } from '../partial-range.ts';
import { Progress } from '../progress.ts';
import { fetchHead, isUidOnly } from '../uid-only.ts';
import type { Parser } from '../parser.ts';
import { compactSet, type SequenceSet } from '../sequence-set.ts';
import { bad, command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';
import { announced, isVanished, LiteralCut } from '../vanished-body.ts';

interface FetchArgs extends FetchQuery {
  messages: MessageSet;
}

/** Messages are read and answered this many at a time, so a FETCH 1:* does not hold a mailbox in memory. */
const BATCH = 200;

/** The simple items answered from the stored index (the blob record). */
const FROM_INDEX = new Set<string>(['THREADID', 'PREVIEW']);

/** The simple items answered from the body's fetch summary, a small record beside the index. */
const FROM_SUMMARY = new Set<string>(['ENVELOPE', 'BODY', 'BODYSTRUCTURE']);

function parseFetchArgs(p: Parser, byUid: boolean): FetchArgs {
  p.sp();
  const messages = parseMessageSet(p, byUid);
  return { messages, ...parseFetch(p) };
}

/** Items that mark the message \Seen (RFC 3501 6.4.5, RFC 3516): BODY[...] and BINARY[...] without PEEK, RFC822, RFC822.TEXT. */
const setsSeen = (item: FetchItem): boolean =>
  ((item.type === 'section' || item.type === 'binary') && !item.peek) ||
  (item.type === 'rfc822' && item.name !== 'RFC822.HEADER');

/**
 * RFC 3501 6.4.5 with MODSEQ and CHANGEDSINCE (RFC 7162), PARTIAL (RFC 9394) and INPROGRESS (RFC 9585). Everything is answered
 * from the message record, the stored MIME index and byte ranges of the body,
 * which is streamed to the client chunk by chunk.
 */
async function runFetch(session: ImapSession, args: FetchArgs, tag: string): Promise<Outcome> {
  const view = session.view!;
  const store = session.deps.store;
  if (args.vanished) {
    if (!args.messages.byUid) return bad('VANISHED is for UID FETCH only');
    if (!session.qresync) return bad('VANISHED needs ENABLE QRESYNC first');
    await reportVanished(session, args.messages.set, args.changedSince!);
  }
  const items = [...args.items];
  const has = (name: string) => items.some((i) => i.type === 'simple' && i.name === name);
  // UIDFETCH responses carry the UID already (RFC 9586 3.3).
  if (args.messages.byUid && !has('UID') && !isUidOnly(session)) items.unshift({ type: 'simple', name: 'UID' });
  if (args.changedSince !== null && !has('MODSEQ')) items.push({ type: 'simple', name: 'MODSEQ' });
  if (has('MODSEQ')) await session.enableCondstore();
  const markSeen = !view.readOnly && items.some(setsSeen);
  const name = args.messages.byUid ? 'UID FETCH' : 'FETCH';
  // A PARTIAL range wider than MESSAGELIMIT is refused whole (RFC 9738 3.1).
  if (args.partial && args.partial.high - args.partial.low + 1 > session.deps.messageLimit) return limitRefusal(session, name, args.partial.high - args.partial.low + 1);
  // PARTIAL counts positions in the set as the client knows it, before CHANGEDSINCE; MESSAGELIMIT counts the messages looked at, before CHANGEDSINCE too.
  const { order: uids, cut: limited } = limitUids(session, args.partial ? partialSlice(resolve(view, args.messages), args.partial) : resolve(view, args.messages), name);
  const readsBody = items.some((i) => i.type !== 'simple');
  // The blob record holds the stored index (parsed only if used); FLAGS, UID and the like need only the message record.
  const readsIndex = readsBody || items.some((i) => i.type === 'simple' && FROM_INDEX.has(i.name));
  const readsSummary = items.some((i) => i.type === 'simple' && FROM_SUMMARY.has(i.name));
  // Messages another session expunged meanwhile: left out whole, or cut short once their answer had begun.
  let skipped = false;
  let cut = false;
  const progress = new Progress(session, tag, uids.length);
  for (let i = 0; i < uids.length; i += BATCH) {
    await progress.report(i);
    const batch = uids.slice(i, i + BATCH);
    let messages = await store.getMessages(view.mailbox.id, batch);
    const seenNow = new Set<number>();
    if (markSeen) {
      const unseen = messages.filter((m): m is MessageMeta => m !== null && !m.flags.includes('\\Seen')).map((m) => m.uid);
      if (unseen.length > 0) {
        const changed = new Map((await store.storeFlags(view.mailbox.id, unseen, 'add', ['\\Seen'])).map((m) => [m.uid, m]));
        for (const uid of changed.keys()) seenNow.add(uid);
        messages = messages.map((m) => {
          const state = m && changed.get(m.uid);
          return m && state ? { ...m, flags: state.flags, modSeq: state.modSeq } : m;
        });
      }
    }
    // Expunged by another session (record or body gone): left out until the EXPUNGE can be reported (RFC 2180 4.1.2).
    const live = messages.filter((m): m is MessageMeta => m !== null);
    if (live.length < messages.length) skipped = true;
    const answered = live.filter((m) => args.changedSince === null || m.modSeq > args.changedSince);
    const blobIds = [...new Set(answered.map((m) => m.blobId))];
    const loaded = readsIndex && blobIds.length > 0 ? await store.getBlobs(blobIds) : [];
    const blobs = new Map(blobIds.map((id, n) => [id, loaded[n] ?? null]));
    const summaries = readsSummary ? await summariesOf(store, blobIds, blobs) : new Map<BlobId, FetchSummary | null>();
    if (has('FLAGS') || markSeen) for (const line of view.announceKeywords(answered.flatMap((m) => m.flags))) await session.write(line);
    const reader = store.bodyReader(readsBody ? answered.flatMap((m) => plannedRange(m, blobs.get(m.blobId)!, items)) : []);
    for (const message of answered) {
      const blob = blobs.get(message.blobId) ?? null;
      const summary = summaries.get(message.blobId) ?? null;
      if ((readsIndex && !blob) || (readsSummary && !summary)) {
        skipped = true;
        continue;
      }
      const withFlags = seenNow.has(message.uid) && !has('FLAGS') ? [...items, { type: 'simple', name: 'FLAGS' } as FetchItem] : items;
      const sent = await respond(session, reader, message, { blob, summary }, withFlags);
      if (sent === 'closed') return ok('Connection closed');
      if (sent === 'skipped') skipped = true;
      if (sent === 'cut') cut = true;
      if (sent === 'unknown-cte') return withCut(session, no(`Message ${view.seqOf(message.uid)}: a part has a transfer encoding this server cannot decode`, 'UNKNOWN-CTE'), limited);
    }
  }
  // Dovecot's answers: the client should NOOP to learn of the expunge (RFC 5530 EXPUNGEISSUED).
  if (cut) return withCut(session, no('Some of the requested messages no longer exist', 'EXPUNGEISSUED'), limited);
  if (skipped) return withCut(session, ok('Some messages were already expunged', 'EXPUNGEISSUED'), limited);
  return withCut(session, ok('FETCH completed'), limited);
}

/**
 * The fetch summaries of these bodies. A body stored before summaries were kept, or
 * whose summary was written by older wire rules, gets one made from its index (a
 * blob record already read, or read now).
 */
async function summariesOf(store: MailStore, blobIds: BlobId[], blobs: Map<BlobId, BlobMeta | null>): Promise<Map<BlobId, FetchSummary | null>> {
  const stored = blobIds.length > 0 ? await store.getFetchSummaries(blobIds) : [];
  const summaries = new Map(blobIds.map((id, n) => [id, stored[n] && isCurrent(stored[n]) ? stored[n] : null]));
  const older = blobIds.filter((id) => !summaries.get(id) && !blobs.get(id));
  const loaded = older.length > 0 ? await store.getBlobs(older) : [];
  for (const [n, id] of older.entries()) blobs.set(id, loaded[n] ?? null);
  for (const id of blobIds) {
    const blob = blobs.get(id);
    if (!summaries.get(id) && blob) summaries.set(id, fetchSummary(blob.index));
  }
  return summaries;
}

/**
 * RFC 7162 3.2.6: the UIDs of the set expunged after `since`, as VANISHED (EARLIER).
 * `*` is the mailbox's last UID; UIDs the client still holds are reported by the next VANISHED.
 */
async function reportVanished(session: ImapSession, set: SequenceSet | null, since: number): Promise<void> {
  const view = session.view!;
  const mailbox = await session.deps.store.getMailboxById(view.mailbox.id);
  const saved = new Set(view.saved);
  const inSet = set ? set.matcher((mailbox ?? view.mailbox).uidNext - 1) : (uid: number) => saved.has(uid);
  const expunged = await session.deps.store.expungedSince(view.mailbox.id, since);
  const vanished = expunged.filter((uid) => inSet(uid) && view.seqOf(uid) === 0);
  if (vanished.length > 0) await session.untagged(`VANISHED (EARLIER) ${compactSet(vanished)}`);
}

/** The old RFC822 names as the sections they stand for. */
function sectionOf(item: SectionItem | Extract<FetchItem, { type: 'rfc822' }>): SectionItem {
  if (item.type === 'section') return item;
  return { type: 'section', peek: true, part: [], text: item.name === 'RFC822' ? '' : item.name === 'RFC822.HEADER' ? 'HEADER' : 'TEXT', fields: [], partial: null };
}

/** The span of a message's bytes that its body items will read, for the read-ahead; none when they read nothing. */
function plannedRange(message: MessageMeta, blob: BlobMeta | null, items: FetchItem[]): BodyRange[] {
  if (!blob) return [];
  const prefixLength = Buffer.byteLength(message.prefix);
  let start = Infinity;
  let end = 0;
  for (const item of items) {
    let range: ByteRange | null = null;
    if (item.type === 'binary') range = binaryPart(blob, prefixLength, message.size, item.part)?.range ?? null;
    else if (item.type === 'section' || item.type === 'rfc822') {
      const section = sectionOf(item);
      range = sectionRange(blob, prefixLength, message.size, section.part, section.text);
      if (range && section.fields.length === 0) range = clip(range, section.partial);
    }
    if (!range || range.start >= range.end) continue;
    start = Math.min(start, range.start);
    end = Math.max(end, range.end);
  }
  return start < end ? [{ message, start, end, blob }] : [];
}

type Answered = 'sent' | 'closed' | 'unknown-cte' | 'skipped' | 'cut';

/** What the store holds of a message's body that its response needs: the blob record, the fetch summary, or neither. */
interface Stored {
  blob: BlobMeta | null;
  summary: FetchSummary | null;
}

/**
 * Writes one `* n FETCH (...)`: 'closed' when the connection went away,
 * 'unknown-cte' (before anything is written) when a BINARY part cannot be decoded.
 * A message expunged elsewhere while it is read is 'skipped' when nothing of it
 * was written yet, else 'cut': its response is closed with what was sent.
 */
async function respond(session: ImapSession, reader: BodyReader, message: MessageMeta, stored: Stored, items: FetchItem[]): Promise<Answered> {
  const opened = { value: false };
  try {
    return await writeResponse(session, reader, message, stored, items, opened);
  } catch (err) {
    if (!isVanished(err) && !(err instanceof LiteralCut)) throw err;
    if (!opened.value && !(err instanceof LiteralCut)) return 'skipped';
    return (await session.write(')\r\n')) ? 'cut' : 'closed';
  }
}

async function writeResponse(session: ImapSession, reader: BodyReader, message: MessageMeta, stored: Stored, items: FetchItem[], opened: { value: boolean }): Promise<Answered> {
  const view = session.view!;
  const { blob } = stored;
  const prefixLength = Buffer.byteLength(message.prefix);
  const binaryParts = new Map<BinaryItem, BinaryPart | null>();
  for (const item of items) {
    if (item.type !== 'binary') continue;
    const part = blob ? binaryPart(blob, prefixLength, message.size, item.part) : null;
    if (part && binaryHandling(part.encoding) === 'unknown') return 'unknown-cte';
    binaryParts.set(item, part);
  }
  let out = `* ${fetchHead(view.seqOf(message.uid), message.uid, isUidOnly(session))}`;
  for (const [n, item] of items.entries()) {
    if (n > 0) out += ' ';
    if (item.type === 'simple') {
      out += simple(session, message, stored, item.name);
      continue;
    }
    if (item.type === 'binary') {
      const next = await binary(session, reader, message, item, binaryParts.get(item)!, out);
      if (next === null) return 'closed';
      if (next === '') opened.value = true;
      out = next;
      continue;
    }
    const section = sectionOf(item);
    const label = item.type === 'section' ? sectionLabel(item) : item.name;
    const range = blob ? sectionRange(blob, prefixLength, message.size, section.part, section.text) : null;
    if (!range) {
      out += `${label} NIL`;
      continue;
    }
    if (section.fields.length > 0) {
      const header = await read(reader, message, range);
      const data = window(filterHeader(header, section.fields, section.text === 'HEADER.FIELDS.NOT'), section.partial);
      out += `${label} ${literalHead(data.length)}${withoutNul(data).toString('latin1')}`;
      continue;
    }
    if (!(await stream(session, reader, message, `${out}${label} `, clip(range, section.partial), literalHead))) return 'closed';
    opened.value = true;
    out = '';
  }
  return (await session.write(`${out})\r\n`)) ? 'sent' : 'closed';
}

/**
 * Adds one BINARY item (RFC 3516) to the response text `out` and returns the text
 * still to write, or null when the connection went away. Encoded parts are decoded
 * chunk by chunk, twice (size, then bytes); parts as stored are streamed.
 */
async function binary(session: ImapSession, reader: BodyReader, message: MessageMeta, item: BinaryItem, part: BinaryPart | null, out: string): Promise<string | null> {
  const label = binaryLabel(item);
  if (!part) return `${out}${label} ${item.size ? '0' : 'NIL'}`;
  if (binaryHandling(part.encoding) === 'decode') {
    const body = () => reader.read(message, part.range.start, part.range.end);
    const from = item.partial?.start ?? 0;
    const to = item.partial ? from + item.partial.count : Infinity;
    const size = await decodedSize(body(), part.encoding, to);
    if (item.size) return `${out}${label} ${size}`;
    if (!(await session.write(`${out}${label} ${literal8Head(Math.max(0, size - from))}`))) return null;
    for await (const chunk of announced(decodedRange(body(), part.encoding, from, to), Math.max(0, size - from))) if (!(await session.write(chunk))) return null;
    return '';
  }
  if (item.size) return `${out}${label} ${part.range.end - part.range.start}`;
  // Bytes as stored may hold NULs: they go out as a literal8.
  return (await stream(session, reader, message, `${out}${label} `, clip(part.range, item.partial), literal8Head)) ? '' : null;
}

function simple(session: ImapSession, message: MessageMeta, { blob, summary }: Stored, name: string): string {
  switch (name) {
    case 'UID':
      return `UID ${message.uid}`;
    case 'FLAGS':
      session.view!.told(message.uid, message.modSeq);
      return `FLAGS ${session.view!.flagList(message)}`;
    case 'INTERNALDATE':
      return `INTERNALDATE ${dateTime(message.internalDate)}`;
    case 'RFC822.SIZE':
      return `RFC822.SIZE ${message.size}`;
    case 'MODSEQ':
      return `MODSEQ (${message.modSeq})`;
    case 'ENVELOPE':
      return `ENVELOPE ${summary?.envelope ?? 'NIL'}`;
    case 'SAVEDATE':
      return `SAVEDATE ${dateTime(message.savedDate)}`;
    case 'EMAILID':
      return `EMAILID (${emailId(message)})`;
    case 'THREADID':
      return `THREADID ${blob ? `(${threadId(blob.index.fields, message)})` : 'NIL'}`;
    case 'PREVIEW':
      return `PREVIEW ${blob ? str(blob.index.preview) : 'NIL'}`;
    case 'BODYSTRUCTURE':
      return `BODYSTRUCTURE ${summary?.bodyStructure ?? 'NIL'}`;
    default:
      return `BODY ${summary?.body ?? 'NIL'}`;
  }
}

/**
 * Writes `before`, then a range of the message as a literal, chunk by chunk; false when
 * the connection went away. Only a literal8 may carry NUL (RFC 9051 4.3.1): in a
 * plain literal each NUL goes out as 0x80, as Dovecot writes NULs in header text, so
 * sizes stay exact; BINARY[] gives the octets as stored.
 */
async function stream(session: ImapSession, reader: BodyReader, message: MessageMeta, before: string, range: ByteRange, head: (size: number) => string): Promise<boolean> {
  if (!(await session.write(`${before}${head(range.end - range.start)}`))) return false;
  const plain = head === literalHead;
  for await (const chunk of announced(reader.read(message, range.start, range.end), range.end - range.start)) {
    if (!(await session.write(plain ? withoutNul(chunk) : chunk))) return false;
  }
  return true;
}

function withoutNul(data: Buffer): Buffer {
  let at = data.indexOf(0);
  if (at < 0) return data;
  const out = Buffer.from(data);
  for (; at >= 0; at = out.indexOf(0, at + 1)) out[at] = 0x80;
  return out;
}

async function read(reader: BodyReader, message: MessageMeta, range: ByteRange): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of reader.read(message, range.start, range.end)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** `<start.count>` applied to a range: past the end it is empty (RFC 3501 6.4.5). */
function clip(range: ByteRange, partial: SectionItem['partial']): ByteRange {
  if (!partial) return range;
  const start = Math.min(range.end, range.start + partial.start);
  return { start, end: Math.min(range.end, start + partial.count) };
}

function window(data: Buffer, partial: SectionItem['partial']): Buffer {
  if (!partial) return data;
  return data.subarray(Math.min(data.length, partial.start), Math.min(data.length, partial.start + partial.count));
}

/** RFC 3501 6.4.5. */
export default command({
  states: ['selected'],
  expunges: false,
  parse: (p) => parseFetchArgs(p, false),
  run: runFetch,
});

/** RFC 3501 6.4.8: FETCH by UID; the UID is always part of the answer. */
export const uidFetch = command({
  states: ['selected'],
  parse: (p) => parseFetchArgs(p, true),
  run: runFetch,
});
