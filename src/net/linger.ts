import type { Socket } from 'node:net';
import { flush } from './coalesce.ts';

/**
 * After the last answer to a misbehaving client, what it still sends is read and
 * dropped, up to this much for this long, before the connection is cut: closing
 * with unread bytes resets the connection, which can discard the answer in flight.
 */
const LINGER = { bytes: 256 * 1024, ms: 2000 };

/**
 * Writes `last` and closes a connection whose client is not trusted to read it or to
 * close. The caller has taken its own data listener off the socket. A client that
 * does not read (the send buffer is full) is cut at once.
 */
export async function cutAfter(socket: Socket, last: string): Promise<void> {
  if (socket.destroyed) return;
  flush(socket);
  if (socket.writableLength > 0) {
    socket.destroy();
    return;
  }
  let left = LINGER.bytes;
  socket.on('data', (data: Buffer) => {
    left -= data.length;
    if (left < 0) socket.destroy();
  });
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER.ms);
  socket.once('close', () => clearTimeout(timer));
  await new Promise<void>((resolve) => {
    socket.once('close', resolve);
    socket.end(Buffer.from(last, 'latin1'), resolve);
  });
}
