import { parseAddressList, type Address } from './address.ts';
import type { HeaderField } from './header.ts';
import { cString, forHumans, noLf } from './imap-strings.ts';
import type { ImapValue } from './types.ts';

/** The value of the last field of that name, as Dovecot keeps the last one for ENVELOPE. */
export function lastValue(fields: Map<string, HeaderField[]>, name: string): string | null {
  const list = fields.get(name);
  return list ? list[list.length - 1]!.value : null;
}

function addressList(value: string | null): ImapValue {
  if (value === null) return null;
  const list = parseAddressList(value);
  if (list.length === 0) return null;
  return list.map((a: Address) => [
    a.name === null ? null : forHumans(cString(a.name)),
    a.route === null ? null : noLf(a.route),
    a.mailbox === null ? null : noLf(a.mailbox),
    a.domain === null ? null : noLf(a.domain),
  ]);
}

function text(value: string | null): string | null {
  return value === null ? null : noLf(cString(value));
}

/**
 * RFC 3501 ENVELOPE from a message's header fields: date, subject, from, sender,
 * reply-to, to, cc, bcc, in-reply-to, message-id; sender and reply-to default to from.
 */
export function buildEnvelope(fields: Map<string, HeaderField[]>): ImapValue {
  const subject = lastValue(fields, 'subject');
  const from = addressList(lastValue(fields, 'from'));
  const sender = addressList(lastValue(fields, 'sender'));
  const replyTo = addressList(lastValue(fields, 'reply-to'));
  return [
    text(lastValue(fields, 'date')),
    subject === null ? null : forHumans(cString(subject)),
    from,
    sender ?? from,
    replyTo ?? from,
    addressList(lastValue(fields, 'to')),
    addressList(lastValue(fields, 'cc')),
    addressList(lastValue(fields, 'bcc')),
    text(lastValue(fields, 'in-reply-to')),
    text(lastValue(fields, 'message-id')),
  ];
}
