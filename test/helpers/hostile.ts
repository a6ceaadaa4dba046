import { once } from 'node:events';
import type { Socket } from 'node:net';

/**
 * Writes `chunk` again and again, as fast as the server takes it, until the server
 * closes the connection; resolves with the bytes written.
 */
export async function floodUntilClosed(socket: Socket, chunk: Buffer): Promise<number> {
  let written = 0;
  const closed = closing(socket).then(() => false);
  while (!socket.destroyed) {
    written += chunk.length;
    if (socket.write(chunk)) continue;
    if (!(await Promise.race([once(socket, 'drain').then(() => true, () => false), closed]))) break;
  }
  return written;
}

/** Sends one byte of `text` at a time, every `everyMs`, until the server closes; resolves with the bytes sent. */
export async function trickleUntilClosed(socket: Socket, text: string, everyMs: number): Promise<number> {
  let sent = 0;
  const closed = closing(socket);
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(text[sent++ % text.length]!);
  }, everyMs);
  await closed;
  clearInterval(timer);
  return sent;
}

/** Resolves on close; errors (EPIPE, ECONNRESET once the server cut the connection) are expected. */
function closing(socket: Socket): Promise<void> {
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
