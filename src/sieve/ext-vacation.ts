import { createHash } from 'node:crypto';
import type { SieveCommand } from './ast.ts';
import { SieveRuntimeError } from './errors.ts';
import type { CommandHandler, ScriptRun } from './run.ts';
import { withoutDetail } from './subaddress.ts';

const DAY = 86_400;
/** RFC 5230 4.1: at least a day between replies to one sender; at most a month here. */
const MIN_DAYS = 1;
const MAX_DAYS = 30;
const DEFAULT_DAYS = 7;
/** Senders that are programs (RFC 5230 4.6). */
const AUTOMATED_SENDER = /^(mailer-daemon|listserv|majordomo|owner-.*|.*-request|.*-owner|.*-bounces?|noreply|no-reply|do-not-reply)$/i;
/** Recipient fields a reply requires one of our addresses in (RFC 5230 4.5). */
const RECIPIENT_FIELDS = ['to', 'cc', 'bcc', 'resent-to', 'resent-cc', 'resent-bcc'];

/**
 * RFC 5230 vacation and RFC 6131 :seconds. The command decides whether to answer;
 * the reply itself is made and sent by the executor once the whole script ran.
 */
export const vacationCommands: Record<string, CommandHandler> = {
  vacation: async (run, c) => {
    if (run.state.actions.some((a) => a.type === 'vacation') || run.state.vacationSeen) throw new SieveRuntimeError('only one vacation per run');
    run.state.vacationSeen = true;
    const sender = run.env.from;
    const addresses = [...run.env.ownAddresses, ...run.list(c.tags.get('addresses')?.value)].map((a) => a.toLowerCase());
    const why = refusal(run, sender, addresses);
    if (why) {
      run.env.log?.info({ account: run.env.account.address, sender, reason: why }, 'vacation not sent');
      return;
    }
    const seconds = period(run, c);
    const handle = run.tagString(c, 'handle') ?? defaultHandle(run, c);
    const markKey = `${handle}\u0000${sender.toLowerCase()}`;
    if (seconds > 0 && (await run.env.store.hasSieveMark(run.env.account.id, 'vacation', markKey, run.env.now))) return;
    const subject = run.tagString(c, 'subject') ?? `Auto: ${run.message.values('subject')[0] ?? ''}`.trim();
    const messageId = run.message.rawValues('message-id')[0]?.trim() ?? null;
    const references = [run.message.rawValues('references')[0]?.trim(), messageId].filter(Boolean).join(' ');
    run.addAction({
      type: 'vacation',
      reply: {
        to: sender,
        from: run.tagString(c, 'from') ?? run.env.account.address,
        subject,
        reason: run.str(c.positional[0]),
        mime: c.tags.has('mime'),
        markKey,
        until: run.env.now + seconds * 1000,
        inReplyTo: messageId,
        references,
      },
    });
  },
};

/** Why no reply goes to this sender, or null when one may. */
function refusal(run: ScriptRun, sender: string, own: string[]): string | null {
  const m = run.message;
  if (sender === '') return 'null sender';
  const local = sender.slice(0, sender.lastIndexOf('@'));
  if (AUTOMATED_SENDER.test(local)) return 'automated sender';
  if (own.includes(sender.toLowerCase())) return 'own address';
  if (run.env.senderUnverified) return 'sender failed SPF or DMARC';
  // An answer to spam goes to whoever the spammer named: backscatter.
  if (run.env.spam?.spam === true) return 'judged spam';
  const auto = m.values('auto-submitted')[0];
  if (auto !== undefined && auto.toLowerCase() !== 'no') return 'auto-submitted';
  if (m.fields.some((f) => /^list-(id|post|unsubscribe|help|owner|archive|subscribe)$/i.test(f.name))) return 'mailing list';
  if (/^(bulk|list|junk)$/i.test(m.values('precedence')[0] ?? '')) return 'bulk precedence';
  if (m.fields.some((f) => /^x-(auto-response-suppress|autoreply|autorespond)$/i.test(f.name))) return 'automatic message';
  const separator = run.env.subaddressSeparator;
  const named = RECIPIENT_FIELDS.flatMap((f) => m.addresses(f)).map((a) => withoutDetail(a.toLowerCase(), separator));
  if (!named.some((a) => own.includes(a))) return 'not addressed to the account';
  return null;
}

function period(run: ScriptRun, c: SieveCommand): number {
  const seconds = c.tags.get('seconds');
  if (seconds) return Math.min(run.num(seconds.value), MAX_DAYS * DAY);
  const days = c.tags.get('days');
  const n = days ? run.num(days.value) : DEFAULT_DAYS;
  return Math.min(Math.max(n, MIN_DAYS), MAX_DAYS) * DAY;
}

/** RFC 5230 4.2: without :handle, replies differ when their text, subject, from or addresses differ. */
function defaultHandle(run: ScriptRun, c: SieveCommand): string {
  const parts = [run.str(c.positional[0]), run.tagString(c, 'subject') ?? '', run.tagString(c, 'from') ?? '', run.list(c.tags.get('addresses')?.value).join(','), c.tags.has('mime') ? 'mime' : ''];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}
