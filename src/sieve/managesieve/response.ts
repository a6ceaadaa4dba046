/**
 * What the server sends (RFC 5804 section 4): strings quoted when they can be, as a
 * literal `{n}` when they cannot, and the OK / NO / BYE status lines with their codes.
 */

const MAX_QUOTED = 1024;

/** A string for the client: UTF-8 bytes, quoted or literal. */
export function sieveString(text: string | Buffer): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (bytes.length <= MAX_QUOTED && !bytes.includes(0x0a) && !bytes.includes(0x0d) && !bytes.includes(0)) {
    return Buffer.concat([Buffer.from('"'), Buffer.from(bytes.toString('utf8').replace(/["\\]/g, '\\$&'), 'utf8'), Buffer.from('"')]);
  }
  return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`), bytes]);
}

export type StatusKind = 'OK' | 'NO' | 'BYE';

/**
 * A status line. `code` is a response code with its arguments, as it goes between
 * the parentheses: `TRYLATER`, `QUOTA/MAXSIZE`, `SASL "base64"`, `TAG "x"`.
 */
export function statusLine(kind: StatusKind, text?: string, code?: string): Buffer {
  const parts: Buffer[] = [Buffer.from(kind)];
  if (code) parts.push(Buffer.from(` (${code})`));
  if (text !== undefined) parts.push(Buffer.from(' '), sieveString(text));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** The outcome of a command, which the session writes as its status line. */
export interface Outcome {
  kind: StatusKind;
  text?: string;
  code?: string;
}

export const ok = (text?: string, code?: string): Outcome => ({ kind: 'OK', ...(text === undefined ? {} : { text }), ...(code ? { code } : {}) });
export const no = (text: string, code?: string): Outcome => ({ kind: 'NO', text, ...(code ? { code } : {}) });
export const bye = (text: string, code?: string): Outcome => ({ kind: 'BYE', text, ...(code ? { code } : {}) });
