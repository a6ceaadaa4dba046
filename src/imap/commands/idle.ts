import { contextUpdates } from '../search-context.ts';
import { isUidOnly } from '../uid-only.ts';
import { bad, command, ok } from '../command.ts';

/**
 * RFC 2177: changes to the selected mailbox are reported as they happen, until
 * the client sends DONE. Only the client's own traffic restarts the autologout timer.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse: (p) => p.end(),
  async run(session) {
    await session.write('+ idling\r\n');
    const view = session.view;
    let wake: (() => void) | null = null;
    if (view) view.onChange = () => wake?.();
    const line = session.readLine();
    let done: Buffer | null | undefined;
    void line.then((value) => {
      done = value;
      wake?.();
    });
    try {
      for (;;) {
        if (view) for (const update of await view.flush({ expunge: true, condstore: session.condstore, qresync: session.qresync, uidOnly: isUidOnly(session) })) await session.write(update);
        for (const update of await contextUpdates(session)) await session.write(update);
        if (done !== undefined) break;
        if (view?.hasChanges) continue;
        await session.idle(() => new Promise<void>((resolve) => (wake = resolve)));
        wake = null;
      }
    } finally {
      if (view) view.onChange = null;
    }
    if (done === null) return ok('IDLE ended');
    return done.toString('latin1').toUpperCase() === 'DONE' ? ok('IDLE terminated') : bad('Expected DONE');
  },
});
