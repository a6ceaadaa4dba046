import type { RecipientReport, RecipientStatus } from '../delivery/deliver.ts';
import type { RefusedLocalCopy } from '../queue/report.ts';
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
    case 'filtered':
      return null;
    case 'rejected':
      // RFC 5429 2.1.1: the script's reason, in one line of printable ASCII.
      return reply(550, '5.7.1', outcome.reason.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 400) || 'Rejected by the recipient\'s filter');
  }
}

/**
 * One reply for a whole SMTP transaction: 250 when every copy was committed, and also
 * when only some were (see `partlyRefused`: the others are reported to the sender), so
 * that a retry never duplicates the copies that were written. When none was, the worst
 * problem wins, a temporary one first, so that a sender retries rather than bounces what
 * may still be deliverable. A recipient with no outcome led to an account another
 * recipient already got the copy for.
 */
export function transactionReply(reports: RecipientReport[]): SmtpReply | null {
  return partlyRefused(reports).length > 0 ? null : worstRefusal(reports);
}

function worstRefusal(reports: RecipientReport[]): SmtpReply | null {
  const refusals = reports.flatMap((r) => r.outcomes.map(refusal)).filter((r) => r !== null);
  return refusals.find((r) => r.responseCode < 500) ?? refusals[0] ?? null;
}


/**
 * The refused copies of a transaction that committed others. Its reply is then 250,
 * and the sender learns of these from a failure report instead, as from Postfix when a
 * local mailbox is full (Dovecot's default answer to that is permanent, 552 5.2.2).
 */
export function partlyRefused(reports: RecipientReport[]): RefusedLocalCopy[] {
  const committed = reports.some((r) => r.outcomes.some((o) => refusal(o) === null));
  if (!committed) return [];
  return reports.flatMap((report, index) =>
    report.outcomes.flatMap((outcome) => {
      const reply = refusal(outcome);
      if (!reply) return [];
      // The reply's enhanced code, in class 5: the copy is given up on, not retried.
      const status = `5${reply.message.slice(1, reply.message.indexOf(' '))}`;
      return [{ index, recipient: report.recipient, status, diagnostic: `${reply.responseCode} ${reply.message}` }];
    }),
  );
}

/**
 * LMTP (RFC 2033) answers each recipient on its own, so nothing is duplicated: an alias
 * whose copies were written in part is a transaction of its own (see transactionReply).
 */
export function recipientReplies(recipients: string[], reports: RecipientReport[]): (string | SmtpReply)[] {
  return recipients.map((recipient, i) => {
    const report = reports[i];
    if (report?.recipient !== recipient) return reply(451, '4.3.0', 'Local delivery failed, try again later');
    return transactionReply([report]) ?? `<${recipient}> delivered`;
  });
}
