import type { Pop3Command } from '../session.ts';

/**
 * In TRANSACTION, QUIT enters the UPDATE state: the deletions are committed and
 * synced before the +OK (design rule 1). A connection that drops instead deletes nothing.
 */
export const quit: Pop3Command = {
  states: ['authorization', 'transaction'],
  async run(session) {
    session.ending = true;
    const drop = session.maildrop;
    if (session.state === 'authorization' || !drop) return session.channel.end('+OK Bye\r\n');
    // The lease no longer keeps other sessions out of the maildrop: its deletions are not applied (session.ts #endLost).
    // Asked of the store too: the database may have ended it before this node heard.
    if (session.leaseLost || !(await session.leaseHeld())) return session.channel.end('-ERR [SYS/TEMP] The maildrop lock was lost, nothing was deleted; please log in again\r\n');
    session.state = 'update';
    try {
      const expunged = await drop.commit();
      session.log.info({ expunged }, 'maildrop updated');
    } catch (err) {
      session.log.error({ err }, 'maildrop update failed');
      return session.channel.end('-ERR [SYS/TEMP] Some deleted messages were not removed\r\n');
    }
    await session.channel.end(`+OK Bye, ${drop.stat().count} messages left\r\n`);
  },
};
