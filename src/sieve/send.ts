import { createHash } from 'node:crypto';
import { parseAddress } from '../delivery/address.ts';
import { parseAddressList } from '../mime/address.ts';
import { SRS_SECRET, srsForward } from '../delivery/srs.ts';
import type { Logger } from '../log/logger.ts';
import type { Directory, SieveStore, Vault } from '../store/types.ts';
import type { Notification, PendingMark, SieveAction, VacationReply } from './actions.ts';
import { composeDsn, rfc5322Date } from '../queue/dsn.ts';
import { headerLines, messageId, textBody } from './compose.ts';
import type { SieveDelivery, SieveRunEnvironment } from './environment.ts';
import type { SieveMessage } from './message.ts';
import { withoutDetail } from './subaddress.ts';

/** How long a redirect of one message to one address is remembered, so a loop stops. */
const REDIRECT_MEMORY_MS = 12 * 3600_000;

interface Done {
  env: SieveRunEnvironment;
  message: SieveMessage;
  raw: Buffer;
  actions: SieveAction[];
  marks: PendingMark[];
}

/**
 * Carries out what a script sends, through the outbound queue, once its copies are
 * committed: redirects (SRS for a foreign sender), the vacation reply (DKIM-signed),
 * the refusal of a reject that came too late to refuse at DATA, and notifications.
 * A failure is logged: the message itself is delivered and must not be delivered twice.
 */
export async function sendActions(store: SieveStore & Vault & Pick<Directory, 'getDomain'>, delivery: SieveDelivery, done: Done, log: Logger | undefined): Promise<void> {
  const { env } = done;
  for (const action of done.actions) {
    try {
      if (action.type === 'redirect') await redirect(store, delivery, done, action.address);
      else if (action.type === 'vacation') await vacation(store, delivery, env, action.reply);
      else if (action.type === 'reject' && env.from !== '') await delivery.send({ from: '', to: [env.from], raw: refusal(delivery.hostname, env, done.message, action) });
      else if (action.type === 'notify') await notify(delivery, env, action.notification);
    } catch (err) {
      log?.error({ err, action: action.type }, 'sieve action failed');
    }
  }
  for (const mark of done.marks) await store.setSieveMark(env.account.id, 'duplicate', mark.key, mark.until);
}

async function redirect(store: SieveStore & Vault & Pick<Directory, 'getDomain'>, delivery: SieveDelivery, done: Done, address: string): Promise<void> {
  const { env } = done;
  const id = done.message.rawValues('message-id')[0]?.trim() || createHash('sha256').update(done.raw).digest('hex');
  const key = `redirect\u0000${id}\u0000${address}`;
  if (await store.hasSieveMark(env.account.id, 'duplicate', key, env.now)) return;
  // Marked before it is sent: a redirect back here (A to B to A) then finds the mark.
  await store.setSieveMark(env.account.id, 'duplicate', key, env.now + REDIRECT_MEMORY_MS);
  const sender = parseAddress(env.from);
  const domain = env.account.address.slice(env.account.address.lastIndexOf('@') + 1);
  // A foreign sender is rewritten with SRS, so the next hop's SPF sees our domain (as for aliases).
  const from = sender && !(await store.getDomain(sender.domain)) ? srsForward(env.from, domain, await store.secret(SRS_SECRET), env.now) : env.from;
  await delivery.send({ from, to: [address], raw: done.raw });
}

async function vacation(store: SieveStore, delivery: SieveDelivery, env: SieveRunEnvironment, reply: VacationReply): Promise<void> {
  const author = authorOf(reply.from, env);
  const head = headerLines([
    ['From', author.header],
    ['To', reply.to],
    ['Subject', reply.subject],
    ['Date', rfc5322Date(env.now)],
    ['Message-ID', messageId(delivery.hostname)],
    ['In-Reply-To', reply.inReplyTo],
    ['References', reply.references],
    ['Auto-Submitted', 'auto-replied (vacation)'],
    // Older auto-responders (Exchange's among them) go by these rather than Auto-Submitted.
    ['Precedence', 'bulk'],
    ['X-Auto-Response-Suppress', 'All'],
  ]);
  const content = reply.mime ? `${reply.reason.replace(/\r?\n/g, '\r\n')}` : (({ headers, body }) => `${headers}\r\n${body}`)(textBody(reply.reason));
  const unsigned = Buffer.from(`${head}MIME-Version: 1.0\r\n${content}`, 'utf8');
  const signature = (await delivery.sign?.(unsigned, author.address)) ?? '';
  // RFC 3834 3.3 and RFC 5230 5.1: a reply goes from the null sender, so nothing answers it.
  await delivery.send({ from: '', to: [reply.to], raw: Buffer.concat([Buffer.from(signature), unsigned]) });
  if (reply.until > env.now) await store.setSieveMark(env.account.id, 'vacation', reply.markKey, reply.until);
}

