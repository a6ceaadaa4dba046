import type { Pop3Command } from '../session.ts';
import { messageArguments } from './message-argument.ts';

/** Only marks the message: it is expunged in the UPDATE state, after QUIT. */
export const dele: Pop3Command = {
  states: ['transaction'],
  async run(session, rest) {
    const args = await messageArguments(session, rest);
    if (!args) return;
    session.maildrop!.delete(args.message);
    await session.ok(`Message ${args.message.number} deleted`);
  },
};
