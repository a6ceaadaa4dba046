import type { Pop3Command } from '../session.ts';
import { TopLimiter } from '../top-limiter.ts';
import { messageArguments } from './message-argument.ts';
import { sendMessage } from './send-message.ts';

export const top: Pop3Command = {
  states: ['transaction'],
  async run(session, rest) {
    const args = await messageArguments(session, rest, 1);
    if (args) await sendMessage(session, args.message, '', new TopLimiter(args.numbers[0]!));
  },
};