async function notify(delivery: SieveDelivery, env: SieveRunEnvironment, n: Notification): Promise<void> {
  const author = authorOf(n.from ?? env.account.address, env);
  const { headers, body } = textBody(n.body);
  const head = headerLines([
    ['From', author.header],
    ['To', n.to.join(', ')],
    ['Subject', n.subject],
    ['Date', rfc5322Date(env.now)],
    ['Message-ID', messageId(delivery.hostname)],
    ['Auto-Submitted', 'auto-notified'],
    ['Importance', n.importance === '1' ? 'high' : n.importance === '3' ? 'low' : null],
    ...n.headers.map(([k, v]): [string, string] => [k.replace(/^./, (c) => c.toUpperCase()), v]),
  ]);
  const raw = Buffer.from(`${head}MIME-Version: 1.0\r\n${headers}\r\n${body}`, 'utf8');
  const signature = (await delivery.sign?.(raw, author.address)) ?? '';
  await delivery.send({ from: '', to: n.to, raw: Buffer.concat([Buffer.from(signature), raw]) });
}

/** RFC 5429 2.1 and 2.2: a reject too late to refuse at DATA is an MDN, an ereject a DSN (RFC 3464). */
function refusal(hostname: string, env: SieveRunEnvironment, message: SieveMessage, action: Extract<SieveAction, { type: 'reject' }>): Buffer {
  if (!action.extended) return refusalReport(hostname, env, message, action.reason);
  const now = Date.now();
  return composeDsn({
    kind: 'failed',
    reportingMta: hostname,
    arrivalDate: now,
    to: env.from,
    recipients: [{ address: env.to, status: '5.7.1', diagnostic: `550 5.7.1 ${action.reason}` }],
    original: message.original,
    headersOnly: true,
    date: now,
    messageId: messageId(hostname).slice(1, -1),
    boundary: `=_sieve_${messageId(hostname).slice(1, 17)}`,
  });
}

/** The refusal as an MDN (RFC 8098) with the reason and the original header. */
function refusalReport(hostname: string, env: SieveRunEnvironment, message: SieveMessage, reason: string): Buffer {
  const boundary = `sieve-${messageId(hostname).slice(1, 13)}`;
  // The sender gets back what it sent: not our per-copy fields (its spam score among them).
  const original = message.fields.filter((f) => !f.perCopy).map((f) => f.raw.toString('latin1')).join('');
  const text = textBody(`Your message to ${env.account.address} was refused:\n\n${reason}`);
  const head = headerLines([
    ['From', env.account.address],
    ['To', env.from],
    ['Subject', `Refused: ${message.values('subject')[0] ?? ''}`],
    ['Date', rfc5322Date(env.now)],
    ['Message-ID', messageId(hostname)],
    ['Auto-Submitted', 'auto-replied (rejected)'],
  ]);
  return Buffer.concat([
    Buffer.from(`${head}MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"\r\n\r\n`, 'utf8'),
    Buffer.from(`--${boundary}\r\n${text.headers}\r\n${text.body}--${boundary}\r\nContent-Type: message/disposition-notification\r\n\r\n`, 'utf8'),
    Buffer.from(`Reporting-UA: ${hostname}; Mailfold Sieve\r\nFinal-Recipient: rfc822; ${env.account.address}\r\nDisposition: automatic-action/MDN-sent-automatically; deleted\r\n\r\n`, 'utf8'),
    Buffer.from(`--${boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n${original}\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
}

/**
 * The From of what a script sends: the :from it gave when that is the account's own
 * address (or a +tag of it), else the account's address. A script may not sign mail
 * in another user's name with the domain's key (the rule submission applies too).
 */
function authorOf(from: string, env: SieveRunEnvironment): { header: string; address: string } {
  const own = env.account.address.toLowerCase();
  const named = parseAddressList(from.replace(/[\r\n]+/g, ' ')).find((a) => a.mailbox && a.domain);
  const address = named ? `${named.mailbox}@${named.domain}`.toLowerCase() : '';
  return withoutDetail(address, env.subaddressSeparator) === own ? { header: from, address } : { header: env.account.address, address: env.account.address };
}
