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

/** One message's parts in order, at most `room` octets. */
async function buildCatenated(session: ImapSession, parts: readonly CatPart[], room: number): Promise<Buffer | Outcome> {
  const pieces: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    const bytes = part.type === 'text' ? part.bytes : await readUrl(session, part.url, room - size);
    if (!Buffer.isBuffer(bytes)) return bytes;
    size += bytes.length;
    if (size > room) return tooBig(session);
    pieces.push(bytes);
  }
  return Buffer.concat(pieces, size);
}

function tooBig(session: ImapSession): Outcome {
  const limit = session.deps.maxMessageSize;
  session.log.warn({ ip: session.ip, user: session.account?.address, reason: 'catenate-too-big', limit }, 'CATENATE refused');
  return no(`The message would be larger than ${limit} octets`, 'TOOBIG');
}

/** The bytes a URL names, at most `room` of them, or the NO [BADURL] / [TOOBIG] for it. */
async function readUrl(session: ImapSession, url: string, room: number): Promise<Buffer | Outcome> {
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
  if (range.end - range.start > room) return tooBig(session);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of store.readMessage(meta, range.start, range.end)) chunks.push(chunk);
  } catch (err) {
    if (isVanished(err)) return refuse('the message was expunged');
    throw err;
  }
  return Buffer.concat(chunks);
}
