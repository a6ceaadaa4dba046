/** One recipient's line in a delivery status notification. */
export interface DsnRecipient {
  address: string;
  /** `rfc822;addr` as given by the sender's ORCPT, or through an alias. */
  orcpt?: string;
  /** RFC 3463, e.g. "5.1.1". */
  status: string;
  remoteMta?: string;
  /** A remote server's reply, or what went wrong before there was one. */
  diagnostic?: string;
  lastAttempt?: number;
}

/** The RFC 3464 Action of every recipient in one report. */
export type DsnKind = 'failed' | 'delayed' | 'relayed' | 'delivered';

export interface DsnInput {
  kind: DsnKind;
  reportingMta: string;
  /** Absent for a report on local delivery, which never was in the queue. */
  queueId?: string;
  arrivalDate: number;
  envid?: string;
  /** The envelope sender the report goes to. */
  to: string;
  recipients: DsnRecipient[];
  /** For a delay: until when it is still tried. */
  willRetryUntil?: number;
  /** The original message, or only its header when `headersOnly`. */
  original: Buffer;
  headersOnly: boolean;
  date: number;
  messageId: string;
  boundary: string;
}

/** RFC 5322 date-time in UTC. */
export const rfc5322Date = (ms: number): string => new Date(ms).toUTCString().replace(/GMT$/, '+0000');

/** Header and report fields hold one line of printable text. */
const oneLine = (text: string): string => text.replace(/[\r\n]+\s*/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim();

/** An SMTP reply is reported as `smtp;`, anything else (DNS, connection) in Mailfold's own type. */
function diagnosticCode(text: string): string {
  return /^[245]\d\d[ -]/.test(text) ? `smtp; ${oneLine(text)}` : `X-Mailfold; ${oneLine(text)}`;
}

const INTRO: Record<DsnKind, (input: DsnInput) => string[]> = {
  failed: () => ['Your message could not be delivered to one or more recipients.', 'It is attached below. The reasons:'],
  delayed: (input) => [
    'Your message could not be delivered yet to one or more recipients.',
    `It is still being tried until ${rfc5322Date(input.willRetryUntil ?? input.date)}; you do not need to send it again.`,
    'The reasons so far:',
  ],
  relayed: () => [
    'Your message was handed to the servers of the recipients below, as you asked to be told.',
    'Those servers do not send delivery reports, so you will hear no more from them:',
  ],
  delivered: () => ['Your message was delivered to the recipients below, as you asked to be told:'],
};

const SUBJECT: Record<DsnKind, string> = {
  failed: 'Undelivered Mail Returned to Sender',
  delayed: 'Delayed Mail (still being retried)',
  relayed: 'Successful Mail Delivery Report',
  delivered: 'Successful Mail Delivery Report',
};

function humanText(input: DsnInput): string {
  const lines = [`This is the mail system at ${input.reportingMta}.`, '', ...INTRO[input.kind](input), ''];
  for (const r of input.recipients) lines.push(`<${r.address}>: ${oneLine(r.diagnostic ?? `status ${r.status}`)}`);
  return lines.join('\r\n') + '\r\n';
}

function statusFields(input: DsnInput): string {
  const head = [`Reporting-MTA: dns; ${input.reportingMta}`];
  if (input.queueId) head.push(`X-Mailfold-Queue-ID: ${input.queueId}`);
  if (input.envid) head.push(`Original-Envelope-Id: ${oneLine(input.envid)}`);
  head.push(`Arrival-Date: ${rfc5322Date(input.arrivalDate)}`);
  const blocks = input.recipients.map((r) => {
    const f = [`Final-Recipient: rfc822; ${r.address}`];
    if (r.orcpt) f.push(`Original-Recipient: ${oneLine(r.orcpt.replace(/^rfc822;\s*/i, 'rfc822; '))}`);
    f.push(`Action: ${input.kind}`, `Status: ${r.status}`);
    if (r.remoteMta) f.push(`Remote-MTA: dns; ${r.remoteMta}`);
    if (r.diagnostic) f.push(`Diagnostic-Code: ${diagnosticCode(r.diagnostic)}`);
    if (r.lastAttempt) f.push(`Last-Attempt-Date: ${rfc5322Date(r.lastAttempt)}`);
    if (input.kind === 'delayed' && input.willRetryUntil) f.push(`Will-Retry-Until: ${rfc5322Date(input.willRetryUntil)}`);
    return f.join('\r\n');
  });
  return [head.join('\r\n'), ...blocks].join('\r\n\r\n') + '\r\n';
}

/**
 * A delivery status notification (RFC 3464): multipart/report with a readable
 * part, the machine-readable message/delivery-status, and the original message
 * (or its header). Sent from the null sender, so it never causes another bounce.
 */
export function composeDsn(input: DsnInput): Buffer {
  const b = input.boundary;
  const header = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.to}>`,
    `Subject: ${SUBJECT[input.kind]}`,
    `Date: ${rfc5322Date(input.date)}`,
    `Message-ID: <${input.messageId}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
  ].join('\r\n');
  const originalType = input.headersOnly ? 'text/rfc822-headers' : 'message/rfc822';
  const original = input.original.subarray(-2).toString() === '\r\n' ? input.original : Buffer.concat([input.original, Buffer.from('\r\n')]);
  return Buffer.concat([
    Buffer.from(
      `${header}\r\n\r\nThis is a MIME-encapsulated delivery status notification.\r\n\r\n` +
        `--${b}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n${humanText(input)}\r\n` +
        `--${b}\r\nContent-Type: message/delivery-status\r\n\r\n${statusFields(input)}\r\n` +
        `--${b}\r\nContent-Type: ${originalType}\r\n\r\n`,
    ),
    original,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
}

/** The header of a message, up to and including the blank line that ends it. */
export function headerOf(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  return end === -1 ? message : message.subarray(0, end + 4);
}

/** The RFC 3463 code in a reply ("550 5.1.1 no such user"), or the class's generic one. */
export function statusOf(code: number, reply: string): string {
  const m = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (m && m[1]![0] === String(code)[0]) return m[1]!;
  return `${String(code)[0]}.0.0`;
}
