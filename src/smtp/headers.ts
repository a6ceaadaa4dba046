import { isBlankLine, type BlockField } from '../mime/header.ts';
import { VERDICT_FIELDS } from '../spam/verdict.ts';

/**
 * The header block of `message` with its blank line, given where its last field ends;
 * the whole message when no blank line follows (a message without a body).
 */
export function headerBlock(message: Buffer, fieldsEnd: number): Buffer {
  if (!isBlankLine(message, fieldsEnd)) return message;
  return message.subarray(0, fieldsEnd + (message[fieldsEnd] === 0x0d ? 2 : 1));
}

/** The message without the given fields (in the order they appear). */
export function withoutFields(raw: Buffer, drop: BlockField[]): Buffer {
  if (drop.length === 0) return raw;
  const parts: Buffer[] = [];
  let pos = 0;
  for (const field of drop) {
    parts.push(raw.subarray(pos, field.start));
    pos = field.end;
  }
  parts.push(raw.subarray(pos));
  return Buffer.concat(parts);
}

/** Skips folding white space and comments (RFC 5322 3.2.2: nested, with quoted pairs) from `i`. */
function skipCfws(value: string, i: number): number {
  let depth = 0;
  for (; i < value.length; i++) {
    const c = value[i]!;
    if (depth > 0 && c === '\\') i++;
    else if (c === '(') depth++;
    else if (depth > 0 && c === ')') depth--;
    else if (depth === 0 && !/\s/.test(c)) break;
  }
  return i;
}

/** A byte that ends an RFC 2045 token: white space, a control or a tspecial. */
const TOKEN_END = /[\s\x00-\x1f\x7f()<>@,;:\\"/[\]?=]/;

/**
 * The authserv-id an Authentication-Results field names (RFC 8601 2.2: a token or a
 * quoted-string, after optional comments), read as a strict reader would: quoted pairs
 * undone, a token cut at its first tspecial (so `host/x;` counts as `host`).
 */
export function authservId(value: string): string {
  let i = skipCfws(value, 0);
  if (value[i] !== '"') {
    const start = i;
    while (i < value.length && !TOKEN_END.test(value[i]!)) i++;
    return value.slice(start, i);
  }
  let id = '';
  for (i++; i < value.length && value[i] !== '"'; i++) id += value[i] === '\\' ? (value[++i] ?? '') : value[i];
  return id;
}

/** A host name as written in a trace field, for comparing: no quotes, no white space, lower case, no root dot. */
const hostKey = (name: string): string => name.replace(/^"|"$/g, '').replace(/\s+/g, '').toLowerCase().replace(/\.$/, '');

/** Whether a host name (a trace field's, a client's LHLO) is `hostname`, however it is written. */
export const isOurName = (name: string, hostname: string): boolean => hostKey(name) === hostKey(hostname);

/**
 * The hosts a Received-SPF field names as the one that checked: the `receiver=` key
 * (RFC 7208 9.1) and the host that starts its comment, as mailauth writes it.
 */
function spfReceivers(value: string): string[] {
  const hosts = [...value.matchAll(/(?:^|[\s;])receiver\s*=\s*("[^"]*"|[^\s;]+)/gi)].map((m) => m[1]!);
  const comment = /^\s*[\w-]+\s*\(\s*([^\s:()]+)\s*:/.exec(value);
  return comment ? [...hosts, comment[1]!] : hosts;
}

/** Whether a field is one of our trace fields: Authentication-Results or Received-SPF naming `hostname`. */
function namesUs(field: BlockField, own: string): boolean {
  if (field.name === 'authentication-results') return hostKey(authservId(field.value)) === own;
  if (field.name === 'received-spf') return spfReceivers(field.value).some((host) => hostKey(host) === own);
  return false;
}

/**
 * The fields of a message that claim to be ours (RFC 8601 5: a sender must not be able
 * to forge our verdict): with `trace`, the Authentication-Results and Received-SPF fields
 * that name `hostname`, however it is written (any case, quoted, with the root's trailing
 * dot, behind nested comments); with `verdicts`, the spam filter's X-Spam-* fields
 * (VERDICT_FIELDS), in any case.
 */
export function claimingToBeUs(fields: BlockField[], hostname: string, kinds: { trace: boolean; verdicts: boolean }): BlockField[] {
  const own = hostKey(hostname);
  return fields.filter((f) => (kinds.trace && namesUs(f, own)) || (kinds.verdicts && VERDICT_FIELDS.has(f.name)));
}
