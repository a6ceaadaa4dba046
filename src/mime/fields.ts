/**
 * The header data SEARCH, SORT and THREAD need, decoded to Unicode once.
 */
import { parseAddressList, type Address } from './address.ts';
import { baseSubject } from './base-subject.ts';
import { parseDate } from './date.ts';
import { decodeHeaderText, headerBytesToUnicode } from './decode.ts';
import { lastValue } from './envelope.ts';
import type { HeaderField } from './header.ts';
import { parseStructure } from './structure.ts';
import type { AddressField, SearchFields } from './types.ts';

/** Header text kept per field, in UTF-16 units: bounds work and storage on hostile headers. */
export const FIELD_LIMIT = 64 * 1024;

const PLACEHOLDERS = new Set(['MISSING_MAILBOX', 'MISSING_DOMAIN', 'SYNTAX_ERROR']);

function clip(s: string): string {
  return s.length > FIELD_LIMIT ? s.slice(0, FIELD_LIMIT) : s;
}

function addressOf(a: Address): string {
  const mailbox = a.mailbox !== null && !PLACEHOLDERS.has(a.mailbox) ? headerBytesToUnicode(a.mailbox) : '';
  const domain = a.domain !== null && !PLACEHOLDERS.has(a.domain) ? headerBytesToUnicode(a.domain) : '';
  return domain ? `${mailbox}@${domain}` : mailbox;
}

/** The mailboxes of an address-list header value (groups flattened), as Unicode. */
export function mailboxes(value: string): AddressField['addresses'] {
  return parseAddressList(clip(value), 1000)
    .filter((a) => a.domain !== null)
    .map((a) => ({ name: a.name === null ? '' : decodeHeaderText(a.name), address: addressOf(a) }));
}

function addressField(value: string | null): AddressField {
  if (value === null) return { display: '', addresses: [] };
  return { display: decodeHeaderText(clip(value)), addresses: mailboxes(value) };
}

/** The version of the sort key rules below; records made by older rules are made again (imap/sort-fields.ts, store check). */
export const SORT_KEYS = 2;

/** The name of the group an address list starts with (`Cc: team: a@x.org;`, `To: empty:;`), else null. */
function leadingGroup(value: string | null): string | null {
  if (value === null) return null;
  const first = parseAddressList(clip(value), 1)[0];
  return first && first.domain === null && first.mailbox !== null ? decodeHeaderText(first.mailbox) : null;
}

/** RFC 5256 sort key: the first mailbox's local part, or the group's name when a group comes first (as Dovecot sorts). */
function sortKey(field: AddressField, group: string | null): string {
  if (group !== null) return group;
  const first = field.addresses[0];
  if (!first) return '';
  const at = first.address.lastIndexOf('@');
  return at < 0 ? first.address : first.address.slice(0, at);
}

/** RFC 5957 display key: the first mailbox's display name, else its address; a group's name when a group comes first. */
function displayKey(field: AddressField, group: string | null): string {
  if (group !== null) return group;
  const first = field.addresses[0];
  return first ? first.name || first.address : '';
}

function messageIds(value: string | null): string[] {
  if (value === null) return [];
  return clip(value).match(/<[^<>\s]*>/g) ?? [];
}

function firstId(value: string | null): string | null {
  if (value === null) return null;
  return messageIds(value)[0] ?? (clip(value).trim() || null);
}

/** The header data of a message from its header block alone (to make old records again). */
export function searchFieldsOfHeader(header: Buffer): SearchFields {
  return searchFields(parseStructure(header).fields);
}

export function searchFields(fields: Map<string, HeaderField[]>): SearchFields {
  const subjectRaw = lastValue(fields, 'subject');
  const subject = subjectRaw === null ? '' : decodeHeaderText(clip(subjectRaw));
  const from = addressField(lastValue(fields, 'from'));
  const to = addressField(lastValue(fields, 'to'));
  const cc = addressField(lastValue(fields, 'cc'));
  const [fromGroup, toGroup, ccGroup] = (['from', 'to', 'cc'] as const).map((name) => leadingGroup(lastValue(fields, name)));
  return {
    date: parseDate(lastValue(fields, 'date')),
    subject,
    baseSubject: baseSubject(subject),
    from,
    to,
    cc,
    sortKeys: SORT_KEYS,
    sortFrom: sortKey(from, fromGroup!),
    sortTo: sortKey(to, toGroup!),
    sortCc: sortKey(cc, ccGroup!),
    displayFrom: displayKey(from, fromGroup!),
    displayTo: displayKey(to, toGroup!),
    messageId: firstId(lastValue(fields, 'message-id')),
    inReplyTo: firstId(lastValue(fields, 'in-reply-to')),
    references: messageIds(lastValue(fields, 'references')),
  };
}
