import { splitHeader } from '../mime/header.ts';
import { authservId, claimingToBeUs, isOurName, withoutFields } from './headers.ts';
import type { Verdict } from './verify.ts';

/**
 * A message from the MTA in front (LMTP). That MTA is the border MTA: it checked the
 * sender, and RFC 8601 section 5 makes it remove forgeries of its own authserv-id, as
 * Postfix's milters (OpenDKIM, OpenDMARC, rspamd) do. Its Authentication-Results and
 * Received-SPF of our host name are its own when it greets with our host name (one
 * machine, one name: Postfix's myhostname and the milters' AuthservID default to it);
 * from a peer of another name they came from the world and are removed. The first
 * Authentication-Results of ours that stays becomes the field each copy gets back (with
 * the spam result added), so a copy has one field of this host, as on the MX. When the
 * spam filter judges (`judged`), X-Spam-* fields that arrived are removed: each copy
 * gets ours.
 */
export function receiveLmtp(raw: Buffer, settings: { hostname: string; lhlo: string; judged: boolean }): Verdict & { accept: true } {
  const fields = splitHeader(raw);
  const trusted = isOurName(settings.lhlo, settings.hostname);
  const forged = claimingToBeUs(fields, settings.hostname, { trace: !trusted, verdicts: settings.judged });
  const own = trusted ? fields.find((f) => f.name === 'authentication-results' && isOurName(authservId(f.value), settings.hostname)) : undefined;
  // Written back into the prefix, whose lines end in CRLF whatever the peer's did.
  const written = own?.raw.toString().replace(/\r?\n/g, '\r\n');
  const authResults = written ? written.slice(written.indexOf(':') + 1).trim() : settings.judged ? `${settings.hostname}; none` : undefined;
  const removed = own ? [...forged, own].sort((a, b) => a.start - b.start) : forged;
  return {
    accept: true,
    prefix: '',
    message: withoutFields(raw, removed),
    ...(forged.length > 0 ? { auth: { forged: forged.length } } : {}),
    ...(authResults ? { authResults } : {}),
  };
}
