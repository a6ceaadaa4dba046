import { writeStateFields } from './mbox-headers.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** asctime in UTC, as From_ lines carry it: `Mon Jun  3 12:50:27 1996`. */
export function asctime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * One message as mboxrd (what mutt and Dovecot read): a From_ line, LF line ends,
 * the state fields (Status, X-Status, X-Keywords) at the end of the header, every
 * `>*From ` line given one more `>`, and an empty line after it.
 */
export function mboxEntry(raw: Buffer, flags: string[], internalDate: number, extraFields = ''): Buffer {
  const text = raw.toString('latin1').replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const header = split === -1 ? (text.endsWith('\n') || text === '' ? text : text + '\n') : text.slice(0, split + 1);
  const body = split === -1 ? '' : text.slice(split + 2);
  const sender = /^return-path:[ \t]*<([^<>\s]+)>/im.exec(header)?.[1] ?? 'MAILER-DAEMON';
  const escape = (s: string) => s.replace(/^(>*From )/gm, '>$1');
  let out = `From ${sender} ${asctime(internalDate)}\n${escape(header)}${extraFields}${writeStateFields(flags)}\n${escape(body)}`;
  if (!out.endsWith('\n')) out += '\n';
  return Buffer.from(out + '\n', 'latin1');
}
