import type { Pop3Command } from '../session.ts';

export const rset: Pop3Command = {
  states: ['transaction'],
  async run(session, rest) {
    if (rest !== '') return session.err('RSET takes no arguments');
    const drop = session.maildrop!;
    drop.reset();
    const { count, size } = drop.stat();
    await session.ok(`${count} messages (${size} octets)`);
  },
};
