/** What a script asks for; nothing is done until the whole script ran without error. */
export type SieveAction =
  | { type: 'keep'; flags: string[] }
  | { type: 'fileinto'; mailbox: string; flags: string[]; create: boolean }
  | { type: 'redirect'; address: string }
  | { type: 'discard' }
  | { type: 'reject'; reason: string; extended: boolean }
  | { type: 'vacation'; reply: VacationReply }
  | { type: 'notify'; notification: Notification };

/** A vacation reply as vacation.ts decided it: to whom, what, and how long to remember. */
export interface VacationReply {
  to: string;
  from: string;
  subject: string;
  reason: string;
  mime: boolean;
  /** The sender and handle remembered, until `until`. */
  markKey: string;
  until: number;
  inReplyTo: string | null;
  references: string;
}

/** An enotify `mailto:` notification (RFC 5436). */
export interface Notification {
  to: string[];
  from: string | null;
  subject: string;
  body: string;
  importance: string;
  /** Header fields the URI asked for that a notification may carry. */
  headers: [string, string][];
}

/** A mark to set once the run's actions are done (duplicate, RFC 7352 3). */
export interface PendingMark {
  key: string;
  until: number;
}
