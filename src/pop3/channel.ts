import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket, type TlsOptions } from 'node:tls';
import { coalesce, flush } from '../net/coalesce.ts';
import { cutAfter } from '../net/linger.ts';
import { LineReader } from './line-reader.ts';

export type Incoming = { type: 'line'; text: string } | { type: 'too-long' };

/** Past this many unanswered lines, or bytes in them, the socket is paused, so a pipelined flood stays in the kernel. */
const PAUSE_AT = { lines: 64, bytes: 64 * 1024 };
const RESUME_AT = { lines: 8, bytes: 16 * 1024 };

/**
 * The socket side of a session: lines in (with a length limit and bounded
 * pipelining), bytes out (honouring backpressure), idle timeout, and the switch
 * to TLS in the middle of a connection.
 */
export class LineChannel {
  socket: Socket;
  readonly #reader: LineReader;
  readonly #idleMs: number;
  readonly #onIdle: () => void;
  #queue: Incoming[] = [];
  #queuedBytes = 0;
  #wake: (() => void) | null = null;
  #ended = false;
  #paused = false;

  constructor(socket: Socket, opts: { maxLine: number; idleMs: number; onIdle: () => void }) {
    this.socket = socket;
    this.#reader = new LineReader(opts.maxLine);
    this.#idleMs = opts.idleMs;
    this.#onIdle = opts.onIdle;
    this.#attach(socket);
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  /** The next line from the client, or null once the connection is gone. */
  async next(): Promise<Incoming | null> {
    while (this.#queue.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const incoming = this.#queue.shift()!;
    if (incoming.type === 'line') this.#queuedBytes -= incoming.text.length;
    if (this.#paused && !this.#holding(RESUME_AT)) {
      this.#paused = false;
      this.socket.resume();
    }
    return incoming;
  }

  #holding(at: { lines: number; bytes: number }): boolean {
    return this.#queue.length >= at.lines || this.#queuedBytes >= at.bytes;
  }

  /** Resolves once the bytes are accepted (waiting out a full send buffer); false when the connection is gone. */
  async write(data: string | Buffer): Promise<boolean> {
    if (this.closed) return false;
    const socket = this.socket;
    coalesce(socket);
    if (socket.write(data)) return true;
    return new Promise<boolean>((resolve) => {
      const settle = (ok: boolean) => {
        socket.off('drain', onDrain);
        socket.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => settle(true);
      const onClose = () => settle(false);
      socket.on('drain', onDrain);
      socket.on('close', onClose);
    });
  }

  /** Writes a last line (if any) and closes the connection. */
  async end(last?: string): Promise<void> {
    if (this.closed) return;
    this.#ended = true;
    await new Promise<void>((resolve) => this.socket.end(last ?? '', resolve));
    this.#wakeUp();
  }

  /** A last line for a client that is not trusted to read it or to close (net/linger.ts). */
  async cut(last: string): Promise<void> {
    this.#ended = true;
    this.#wakeUp();
    if (this.closed) return;
    this.#detach(this.socket);
    this.socket.on('close', this.#onClose);
    await cutAfter(this.socket, last);
  }

  destroy(): void {
    this.#ended = true;
    this.socket.destroy();
    this.#wakeUp();
  }

  /**
   * Starts TLS on the connection (STLS, RFC 2595). Lines the client pipelined
   * behind the command are dropped unread: nothing sent in plaintext before the
   * handshake may be acted on after it.
   */
  async startTls(options: TlsOptions): Promise<void> {
    const plain = this.socket;
    flush(plain);
    plain.pause();
    this.#detach(plain);
    this.#dropQueue();
    this.#paused = false;
    this.#reader.reset();
    const secure = new TLSSocket(plain, { ...options, isServer: true });
    this.socket = secure;
    this.#attach(secure);
    secure.pause();
    // once() rejects when 'error' comes first, so a failed handshake throws here; race() handles both promises.
    const closed = once(secure, 'close').then(() => {
      throw new Error('connection closed during the TLS handshake');
    });
    await Promise.race([once(secure, 'secure'), closed]);
    secure.resume();
  }

  readonly #onData = (data: Buffer): void => {
    for (const event of this.#reader.push(data)) {
      if (event.type === 'line') {
        const text = event.line.toString('utf8');
        this.#queue.push({ type: 'line', text });
        this.#queuedBytes += text.length;
      } else this.#queue.push(event);
    }
    if (!this.#paused && this.#holding(PAUSE_AT)) {
      this.#paused = true;
      this.socket.pause();
    }
    this.#wakeUp();
  };

  /** The client finished sending: what it sent before (a QUIT) is still handled. */
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wakeUp();
  };

  /** The connection is gone: nobody can read answers to pipelined lines any more. */
  readonly #onClose = (): void => {
    this.#dropQueue();
    this.#onEnd();
  };

  // Errors (resets, TLS alerts) end the session like a close; the session logs the end.
  readonly #onError = (): void => this.#onClose();

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
    socket.on('timeout', this.#onIdle);
    socket.setTimeout(this.#idleMs);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    socket.off('timeout', this.#onIdle);
    socket.setTimeout(0);
    // The error listener stays: the raw socket can still fail under the TLS layer.
  }

  #dropQueue(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
