/**
 * The header data SEARCH, SORT and THREAD need, decoded to Unicode once.
 */
import { parseAddressList, type Address } from './address.ts';
import { baseSubject } from './base-subject.ts';
import { parseDate } from './date.ts';
import { decodeHeaderText, headerBytesToUnicode } from './decode.ts';
import { lastValue } from './envelope.ts';
import type { HeaderField } from './header.ts';
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

function addressField(value: string | null): AddressField {
  if (value === null) return { display: '', addresses: [] };
  const raw = clip(value);
  const addresses = parseAddressList(raw, 1000)
    .filter((a) => a.domain !== null)
    .map((a) => ({ name: a.name === null ? '' : decodeHeaderText(a.name), address: addressOf(a) }));
  return { display: decodeHeaderText(raw), addresses };
}

/** RFC 5256 sort key: the first mailbox's local part. */
function sortKey(field: AddressField): string {
  const first = field.addresses[0];
  if (!first) return '';
  const at = first.address.lastIndexOf('@');
  return at < 0 ? first.address : first.address.slice(0, at);
}

/** RFC 5957 display key: the first mailbox's display name, else its address. */
function displayKey(field: AddressField): string {
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

export function searchFields(fields: Map<string, HeaderField[]>): SearchFields {
  const subjectRaw = lastValue(fields, 'subject');
  const subject = subjectRaw === null ? '' : decodeHeaderText(clip(subjectRaw));
  const from = addressField(lastValue(fields, 'from'));
  const to = addressField(lastValue(fields, 'to'));
  const cc = addressField(lastValue(fields, 'cc'));
  return {
    date: parseDate(lastValue(fields, 'date')),
    subject,
    baseSubject: baseSubject(subject),
    from,
    to,
    cc,
    sortFrom: sortKey(from),
    sortTo: sortKey(to),
    sortCc: sortKey(cc),
    displayFrom: displayKey(from),
    displayTo: displayKey(to),
    messageId: firstId(lastValue(fields, 'message-id')),
    inReplyTo: firstId(lastValue(fields, 'in-reply-to')),
    references: messageIds(lastValue(fields, 'references')),
  };
}
