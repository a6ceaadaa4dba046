import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket, type TlsOptions } from 'node:tls';
import { coalesce, flush } from './coalesce.ts';
import type { Logger } from '../log/logger.ts';
import { cutAfter } from './linger.ts';

/** Cuts a protocol's byte stream into units (lines, commands with literals); pure: bytes in, events out. */
export interface Framer<Event> {
  push(data: Buffer): Event[];
  /** Forgets a partial unit, as STARTTLS must with what came before the handshake. */
  clear(): void;
  /** Bytes held for the unit being read. */
  readonly buffered: number;
}

export interface ChannelOptions<Event> {
  framer: Framer<Event>;
  /** The bytes an event holds, for the bound on what waits unhandled. */
  bytes(event: Event): number;
  idleMs: number;
  onIdle: () => void;
  /** Past this many unhandled events, or bytes, the socket is paused, so a pipelined flood waits in the kernel. */
  pauseAt?: { events: number; bytes: number };
  resumeAt?: { events: number; bytes: number };
}

/**
 * The socket side of a line-based session, whatever the protocol's framing: units in
 * with bounded pipelining, bytes out with backpressure, the inactivity timer (traffic
 * either way resets it: Node's socket timeout), and the switch to TLS in the middle of
 * a connection.
 */
export class Channel<Event> {
  socket: Socket;
  readonly #opts: Required<ChannelOptions<Event>>;
  #queue: Event[] = [];
  #queuedBytes = 0;
  #wake: (() => void) | null = null;
  #ended = false;
  #paused = false;

  constructor(socket: Socket, opts: ChannelOptions<Event>) {
    this.socket = socket;
    this.#opts = { pauseAt: { events: 64, bytes: 256 * 1024 }, resumeAt: { events: 8, bytes: 64 * 1024 }, ...opts };
    this.#attach(socket);
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  /** The next event from the client, or null once the connection is gone. */
  async next(): Promise<Event | null> {
    while (this.#queue.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const event = this.#queue.shift()!;
    this.#queuedBytes -= this.#opts.bytes(event);
    if (this.#paused && !this.#holding(this.#opts.resumeAt)) {
      this.#paused = false;
      this.socket.resume();
    }
    return event;
  }

  /** Whether what waits is over `at`; with nothing waiting, the unit being read goes on. */
  #holding(at: { events: number; bytes: number }): boolean {
    if (this.#queue.length === 0) return false;
    return this.#queue.length >= at.events || this.#queuedBytes + this.#opts.framer.buffered >= at.bytes;
  }

  /** Resolves once the bytes are accepted (waiting out a full send buffer); false when the connection is gone. */
  async write(data: string | Buffer): Promise<boolean> {
    if (this.closed) return false;
    const socket = this.socket;
    coalesce(socket);
    if (socket.write(data)) return true;
    // The listener that loses the race is removed, so long responses do not pile them up.
    const race = new AbortController();
    const drained = once(socket, 'drain', { signal: race.signal }).then(() => true, () => false);
    const closed = once(socket, 'close', { signal: race.signal }).then(() => false, () => false);
    try {
      return await Promise.race([drained, closed]);
    } finally {
      race.abort();
    }
  }

  /** Writes a last line (if any) and closes the connection. */
  async end(last?: string): Promise<void> {
    this.#stop();
    if (this.closed) return;
    await new Promise<void>((resolve) => this.socket.end(last ?? '', resolve));
  }

  /** A last line for a client that is not trusted to read it or to close (net/linger.ts). */
  async cut(last: string): Promise<void> {
    this.#stop();
    if (this.closed) return;
    this.#detach(this.socket);
    this.socket.on('close', this.#onClose);
    await cutAfter(this.socket, last);
  }

  destroy(): void {
    this.#stop();
    this.socket.destroy();
  }

  /**
   * Starts TLS on the connection. What the client pipelined behind the command is
   * dropped unread: nothing sent in plaintext before the handshake may be acted on after it.
   */
  async startTls(options: TlsOptions): Promise<void> {
    const plain = this.socket;
    flush(plain);
    plain.pause();
    this.#detach(plain);
    this.#dropQueue();
    this.#paused = false;
    this.#opts.framer.clear();
    const secure = new TLSSocket(plain, { ...options, isServer: true });
    this.socket = secure;
    this.#attach(secure);
    const failed = once(secure, 'error').then(([err]) => Promise.reject(err as Error));
    const closed = once(secure, 'close').then(() => Promise.reject(new Error('connection closed during the TLS handshake')));
    failed.catch(() => {});
    closed.catch(() => {});
    await Promise.race([once(secure, 'secure'), failed, closed]);
  }

  /** STARTTLS as a session does it: true once secure (logged), false with the connection gone when the handshake fails. */
  async upgrade(options: TlsOptions, log: Logger): Promise<boolean> {
    try {
      await this.startTls(options);
    } catch (err) {
      log.info({ err: (err as Error).message }, 'TLS handshake failed');
      this.destroy();
      return false;
    }
    const socket = this.socket as TLSSocket;
    log.info({ protocol: socket.getProtocol(), cipher: socket.getCipher().name }, 'tls started');
    return true;
  }

  #stop(): void {
    this.#ended = true;
    this.socket.setTimeout(0);
    this.#wakeUp();
  }

  readonly #onData = (data: Buffer): void => {
    for (const event of this.#opts.framer.push(data)) {
      this.#queue.push(event);
      this.#queuedBytes += this.#opts.bytes(event);
    }
    if (!this.#paused && this.#holding(this.#opts.pauseAt)) {
      this.#paused = true;
      this.socket.pause();
    }
    this.#wakeUp();
  };

  /** The client finished sending: what it sent before is still handled. */
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wakeUp();
  };

  /** Nobody can read answers any more: pipelined units are dropped. */
  readonly #onClose = (): void => {
    this.#dropQueue();
    this.#stop();
  };

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onClose);
    socket.on('timeout', this.#opts.onIdle);
    socket.setTimeout(this.#opts.idleMs);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    socket.off('timeout', this.#opts.onIdle);
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
