import type { SMTPServerSession } from 'smtp-server';

/** Keeps what a client chose to call itself from breaking the header or growing it without bound. */
const clean = (text: string): string => text.replace(/[^\x21-\x7e]/g, '?').slice(0, 255);

/** RFC 5322 date-time in UTC. */
const headerDate = (date: Date): string => date.toUTCString().replace(/GMT$/, '+0000');

/**
 * The trace header of RFC 5321 section 4.4, with the TLS version and cipher in a
 * comment as Postfix writes them, so a reader can see how the message arrived.
 */
export function receivedHeader(session: SMTPServerSession, hostname: string, now = new Date()): string {
  const helo = session.hostNameAppearsAs ? clean(String(session.hostNameAppearsAs)) : 'unknown';
  const lines = [`Received: from ${helo} ([${clean(session.remoteAddress)}])`];
  if (session.tlsOptions) {
    lines.push(`\t(using ${clean(session.tlsOptions.version ?? 'TLS')} with cipher ${clean(session.tlsOptions.name)})`);
  }
  lines.push(`\tby ${hostname} (Mailfold) with ${session.transmissionType} id ${clean(session.id)}`);
  const rcpts = session.envelope.rcptTo;
  const forClause = rcpts.length === 1 ? `\tfor <${clean(rcpts[0]!.address)}>; ` : '\t';
  lines.push(`${forClause}${headerDate(now)}`);
  return `${lines.join('\r\n')}\r\n`;
}
