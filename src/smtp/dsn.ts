import type { SMTPServerSession } from 'smtp-server';
import type { DsnRequest } from '../queue/accept.ts';
import type { AuthSummary } from './verify.ts';

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

/**
 * What the MX honours of a DSN request, against backscatter: anyone can put a victim's
 * address in MAIL FROM, and a report goes there. Reports to a sender from the world
 * carry the header only, never the content (RET=FULL and the default become HDRS), and
 * success and delay reports are only sent when SPF passed for that sender and DMARC did
 * not fail; otherwise NOTIFY keeps FAILURE alone (or becomes NEVER). A failure report
 * stays: the sender has to learn of a message that was lost, and it holds no content.
 */
export function worldDsnRequest(request: DsnRequest, auth: AuthSummary | undefined): DsnRequest {
  const verified = auth?.spf === 'pass' && auth.dmarc !== 'fail';
  const recipients = verified ? request.recipients : request.recipients.map((wish) => {
    if (!wish?.notify) return wish;
    const notify = wish.notify.filter((n) => n === 'FAILURE');
    return { ...wish, notify: notify.length > 0 ? notify : ['NEVER'] };
  });
  return { ...request, ret: 'HDRS', recipients };
}
