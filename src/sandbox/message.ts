import type { AddressObject, ParsedMail } from 'mailparser';
import type { MessageMeta } from '../store/types.ts';
import { checkHtml, type HtmlReport } from './html-check.ts';

/** A captured message as the list shows it. */
export interface SandboxSummary {
  /** The message's IMAP UID in the sandbox INBOX. */
  id: number;
  from: string;
  to: string[];
  /** Where it was going: the envelope recipients (X-Original-To). */
  recipients: string[];
  subject: string;
  /** The Date header, or when it was captured. */
  date: string;
  receivedAt: string;
  size: number;
  attachmentCount: number;
}

export interface SandboxAttachment {
  index: number;
  filename: string;
  contentType: string;
  size: number;
  cid?: string;
}

/** A captured message, parsed: what the JSON API returns and the message page shows. */
export interface SandboxMessage extends SandboxSummary {
  attachments: SandboxAttachment[];
  text: string;
  /** With cid: images inlined as data: URLs; empty when the message has no HTML. */
  html: string;
  headers: { name: string; value: string }[];
  /** X-Spam-* fields, as the spam filter wrote them. */
  spam: { name: string; value: string }[];
  /** Authentication-Results fields. */
  authentication: string[];
  htmlCheck: HtmlReport | null;
}

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? v.name ?? '')).filter(Boolean);

/** The value of a raw header line, unfolded. */
const lineValue = (line: string): string => line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();

/**
 * mailparser, with the HTML and link libraries it pulls in, is about 10 MB of RSS; only
 * the sandbox uses it, so it is loaded at the first captured message shown.
 */
let mailparser: Promise<typeof import('mailparser')> | null = null;

export async function parseRaw(raw: Buffer): Promise<ParsedMail> {
  const { simpleParser } = await (mailparser ??= import('mailparser'));
  return simpleParser(raw, { skipTextToHtml: true });
}

export function summarize(meta: MessageMeta, mail: ParsedMail): SandboxSummary {
  const received = new Date(meta.internalDate).toISOString();
  return {
    id: meta.uid,
    from: addresses(mail.from)[0] ?? '',
    to: addresses(mail.to),
    recipients: mail.headerLines.filter((h) => h.key === 'x-original-to').map((h) => lineValue(h.line)),
    subject: mail.subject ?? '',
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : received,
    receivedAt: received,
    size: meta.size,
    attachmentCount: mail.attachments.length,
  };
}

export function describe(meta: MessageMeta, mail: ParsedMail): SandboxMessage {
  const headers = mail.headerLines.map((h) => ({ name: h.line.slice(0, h.line.indexOf(':')).trim(), value: lineValue(h.line) }));
  const html = typeof mail.html === 'string' ? mail.html : '';
  return {
    ...summarize(meta, mail),
    text: mail.text ?? '',
    html,
    headers,
    attachments: mail.attachments.map((a, index) => ({
      index,
      filename: a.filename ?? `attachment-${index + 1}`,
      contentType: a.contentType,
      size: a.size,
      ...(a.cid ? { cid: a.cid } : {}),
    })),
    spam: headers.filter((h) => /^x-spam-/i.test(h.name)),
    authentication: headers.filter((h) => /^authentication-results$/i.test(h.name)).map((h) => h.value),
    htmlCheck: html ? checkHtml(html) : null,
  };
}
