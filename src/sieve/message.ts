import { parseAddressList } from '../mime/address.ts';
import { decodeHeaderText, headerBytesToUnicode } from '../mime/decode.ts';
import { splitHeader, type BlockField } from '../mime/header.ts';
import { indexMessage } from '../mime/index.ts';
import type { PartIndex } from '../mime/types.ts';

/** A header field of the message as the script sees it, editable by editheader. */
export interface SieveHeaderField {
  /** As written. */
  name: string;
  /** Unfolded, as a latin1 byte-string. */
  value: string;
  /** The field's lines as they will be written back. */
  raw: Buffer;
  /** One of the fields delivery writes in front of this account's copy only (Return-Path, Delivered-To, the spam verdict). */
  perCopy?: true;
}

/**
 * The message a script judges: header fields in order (editheader changes them), the
 * body as received. Given `prefix`, the fields delivery writes in front of the account's
 * copy come first, as the copy will be stored (Pigeonhole's scripts see Dovecot's
 * Delivered-To and the spam filter's fields the same way). `raw()` gives the shared
 * message back with the edits, `prefix()` the copy's own fields with theirs.
 */
export class SieveMessage {
  readonly fields: SieveHeaderField[];
  readonly size: number;
  readonly #original: Buffer;
  readonly #bodyStart: number;
  #edited = false;
  #root: PartIndex | null = null;
  /** Decoded values by lower-cased name: a script may test the same field many times. */
  readonly #decoded = new Map<string, string[]>();

  constructor(raw: Buffer, prefix = '') {
    this.#original = raw;
    const own = Buffer.from(prefix);
    this.size = own.length + raw.length;
    const fields = splitHeader(raw);
    const headerEnd = fields.at(-1)?.end ?? 0;
    const blank = raw.subarray(headerEnd, headerEnd + 2).toString('latin1');
    this.#bodyStart = headerEnd + (blank.startsWith('\r\n') ? 2 : blank.startsWith('\n') ? 1 : 0);
    this.fields = [...splitHeader(own).map((f) => ({ ...fieldOf(f), perCopy: true as const })), ...fields.map(fieldOf)];
  }

  /** RFC 5228 5.7: decoded values of the named fields, in order, with leading and trailing blanks removed. */
  values(name: string): string[] {
    const lower = name.toLowerCase();
    let values = this.#decoded.get(lower);
    if (!values) {
      values = this.rawValues(lower).map(decodeHeaderText);
      this.#decoded.set(lower, values);
    }
    return values;
  }

  /** Addresses (`local@domain`, or the bare local part) in the named fields, in order. */
  addresses(name: string, index?: { n: number; last: boolean }): string[] {
    let values = this.rawValues(name);
    if (index) values = pick(values, index);
    return values.flatMap((v) =>
      parseAddressList(v)
        // A group's start and end are tuples without a domain, and the parser fills the parts
        // an invalid address lacks with markers (as Dovecot does): only whole mailboxes count.
        .filter((a) => a.mailbox !== null && a.domain !== null && a.mailbox !== 'MISSING_MAILBOX' && a.domain !== 'MISSING_DOMAIN')
        .map((a) => headerBytesToUnicode(`${a.mailbox}@${a.domain}`)),
    );
  }

  rawValues(name: string): string[] {
    const lower = name.toLowerCase();
    return this.fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
  }

  get body(): Buffer {
    return this.#original.subarray(this.#bodyStart);
  }

  /** The MIME structure, indexed when a body test first asks for it. */
  get root(): PartIndex {
    this.#root ??= indexMessage(this.#original).root;
    return this.#root;
  }

  get original(): Buffer {
    return this.#original;
  }

  get edited(): boolean {
    return this.#edited;
  }

  /**
   * RFC 5293: a new field on top of the message, or at the end with `last`. The top is
   * under the copy's own fields: Return-Path stays the first field (RFC 5321 4.4).
   */
  addField(name: string, value: string, last: boolean): void {
    const raw = Buffer.from(`${name}: ${value}\r\n`, 'utf8');
    const field = { name, value: raw.toString('latin1').slice(name.length + 2, -2), raw };
    if (last) this.fields.push(field);
    else this.fields.splice(this.fields.filter((f) => f.perCopy).length, 0, field);
    this.#edited = true;
    this.#decoded.clear();
  }

  removeFields(which: SieveHeaderField[]): void {
    for (const field of which) this.fields.splice(this.fields.indexOf(field), 1);
    if (which.some((f) => !f.perCopy)) this.#edited = true;
    this.#decoded.clear();
  }

  /** The message with the script's header edits, without the copy's own fields. */
  raw(): Buffer {
    if (!this.#edited) return this.#original;
    return Buffer.concat([...this.fields.filter((f) => !f.perCopy).map((f) => f.raw), Buffer.from('\r\n'), this.body]);
  }

  /** The copy's own fields, less those the script deleted. */
  prefix(): string {
    return Buffer.concat(this.fields.filter((f) => f.perCopy).map((f) => f.raw)).toString();
  }
}

/** A field of the message's header block as the script sees it. */
function fieldOf(f: BlockField): SieveHeaderField {
  return { name: f.raw.toString('latin1').slice(0, f.raw.indexOf(':')).trim(), value: f.value, raw: f.raw };
}

/** The `:index` field of a list (RFC 5260 4), counted from 1, from the end with `:last`. */
export function pick<T>(list: T[], index: { n: number; last: boolean }): T[] {
  const i = index.last ? list.length - index.n : index.n - 1;
  return i >= 0 && i < list.length ? [list[i]!] : [];
}
