import type { MessageMeta } from '../store/types.ts';
import { badUrlCode, parseMessageUrl, type CatPart } from './catenate.ts';
import { no, type Outcome } from './command.ts';
import { sectionRange } from './message-parts.ts';
import type { ImapSession } from './session.ts';
import { isVanished } from './vanished-body.ts';

/**
 * The messages of an APPEND (or REPLACE) with each CATENATE built (RFC 4469 5),
 * its URL parts read from the user's own mailboxes. All messages of the command
 * together are bounded by the largest message APPEND takes (`limits.message_size`),
 * as the reader bounds their literals: a URL part is measured before it is read,
 * and past the bound the answer is NO [TOOBIG].
 */
export async function catenateAll<M extends { raw: Buffer; catenate?: CatPart[] }>(session: ImapSession, messages: readonly M[]): Promise<M[] | Outcome> {
  let room = session.deps.maxMessageSize - messages.reduce((n, m) => n + m.raw.length, 0);
  const out: M[] = [];
  for (const m of messages) {
    if (!m.catenate) {
      out.push(m);
      continue;
    }
    const raw = await buildCatenated(session, m.catenate, room);
    if (!Buffer.isBuffer(raw)) return raw;
    room -= raw.length;
    out.push({ ...m, raw });
  }
  return out;
}

/** A part located but not read yet: its bytes, or a range of a stored message. */
type Located = Buffer | { meta: MessageMeta; start: number; end: number };

/**
 * One message's parts in order, at most `room` octets. Every part is located (and
 * measured) first, then read once into a buffer of the final size: the message is
 * held once, not once in pieces and again joined.
 */
async function buildCatenated(session: ImapSession, parts: readonly CatPart[], room: number): Promise<Buffer | Outcome> {
  const located: Located[] = [];
  let size = 0;
  for (const part of parts) {
    const where = part.type === 'text' ? part.bytes : await locateUrl(session, part.url);
    if (!Buffer.isBuffer(where) && !('meta' in where)) return where;
    size += Buffer.isBuffer(where) ? where.length : where.end - where.start;
    if (size > room) return tooBig(session);
    located.push(where);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const where of located) {
    if (Buffer.isBuffer(where)) {
      at += where.copy(out, at);
      continue;
    }
    try {
      for await (const chunk of session.deps.store.readMessage(where.meta, where.start, where.end)) at += chunk.copy(out, at);
    } catch (err) {
      if (isVanished(err)) return no('A message a URL names was expunged meanwhile', 'EXPUNGEISSUED');
      throw err;
    }
  }
  // A message shorter than its record says (it cannot be, but a short read must not leave garbage).
  return at === size ? out : out.subarray(0, at);
}

function tooBig(session: ImapSession): Outcome {
  const limit = session.deps.maxMessageSize;
  session.log.warn({ ip: session.ip, user: session.account?.address, reason: 'catenate-too-big', limit }, 'CATENATE refused');
  return no(`The message would be larger than ${limit} octets`, 'TOOBIG');
}

/** Where the bytes a URL names are, or the NO [BADURL] for it. */
async function locateUrl(session: ImapSession, url: string): Promise<{ meta: MessageMeta; start: number; end: number } | Outcome> {
  const account = session.account!;
  const refuse = (reason: string): Outcome => {
    session.log.warn({ ip: session.ip, user: account.address, reason: 'catenate-bad-url', detail: reason }, 'CATENATE refused');
    return no(`Bad URL: ${reason}`, badUrlCode(url));
  };
  const parsed = parseMessageUrl(url, account.address);
  if (typeof parsed === 'string') return refuse(parsed);
  const store = session.deps.store;
  // Names resolve in the user's own mailboxes only: no other account's mailbox can be named.
  const mailbox = parsed.mailbox === null ? (session.view?.mailbox ?? null) : await store.getMailbox(account.id, parsed.mailbox);
  if (!mailbox) return refuse('no such mailbox');
  if (parsed.uidValidity !== null && parsed.uidValidity !== mailbox.uidValidity) return refuse('UIDVALIDITY does not match');
  const meta = await store.getMessage(mailbox.id, parsed.uid);
  if (!meta) return refuse('no such message');
  let range = { start: 0, end: meta.size };
  if (parsed.path.length > 0 || parsed.text !== '') {
    const blob = await store.getBlob(meta.blobId);
    const section = blob && sectionRange(blob, meta.prefix.length, meta.size, parsed.path, parsed.text);
    if (!section) return refuse('no such section');
    range = section;
  }
  if (parsed.partial) {
    const start = Math.min(range.start + parsed.partial.offset, range.end);
    range = { start, end: parsed.partial.length === null ? range.end : Math.min(range.end, start + parsed.partial.length) };
  }
  return { meta, ...range };
}
