import { createHash } from 'node:crypto';
import { charsetDecode, decodeHeaderText, transferDecode } from '../mime/decode.ts';
import { htmlToText } from '../mime/html.ts';
import { indexParts } from '../mime/index.ts';
import type { PartIndex } from '../mime/types.ts';
import { splitHeader } from '../mime/header.ts';
import { VERDICT_FIELDS } from './verdict.ts';
import { MAX_TOKEN_LENGTH, MAX_TOKENS_PER_LESSON } from '../store/rules/spam.ts';

/** Only the start of a message is read: a spammer's 20 MB attachment costs no more than a letter. */
export const READ_LIMIT = 256 * 1024;
/** Header fields read, and characters of each: a 100 KB Subject says no more than its start. */
const MAX_FIELDS = 200;
const FIELD_LIMIT = 4096;
/** Text of one part that is tokenized, in characters. */
const TEXT_LIMIT = 64 * 1024;
/** Shorter words say little; longer ones are mostly encoded junk and are cut to their start. */
const WORD_MIN = 3;
const WORD_MAX = 24;
// Escaped, not literal: esbuild copies a regular expression's characters as they are, and
// one character above U+00FF makes V8 keep the whole bundle's source two bytes a character.
const WORD = /[\p{L}\p{N}$\u20ac\u00a3][\p{L}\p{N}$\u20ac\u00a3%'\u2019-]*/gu;
const HOST = /\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b/gi;
const URL_HOST = /(?:https?:\/\/|www\.)([a-z0-9.-]+)/gi;
const IPV4 = /\[?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}\]?/g;

/** Header fields the classifier reads, each with the prefix of its tokens. */
const WORD_FIELDS: Record<string, string> = { subject: 's', 'x-mailer': 'xm', 'user-agent': 'xm' };
/** Fields this server or a delivery adds, and fields that repeat per copy: learning them would only learn where a message was filed. */
const IGNORED = new Set(['return-path', 'delivered-to', ...VERDICT_FIELDS, 'authentication-results', 'received-spf', 'arc-seal', 'arc-message-signature', 'arc-authentication-results']);

/** The mark of a message for learning: a hash of the bytes the tokenizer reads, the same for every copy of it. */
export function messageMark(raw: Buffer): string {
  return createHash('sha256').update(raw.subarray(0, READ_LIMIT)).digest('hex').slice(0, 32);
}

/**
 * The distinct tokens of a message, each prefixed by where it was found: words of
 * the decoded Subject, the From name and domain, Received hosts and networks, the
 * Content-Type, X-Mailer; words of the text and HTML parts (HTML reduced to text),
 * the host names of links; the types of the other parts (attachments).
 */
export function messageTokens(raw: Buffer): string[] {
  const head = raw.subarray(0, READ_LIMIT);
  const tokens = new Set<string>();
  const add = (token: string) => {
    if (tokens.size < MAX_TOKENS_PER_LESSON) tokens.add(token.slice(0, MAX_TOKEN_LENGTH));
  };
  headerTokens(head, add);
  const index = indexParts(head);
  const from = index.fields.from.addresses[0];
  if (from) {
    for (const word of words(from.name)) add(`fn:${word}`);
    const domain = from.address.split('@')[1];
    if (domain) add(`fd:${domain.toLowerCase()}`);
  }
  for (const part of leaves(index.root)) partTokens(head, part, add);
  return [...tokens];
}

function headerTokens(raw: Buffer, add: (token: string) => void): void {
  for (const field of splitHeader(raw).slice(0, MAX_FIELDS)) {
    if (IGNORED.has(field.name)) continue;
    const prefix = WORD_FIELDS[field.name];
    const value = field.value.slice(0, FIELD_LIMIT);
    if (prefix) for (const word of words(decodeHeaderText(value))) add(`${prefix}:${word}`);
    else if (field.name === 'received') {
      for (const [, host] of value.matchAll(HOST)) add(`rh:${host!.toLowerCase()}`);
      for (const [, a, b, c] of value.matchAll(IPV4)) add(`rip:${a}.${b}.${c}`);
    } else if (field.name === 'content-type') {
      add(`ct:${value.split(';')[0]!.trim().toLowerCase()}`);
      const charset = /charset="?([\w.-]+)/i.exec(value);
      if (charset) add(`cs:${charset[1]!.toLowerCase()}`);
    }
    add(`h:${field.name}`);
  }
}

function partTokens(raw: Buffer, part: PartIndex, add: (token: string) => void): void {
  const type = `${part.type}/${part.subtype}`;
  if (part.type !== 'text') {
    add(`att:${type}`);
    return;
  }
  const end = Math.min(part.body.end, part.body.start + TEXT_LIMIT * 4);
  let text = charsetDecode(transferDecode(raw.subarray(part.body.start, end), part.encoding), part.charset).slice(0, TEXT_LIMIT);
  for (const [, host] of text.matchAll(URL_HOST)) {
    const name = host!.toLowerCase().replace(/\.$/, '');
    add(`url:${name}`);
    add(`ud:${name.split('.').slice(-2).join('.')}`);
  }
  if (part.subtype === 'html') {
    add('html');
    text = htmlToText(text);
  }
  for (const word of words(text)) add(word);
}

function words(text: string): string[] {
  const out: string[] = [];
  for (const [word] of text.toLowerCase().matchAll(WORD)) {
    if (word.length >= WORD_MIN) out.push(word.length > WORD_MAX ? `long:${word.slice(0, 8)}` : word);
  }
  return out;
}

/** The leaf parts in document order (inside attached messages too). */
function leaves(root: PartIndex): PartIndex[] {
  const out: PartIndex[] = [];
  const stack = [root];
  while (stack.length > 0 && out.length < 100) {
    const part = stack.pop()!;
    if (part.parts) for (let i = part.parts.length - 1; i >= 0; i--) stack.push(part.parts[i]!);
    else if (part.message) stack.push(part.message);
    else out.push(part);
  }
  return out;
}
