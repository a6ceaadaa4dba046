import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/**
 * Ends a session with a last 421 (`text` starts with its enhanced code) and lets the
 * socket go as soon as the reply is written: smtp-server would wait up to 5 s for a
 * client that keeps its side open, which holds a slot, and shutdown, for nothing.
 */
export function hangUp(connection: SMTPConnection, text: string): void {
  const socket = connection._socket;
  connection.send(421, text);
  if (socket.destroyed) return;
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}
