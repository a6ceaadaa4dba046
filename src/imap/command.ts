import type { Status } from './encoder.ts';
import type { Parser } from './parser.ts';
import type { ImapSession, SessionState } from './session.ts';

/** How a command ended; `after` runs once the tagged response is written (STARTTLS, LOGOUT). */
export interface Outcome {
  status: Status;
  text: string;
  code?: string;
  /** The code is `HIGHESTMODSEQ n`, n as of the report of changes sent just before (expunged-code.ts). */
  highestModSeq?: boolean;
  after?: () => Promise<void>;
}

export interface ImapCommand<A = unknown> {
  states: readonly SessionState[];
  /** Parses the arguments; the parser stands right after the command name. */
  parse(p: Parser): A;
  run(session: ImapSession, args: A, tag: string): Promise<Outcome>;
  /** False for FETCH, STORE and SEARCH: no EXPUNGE response may be sent while they run (RFC 3501 7.4.1). */
  expunges?: boolean;
}

/** Commands are typed by their own arguments; the table holds them erased. */
export const command = <A>(c: ImapCommand<A>): ImapCommand => c as unknown as ImapCommand;

export const ok = (text: string, code?: string): Outcome => ({ status: 'OK', text, code });
export const no = (text: string, code?: string): Outcome => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string): Outcome => ({ status: 'BAD', text, code });
