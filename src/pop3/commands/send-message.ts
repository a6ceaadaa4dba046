import { DotStuffer } from '../dot-stuffer.ts';
import type { DropMessage } from '../maildrop.ts';
import type { Pop3Session } from '../session.ts';
import type { TopLimiter } from '../top-limiter.ts';

/**
 * Streams a message as a multi-line response, chunk by chunk from the store
 * (design rule 3), byte-stuffed, cut by TOP's limiter when there is one. Returns
 * whether the whole response went out.
 */
export async function sendMessage(session: Pop3Session, message: DropMessage, okText: string, limiter: TopLimiter | null): Promise<boolean> {
  // An IMAP session may have expunged it since the snapshot; say so while an -ERR is still possible.
  if (await session.maildrop!.removed(message)) {
    await session.err(`Message ${message.number} was removed by another session`);
    return false;
  }
  if (!(await session.ok(okText))) return false;
  const stuffer = new DotStuffer();
  try {
    for await (const chunk of session.maildrop!.read(message, limiter !== null)) {
      const part = limiter ? limiter.take(chunk) : chunk;
      if (!(await session.channel.write(stuffer.push(part)))) return false;
      if (limiter?.done) break;
    }
  } catch (err) {
    // Half a message is out: no answer can follow it, so the connection goes.
    session.log.error({ err, uid: message.meta.uid }, 'reading a message failed');
    session.ending = true;
    session.channel.destroy();
    return false;
  }
  return session.channel.write(stuffer.end());
}
