import type { Pop3Command } from '../session.ts';

export const noop: Pop3Command = {
  states: ['transaction'],
  async run(session, rest) {
    if (rest !== '') return session.err('NOOP takes no arguments');
    await session.ok();
  },
};
