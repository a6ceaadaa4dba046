import type { SMTPServerSession } from 'smtp-server';
import type { DsnRequest } from '../queue/accept.ts';

/** The DSN parameters (RFC 3461) smtp-server parsed from MAIL FROM and each RCPT TO, for the queue. */
export function dsnRequest(session: SMTPServerSession): DsnRequest {
  const { dsn, rcptTo } = session.envelope;
  const ret = dsn?.ret === 'FULL' || dsn?.ret === 'HDRS' ? dsn.ret : undefined;
  return {
    ...(dsn?.envid ? { envid: dsn.envid } : {}),
    ...(ret ? { ret } : {}),
    recipients: rcptTo.map((r) => (r.dsn ? { ...(r.dsn.notify ? { notify: r.dsn.notify } : {}), ...(r.dsn.orcpt ? { orcpt: r.dsn.orcpt } : {}) } : undefined)),
  };
}
