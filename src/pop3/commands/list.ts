import type { Pop3Command } from '../session.ts';
import { messageArguments } from './message-argument.ts';

/** Sizes are the exact octet counts RETR sends, before byte-stuffing. */
export const list: Pop3Command = {
  states: ['transaction'],
  async run(session, rest) {
    const drop = session.maildrop!;
    if (rest === '') {
      const { count, size } = drop.stat();
      const lines = drop.live().map((m) => `${m.number} ${m.meta.size}`);
      return session.reply([`+OK ${count} messages (${size} octets)`, ...lines, '.'].join('\r\n'));
    }
    const args = await messageArguments(session, rest);
    if (args) await session.ok(`${args.message.number} ${args.message.meta.size}`);
  },
};
