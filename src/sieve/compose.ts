import { randomBytes } from 'node:crypto';
import libmime from 'libmime';

/** A header value as ASCII: encoded-words where it holds anything else, no line breaks. */
export function headerValue(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ').slice(0, 900);
  return /^[\x20-\x7e]*$/.test(line) ? line : libmime.encodeWords(line, 'Q', 52, 'utf-8');
}

export function messageId(hostname: string): string {
  return `<${randomBytes(12).toString('hex')}@${hostname}>`;
}

/** A text/plain body: 7bit when it is plain ASCII with short lines, else base64 of its UTF-8. */
export function textBody(text: string): { headers: string; body: string } {
  const crlf = `${text.replace(/\r?\n/g, '\r\n').replace(/(\r\n)?$/, '')}\r\n`;
  if (/^[\x20-\x7e\r\n\t]*$/.test(crlf) && crlf.split('\r\n').every((l) => l.length <= 998)) {
    return { headers: 'Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n', body: crlf };
  }
  const b64 = Buffer.from(crlf, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  return { headers: 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n', body: `${b64}\r\n` };
}

/** Header lines from name/value pairs; values go through headerValue. */
export function headerLines(fields: [string, string | null][]): string {
  return fields.filter(([, v]) => v !== null && v !== '').map(([n, v]) => `${n}: ${headerValue(v!)}\r\n`).join('');
}
