import { isBlankLine, type BlockField } from '../mime/header.ts';

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

/** A field value with its comments (RFC 5322 3.2.2: nested, with quoted pairs) turned into spaces. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (depth === 0) {
      if (c === '(') depth = 1;
      else out += c;
    } else if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) out += ' ';
  }
  return out;
}

/** A host name as written in a trace field, for comparing: no quotes, lower case, no root dot. */
const hostKey = (name: string): string => name.replace(/^"|"$/g, '').toLowerCase().replace(/\.$/, '');

/** The authserv-id an Authentication-Results field names: its first token (RFC 8601 2.2). */
const authservId = (value: string): string => withoutComments(value).trim().split(/[\s;]+/)[0] ?? '';

/**
 * The hosts a Received-SPF field names as the one that checked: the `receiver=` key
 * (RFC 7208 9.1) and the host that starts its comment, as mailauth writes it.
 */
function spfReceivers(value: string): string[] {
  const hosts = [...value.matchAll(/(?:^|[\s;])receiver\s*=\s*("[^"]*"|[^\s;]+)/gi)].map((m) => m[1]!);
  const comment = /^\s*[\w-]+\s*\(\s*([^\s:()]+)\s*:/.exec(value);
  return comment ? [...hosts, comment[1]!] : hosts;
}

/**
 * The Authentication-Results and Received-SPF fields that claim to come from `hostname`
 * (RFC 8601 5: a sender must not be able to forge our verdict), however the name is
 * written: any case, quoted, with the root's trailing dot, behind nested comments.
 */
export function claimingToBeUs(fields: BlockField[], hostname: string): BlockField[] {
  const own = hostKey(hostname);
  return fields.filter((f) =>
    f.name === 'authentication-results' ? hostKey(authservId(f.value)) === own
    : f.name === 'received-spf' ? spfReceivers(f.value).some((host) => hostKey(host) === own)
    : false,
  );
}
