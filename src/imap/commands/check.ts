import { command, ok } from '../command.ts';

/** RFC 3501 6.4.1: every change is already synced when acknowledged, so there is nothing to do. */
export default command({
  states: ['selected'],
  parse: (p) => p.end(),
  run: async () => ok('CHECK completed'),
});
