import type { RecipientReport, RecipientStatus } from '../delivery/deliver.ts';
import { reply, type SmtpReply } from './reply.ts';

/** The refusal for one copy that was not written, or null when it was. */
function refusal(outcome: RecipientStatus): SmtpReply | null {
  switch (outcome.status) {
    case 'delivered':
      return null;
    case 'over-quota':
      return reply(452, '4.2.2', `Mailbox full (account over quota): ${outcome.account}`);
    case 'unknown':
      return reply(550, '5.1.1', `No such user: ${outcome.detail}`);
    case 'queued':
      return null;
    case 'remote':
      // A remote target the caller did not queue: nothing may be acknowledged for it.
      return reply(451, '4.3.0', 'Local error in processing');
    case 'failed':
      return reply(451, '4.3.0', 'Local delivery failed, try again later');
  }
}

/**
 * One reply for a whole SMTP transaction: 250 only when every copy was committed.
 * Otherwise the worst problem wins, a temporary one first, so that a sender retries
 * rather than bounces what may still be deliverable; a retry may then duplicate the
 * copies that did succeed, which is better than losing the others. A recipient
 * with no outcome led to an account another recipient already got the copy for.
 */
export function transactionReply(reports: RecipientReport[]): SmtpReply | null {
  const refusals = reports.flatMap((r) => r.outcomes.map(refusal)).filter((r) => r !== null);
  return refusals.find((r) => r.responseCode < 500) ?? refusals[0] ?? null;
}

/** LMTP (RFC 2033) answers each recipient on its own, so nothing is duplicated. */
export function recipientReplies(recipients: string[], reports: RecipientReport[]): (string | SmtpReply)[] {
  return recipients.map((recipient, i) => {
    const report = reports[i];
    if (report?.recipient !== recipient) return reply(451, '4.3.0', 'Local delivery failed, try again later');
    return transactionReply([report]) ?? `<${recipient}> delivered`;
  });
}
