import type { Pop3Command } from '../session.ts';
import { messageArguments } from './message-argument.ts';
import { sendMessage } from './send-message.ts';

/** Retrieving marks the message \Seen when the session ends, as Dovecot does; TOP does not. */
export const retr: Pop3Command = {
  states: ['transaction'],
  async run(session, rest) {
    const args = await messageArguments(session, rest);
    if (!args) return;
    if (await sendMessage(session, args.message, `${args.message.meta.size} octets`, null)) session.maildrop!.retrieved(args.message);
  },
};
