import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

const EMPTY = Buffer.alloc(0);

/**
 * A TCP connection read as CRLF lines, parsed synchronously as data arrives so that
 * the client costs the same, and little, whichever server it measures. A subclass may
 * ask for the next `literalLeft` bytes raw (an IMAP literal) instead of lines.
 */
export abstract class LineSocket {
  readonly socket: Socket;
  protected literalLeft = 0;
  #rest: Buffer = EMPTY;
  #failure: Error | null = null;
  #closing = false;

  protected constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.#feed(data));
    socket.on('error', (err) => (this.#failure = err));
    // Closing on purpose fails nothing: commands left waiting (an IDLE) are abandoned.
    socket.on('close', () => this.#closing || this.onClose(this.#failure ?? new Error('connection closed')));
  }

  protected static async open(port: number): Promise<Socket> {
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    return socket;
  }

  /** One line without its CRLF. The buffer is only valid during the call. */
  protected abstract onLine(line: Buffer): void;
  /** Raw bytes of a literal, in pieces. */
  protected onLiteral(_bytes: Buffer): void {}
  protected abstract onClose(err: Error): void;

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.#closing = true;
    this.socket.destroy();
  }

  #feed(data: Buffer): void {
    const buf = this.#rest.length > 0 ? Buffer.concat([this.#rest, data]) : data;
    let pos = 0;
    while (pos < buf.length) {
      if (this.literalLeft > 0) {
        const n = Math.min(this.literalLeft, buf.length - pos);
        this.onLiteral(buf.subarray(pos, pos + n));
        this.literalLeft -= n;
        pos += n;
        continue;
      }
      const end = buf.indexOf('\r\n', pos);
      if (end < 0) break;
      this.onLine(buf.subarray(pos, end));
      pos = end + 2;
    }
    this.#rest = pos < buf.length ? Buffer.from(buf.subarray(pos)) : EMPTY;
  }
}

/** A promise with its resolve and reject, for replies that complete inside a data event. */
export interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

export function waitFor<T>(set: (waiter: Waiter<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => set({ resolve, reject }));
}
