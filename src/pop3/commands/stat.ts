import type { Pop3Command } from '../session.ts';

export const stat: Pop3Command = {
  states: ['transaction'],
  async run(session) {
    const { count, size } = session.maildrop!.stat();
    await session.ok(`${count} ${size}`);
  },
};
