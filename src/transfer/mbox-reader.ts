import { open } from 'node:fs/promises';
import { ByteReader } from './byte-reader.ts';
import { readStateFields } from './mbox-headers.ts';
import type { Warn } from './source.ts';

/** A line is read in pieces of at most this much; only a piece at a line's start can be a From_ line. */
const MAX_LINE = 64 * 1024;
const FROM = Buffer.from('From ');
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export interface MboxMessage {
  raw: Buffer;
  flags: string[];
  internalDate?: number;
  /** Where its From_ line starts in the file. */
  offset: number;
}

const isBlank = (line: Buffer) => line.length <= 2 && (line.equals(Buffer.from('\n')) || line.equals(Buffer.from('\r\n')));
const startsWithFrom = (line: Buffer) => line.subarray(0, 5).equals(FROM);

/**
 * The messages of an mbox file, one at a time (the file is never read whole). It
 * reads mboxrd and mboxo (a `>From ` line loses one `>`) and the Content-Length
 * variants (mboxcl, mboxcl2), whose length is used when it points at the next From_
 * line or the end. A message over `maxMessage` bytes is skipped with a warning.
 */
export async function* readMbox(path: string, maxMessage: number, warn: Warn): AsyncGenerator<MboxMessage> {
  const file = await open(path, 'r');
  try {
    const reader = new ByteReader(file);
    let first = await reader.line(MAX_LINE);
    if (first === null) return;
    if (!startsWithFrom(first.bytes)) throw new Error(`${path} is not an mbox file: it does not start with a "From " line`);
    while (first) {
      const offset = reader.offset - first.bytes.length;
      const fromLine = first.bytes.toString('latin1');
      let fromWhole = first.whole;
      while (!fromWhole) {
        const rest = await reader.line(MAX_LINE);
        if (!rest) break;
        fromWhole = rest.whole;
      }
      const header = await readHeader(reader);
      const message = await readBody(reader, header, maxMessage);
      first = message.next;
      if (message.oversize) {
        warn(`the message at byte ${offset} of ${path} is larger than limits.message_size (${maxMessage} bytes); skipped`);
        continue;
      }
      const { flags, header: kept } = readStateFields(header.text);
      const raw = Buffer.concat([Buffer.from(kept, 'latin1'), header.blank, ...message.body]);
      if (raw.toString('latin1').trim() === '') {
        warn(`the message at byte ${offset} of ${path} is empty; skipped`);
        continue;
      }
      yield { raw, flags, internalDate: fromLineDate(fromLine) ?? headerDate(kept), offset };
    }
  } finally {
    await file.close();
  }
}

interface Header {
  text: string;
  /** The empty line that ends it, as written (none when the message has no body). */
  blank: Buffer;
  contentLength: number | null;
}

async function readHeader(reader: ByteReader): Promise<Header> {
  const lines: Buffer[] = [];
  let atStart = true;
  for (;;) {
    const line = await reader.line(MAX_LINE);
    if (!line) break;
    if (atStart && line.whole && isBlank(line.bytes)) return header(lines, line.bytes);
    if (atStart && startsWithFrom(line.bytes)) {
      reader.unread(line.bytes);
      break;
    }
    lines.push(line.bytes);
    atStart = line.whole;
  }
  return header(lines, Buffer.alloc(0));
}

function header(lines: Buffer[], blank: Buffer): Header {
  const text = Buffer.concat(lines).toString('latin1');
  const match = /^content-length:[ \t]*(\d{1,15})[ \t]*\r?$/im.exec(text);
  return { text, blank, contentLength: match ? Number(match[1]) : null };
}

interface Body {
  body: Buffer[];
  oversize: boolean;
  /** The From_ line of the next message, or null at the end of the file. */
  next: { bytes: Buffer; whole: boolean } | null;
}

async function readBody(reader: ByteReader, header: Header, maxMessage: number): Promise<Body> {
  if (header.contentLength !== null && header.blank.length > 0 && header.contentLength <= maxMessage) {
    const exact = await byLength(reader, header.contentLength);
    if (exact) return exact;
  }
  return byFromLines(reader, maxMessage - header.text.length);
}

/** The Content-Length variant: taken only when the length ends at a From_ line or the end of the file. */
async function byLength(reader: ByteReader, length: number): Promise<Body | null> {
  const body = await reader.bytes(length);
  if (body.length < length) {
    reader.unread(body);
    return null;
  }
  // Up to two line ends, then a From_ line or the end (a peek shorter than asked is the end).
  const ahead = (await reader.peek(9)).toString('latin1');
  const skip = /^(\r?\n){0,2}(?=From |$)/.exec(ahead);
  if (!skip) {
    reader.unread(body);
    return null;
  }
  if (skip[0].length > 0) await reader.bytes(skip[0].length);
  return { body: [body], oversize: false, next: await reader.line(MAX_LINE) };
}

/** mboxrd/mboxo: the body runs to the next From_ line; `>From ` lines lose one `>`. */
async function byFromLines(reader: ByteReader, room: number): Promise<Body> {
  const body: Buffer[] = [];
  let size = 0;
  let oversize = false;
  let atStart = true;
  let next: Body['next'] = null;
  for (;;) {
    const line = await reader.line(MAX_LINE);
    if (!line) break;
    if (atStart && startsWithFrom(line.bytes)) {
      next = line;
      break;
    }
    const bytes = atStart && /^>+From /.test(line.bytes.subarray(0, 64).toString('latin1')) ? line.bytes.subarray(1) : line.bytes;
    atStart = line.whole;
    size += bytes.length;
    if (size > room) oversize = true;
    if (!oversize) body.push(bytes);
  }
  // The empty line before the next From_ line separates; it is not part of the message.
  const last = body.at(-1);
  if (last && isBlank(last)) body.pop();
  return { body, oversize, next };
}

/** `From sender Tue Mar 19 10:00:00 2024` (asctime, taken as UTC). */
function fromLineDate(line: string): number | undefined {
  const m = /([A-Za-z]{3}) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))?(?: +[A-Z]{3,5})? +(\d{4})/.exec(line);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month < 0) return undefined;
  const time = Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0));
  return Number.isFinite(time) ? time : undefined;
}

function headerDate(header: string): number | undefined {
  const m = /^date:[ \t]*(.+(?:\r?\n[ \t].*)*)/im.exec(header);
  const time = m ? Date.parse(m[1]!.replace(/\s+/g, ' ')) : NaN;
  return Number.isFinite(time) ? time : undefined;
}
