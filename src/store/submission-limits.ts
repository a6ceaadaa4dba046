import type { SubmissionCount } from './types.ts';

/**
 * The submission limits' rule, for every backend and the SMTP checks: one more message
 * fits while fewer than the messages limit were sent, and its recipients fit while the
 * window's total stays at most the recipients limit (0: no limit).
 */
export function submissionWithin(sent: SubmissionCount, recipients: number, limits: SubmissionCount): boolean {
  return (limits.messages === 0 || sent.messages < limits.messages) && (limits.recipients === 0 || sent.recipients + recipients <= limits.recipients);
}
