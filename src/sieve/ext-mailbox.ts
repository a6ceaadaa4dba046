import type { TestHandler } from './run.ts';

/** RFC 5490 3.1: mailboxexists is true when every named mailbox exists. */
export const mailboxTests: Record<string, TestHandler> = {
  mailboxexists: async (run, t) => {
    for (const name of run.list(t.positional[0])) {
      if (!(await run.env.store.getMailbox(run.env.account.id, name))) return false;
    }
    return true;
  },
};
