/**
 * METADATA (RFC 5464): entry names, the arguments of GETMETADATA and SETMETADATA,
 * what a GETMETADATA selects and the `* METADATA` response. Pure.
 */
import type { MetadataEntry, MetadataLimits } from '../store/types.ts';
import { literal8Head, str } from './encoder.ts';
import { ParseError, type Parser } from './parser.ts';

/** The largest value one entry takes (advertised in `[METADATA MAXSIZE n]` when passed). */
export const MAX_VALUE = 64 * 1024;
/** What one account keeps over all its mailboxes and the server: entries, and their names and values in octets. */
export const ACCOUNT_LIMITS: MetadataLimits = { maxEntries: 1000, maxBytes: 1024 * 1024 };
/** Entry names longer than this are refused: they are keys in the store. */
export const MAX_ENTRY_NAME = 512;
/** Entries named in one command (the command line bounds them too; this bounds the work per entry). */
export const MAX_ENTRIES_PER_COMMAND = 100;

/**
 * entry = astring naming `/private/...` or `/shared/...` (RFC 5464 3.2): no `*` or
 * `%`, no empty level, no trailing `/`; printable ASCII only, as Dovecot. Names are
 * case-insensitive, so they are kept lower-cased. `root`: `/private` and `/shared`
 * themselves, which GETMETADATA takes to list what is below them (DEPTH).
 */
export function parseEntry(p: Parser, root = false): string {
  const name = p.astring();
  const problem =
    !(root ? /^\/(private|shared)(\/|$)/i : /^\/(private|shared)\//i).test(name) ? 'must begin with /private/ or /shared/'
    : name.length > MAX_ENTRY_NAME ? `is longer than ${MAX_ENTRY_NAME} characters`
    : /[^\x21-\x7e]/.test(name) ? 'must be printable ASCII'
    : /[*%]/.test(name) ? 'must not contain * or %'
    : name.includes('//') || name.endsWith('/') ? 'has an empty level'
    : null;
  if (problem) throw new ParseError(`entry name ${problem}`);
  return name.toLowerCase();
}

/** entries = entry / "(" entry *(SP entry) ")", for GETMETADATA. */
export function parseEntries(p: Parser): string[] {
  const entries = p.peek() === 0x28 ? p.list(() => parseEntry(p, true), false) : [parseEntry(p, true)];
  if (entries.length > MAX_ENTRIES_PER_COMMAND) throw new ParseError(`at most ${MAX_ENTRIES_PER_COMMAND} entries in one command`);
  return [...new Set(entries)];
}

export interface GetOptions {
  /** Values longer than this are left out (LONGENTRIES); null: no bound. */
  maxSize: number | null;
  /** 0: the entry only, 1: and its children, Infinity: and all below it (RFC 5464 4.2.2). */
  depth: number;
}

/** `"(" getmetadata-option *(SP getmetadata-option) ")"`: MAXSIZE n, DEPTH 0 / 1 / infinity. */
export function parseGetOptions(p: Parser): GetOptions {
  const options: GetOptions = { maxSize: null, depth: 0 };
  const seen = new Set<string>();
  p.list(() => {
    const name = p.keyword();
    if (seen.has(name)) throw new ParseError(`${name} given twice`);
    seen.add(name);
    p.sp();
    if (name === 'MAXSIZE') options.maxSize = p.number();
    else if (name === 'DEPTH') {
      const depth = p.atom().toLowerCase();
      if (depth !== '0' && depth !== '1' && depth !== 'infinity') throw new ParseError('DEPTH is 0, 1 or infinity');
      options.depth = depth === 'infinity' ? Infinity : Number(depth);
    } else throw new ParseError(`unknown GETMETADATA option ${name}`);
  }, false);
  return options;
}

/** `"(" entry SP value *(SP entry SP value) ")"`; value = nstring / literal8, NIL removes. */
export function parseEntryValues(p: Parser): { entry: string; value: Buffer | null }[] {
  const changes = p.list(() => {
    const entry = parseEntry(p);
    p.sp();
    if (p.take('NIL')) return { entry, value: null };
    // literal8 (RFC 5464 5.4): a value may hold NULs.
    if (p.take('~') && p.peek() !== 0x7b) throw new ParseError('expected a literal8 after ~');
    return { entry, value: p.stringBytes() };
  }, false);
  if (changes.length > MAX_ENTRIES_PER_COMMAND) throw new ParseError(`at most ${MAX_ENTRIES_PER_COMMAND} entries in one command`);
  if (new Set(changes.map((c) => c.entry)).size !== changes.length) throw new ParseError('an entry is named twice');
  return changes;
}

export interface Selection {
  /** Entries to send, with a null value for a requested entry that does not exist. */
  found: { entry: string; value: Buffer | null }[];
  /** The largest value left out by MAXSIZE, or 0. */
  longest: number;
}

/** What GETMETADATA answers for `requested` over the stored entries (sorted by name). */
export function selectEntries(stored: readonly MetadataEntry[], requested: readonly string[], options: GetOptions): Selection {
  const found: Selection['found'] = [];
  let longest = 0;
  const sent = new Set<string>();
  const add = (e: MetadataEntry) => {
    if (sent.has(e.entry)) return;
    sent.add(e.entry);
    if (options.maxSize !== null && e.value.length > options.maxSize) longest = Math.max(longest, e.value.length);
    else found.push(e);
  };
  for (const name of requested) {
    const own = stored.find((e) => e.entry === name);
    if (own) add(own);
    else if (!sent.has(name) && options.depth === 0) {
      sent.add(name);
      found.push({ entry: name, value: null });
    }
    if (options.depth === 0) continue;
    for (const e of stored) {
      if (!e.entry.startsWith(`${name}/`)) continue;
      const below = e.entry.slice(name.length + 1).split('/').length;
      if (below <= options.depth) add(e);
    }
  }
  return { found, longest };
}

/** The `* METADATA mailbox (entry value ...)` line; values with NUL go as literal8 (RFC 5464 5.4). */
export function metadataResponse(mailbox: string, found: Selection['found']): string {
  const items = found.map(({ entry, value }) => {
    const text = value === null ? 'NIL' : value.includes(0) ? `${literal8Head(value.length)}${value.toString('latin1')}` : str(value);
    return `${str(entry)} ${text}`;
  });
  return `METADATA ${mailbox} (${items.join(' ')})`;
}
