import { parseAddress } from '../delivery/address.ts';
import type { Notification } from './actions.ts';
import { SieveRuntimeError } from './errors.ts';
import type { CommandHandler, TestHandler } from './run.ts';

/** Header fields a mailto: URI may set on a notification (RFC 5436 2.2 leaves out the rest). */
const URI_HEADERS = new Set(['subject', 'in-reply-to', 'references', 'keywords', 'comments']);
const MAX_RECIPIENTS = 8;

/** RFC 5435 enotify with the mailto method (RFC 5436). */
export const notifyCommands: Record<string, CommandHandler> = {
  notify: (run, c) => {
    const uri = run.str(c.positional[0]);
    const parsed = parseMailto(uri);
    if (!parsed) throw new SieveRuntimeError(`notify: not a valid mailto URI: ${uri.slice(0, 200)}`);
    // RFC 5436 2.7: never notify about a message that is itself automatic.
    const auto = run.message.values('auto-submitted')[0];
    if (auto !== undefined && auto.toLowerCase() !== 'no') return;
    const subject = run.tagString(c, 'message') ?? parsed.subject ?? `New mail from ${run.message.values('from')[0] ?? run.env.from}: ${run.message.values('subject')[0] ?? ''}`;
    const notification: Notification = {
      to: parsed.to,
      from: run.tagString(c, 'from'),
      subject,
      body: parsed.body ?? subject,
      importance: run.tagString(c, 'importance') ?? '2',
      headers: parsed.headers,
    };
    if (notification.from !== null && !parseAddress(notification.from)) throw new SieveRuntimeError(`notify: invalid :from ${notification.from}`);
    run.addAction({ type: 'notify', notification });
  },
};

export const notifyTests: Record<string, TestHandler> = {
  valid_notify_method: (run, t) => run.list(t.positional[0]).every((uri) => parseMailto(uri) !== null),
  // RFC 5435 5: mailto cannot know whether the user is online.
  notify_method_capability: (run, t) => {
    if (!parseMailto(run.str(t.positional[0])) || run.str(t.positional[1]).toLowerCase() !== 'online') return false;
    return run.match(t, ['maybe'], run.list(t.positional[2]));
  },
};

/** A mailto: URI (RFC 6068) as recipients, subject, body and the header fields it may set; null when invalid. */
export function parseMailto(uri: string): { to: string[]; subject: string | null; body: string | null; headers: [string, string][] } | null {
  const m = /^mailto:([^?]*)(?:\?(.*))?$/is.exec(uri);
  if (!m) return null;
  try {
    const to = m[1] ? m[1].split(',').map((a) => decodeURIComponent(a)) : [];
    let subject: string | null = null;
    let body: string | null = null;
    const headers: [string, string][] = [];
    for (const pair of (m[2] ?? '').split('&').filter(Boolean)) {
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      const value = decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
      if (name === 'to') to.push(...value.split(','));
      else if (name === 'subject') subject = value;
      else if (name === 'body') body = value;
      else if (URI_HEADERS.has(name)) headers.push([name, value]);
    }
    const addresses = to.map((a) => parseAddress(a.trim()));
    if (addresses.length === 0 || addresses.length > MAX_RECIPIENTS || addresses.some((a) => a === null)) return null;
    return { to: addresses.map((a) => `${a!.local}@${a!.domain}`), subject, body, headers };
  } catch {
    return null;
  }
}
