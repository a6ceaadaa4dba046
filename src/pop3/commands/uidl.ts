import type { Pop3Command } from '../session.ts';
import { messageArguments } from './message-argument.ts';

export const uidl: Pop3Command = {
  states: ['transaction'],
  async run(session, rest) {
    const drop = session.maildrop!;
    if (rest === '') {
      const lines = drop.live().map((m) => `${m.number} ${m.uidl}`);
      return session.reply(['+OK', ...lines, '.'].join('\r\n'));
    }
    const args = await messageArguments(session, rest);
    if (args) await session.ok(`${args.message.number} ${args.message.uidl}`);
  },
};
