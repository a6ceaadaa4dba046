import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { TLSSocket, type TlsOptions } from 'node:tls';
import { constants as zlib, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import { coalesce, flush } from '../net/coalesce.ts';
import { cutAfter } from '../net/linger.ts';
import { CommandReader, eventBytes, type ReaderEvent, type ReaderLimits } from './reader.ts';

/**
 * Past this many unhandled events, or this many bytes held for them and the command
 * being read, the socket is paused, so a pipelined flood waits in the kernel. The
 * command being read is let in whole once nothing waits before it: at most one
 * large literal per connection is in memory.
 */
const PAUSE_AT = { events: 64, bytes: 256 * 1024 };
const RESUME_AT = { events: 8, bytes: 64 * 1024 };

/**
 * The socket side of an IMAP session: framed commands in (bounded pipelining),
 * bytes out with backpressure, the inactivity timer, and the switch to TLS.
 * Response strings are binary strings (one char per byte) and go out as latin1.
 */
export class Connection {
  socket: Socket;
  readonly #reader: CommandReader;
  readonly #idleMs: number;
  readonly #onIdle: () => void;
  #timer: NodeJS.Timeout | null = null;
  #queue: ReaderEvent[] = [];
  #queuedBytes = 0;
  #wake: (() => void) | null = null;
  #ended = false;
  #paused = false;
  /** COMPRESS=DEFLATE: responses go through #deflate, client bytes through #inflate. */
  #deflate: DeflateRaw | null = null;
  #inflate: InflateRaw | null = null;

  constructor(socket: Socket, opts: { limits: ReaderLimits; idleMs: number; onIdle: () => void }) {
    this.socket = socket;
    this.#reader = new CommandReader(opts.limits);
    this.#idleMs = opts.idleMs;
    this.#onIdle = opts.onIdle;
    this.#attach(socket);
    this.touch();
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  /** True when the client has sent something not yet handled. */
  get pending(): boolean {
    return this.#queue.length > 0;
  }

  /** Restarts the inactivity timer: only the client's activity counts (RFC 3501 5.4). */
  touch(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = this.#ended ? null : setTimeout(this.#onIdle, this.#idleMs);
  }

  /** The next event from the client, or null once the connection is gone. */
  async next(): Promise<ReaderEvent | null> {
    while (this.#queue.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const event = this.#queue.shift()!;
    this.#queuedBytes -= eventBytes(event);
    if (this.#paused && !this.#holding(RESUME_AT)) {
      this.#paused = false;
      this.#input.resume();
    }
    return event;
  }

  /** The reader's limits from the next line on: larger ones once the client has logged in. */
  setLimits(limits: ReaderLimits): void {
    this.#reader.limits = limits;
  }

  /** Bytes read from the client and held: commands waiting to be handled and the one being read. */
  get buffered(): number {
    return this.#queuedBytes + this.#reader.buffered;
  }

  /** Whether what waits is over `at`; with nothing waiting, the command being read goes on. */
  #holding(at: { events: number; bytes: number }): boolean {
    if (this.#queue.length === 0) return false;
    return this.#queue.length >= at.events || this.buffered >= at.bytes;
  }

  get compressed(): boolean {
    return this.#deflate !== null;
  }

  /** Resolves once the bytes are accepted (waiting out a full send buffer); false when the connection is gone. */
  async write(data: string | Buffer): Promise<boolean> {
    if (this.closed) return false;
    const out: Writable = this.#deflate ?? this.socket;
    // The deflate stream flushes each write itself.
    if (!this.#deflate) coalesce(out);
    const ok = typeof data === 'string' ? out.write(data, 'latin1') : out.write(data);
    if (ok) return true;
    // The listener that loses the race is removed, so long responses do not pile them up.
    const race = new AbortController();
    const drained = once(out, 'drain', { signal: race.signal }).then(() => true, () => false);
    const closed = once(this.socket, 'close', { signal: race.signal }).then(() => false, () => false);
    try {
      return await Promise.race([drained, closed]);
    } finally {
      race.abort();
    }
  }

  /** Writes a last response (if any) and closes the connection. */
  async end(last?: string): Promise<void> {
    this.#stop();
    if (this.closed) return;
    const socket = this.socket;
    const deflate = this.#deflate;
    await new Promise<void>((resolve) => {
      if (!deflate) return socket.end(Buffer.from(last ?? '', 'latin1'), resolve);
      // The deflate stream ends the socket through the pipe once it has flushed.
      socket.once('finish', resolve).once('close', resolve);
      deflate.end(Buffer.from(last ?? '', 'latin1'));
    });
  }

  /** A last response for a client that is not trusted to read it or to close (net/linger.ts). */
  async cut(last: string): Promise<void> {
    this.#stop();
    if (this.closed) return;
    // Under COMPRESS the bytes to drop come through the inflater: simply cut once the goodbye is out.
    if (this.#inflate) {
      await this.end(last);
      return this.destroy();
    }
    this.#detach(this.socket);
    this.socket.on('close', this.#onClose);
    await cutAfter(this.socket, last);
  }

  destroy(): void {
    this.#stop();
    this.socket.destroy();
    this.#deflate?.destroy();
    this.#inflate?.destroy();
  }

  /**
   * COMPRESS=DEFLATE (RFC 4978), after the tagged OK: raw deflate both ways, each
   * write flushed so that a response is never held back. As with STARTTLS,
   * whatever the client pipelined behind the command is dropped unread (it may
   * send nothing until it has the OK). A stream that does not inflate ends the
   * connection.
   */
  startCompression(): void {
    const socket = this.socket;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    this.#dropQueue();
    this.#reader.clear();
    const inflate = createInflateRaw();
    const deflate = createDeflateRaw({ flush: zlib.Z_SYNC_FLUSH });
    // The inflater's own backpressure holds the socket, so a small input that inflates to much waits too.
    socket.on('data', (data: Buffer) => {
      if (!inflate.write(data)) socket.pause();
    });
    inflate.on('drain', () => socket.resume());
    // zlib works off the main thread: the client's last commands are still inflating when its FIN arrives.
    socket.on('end', () => inflate.end());
    inflate.on('data', this.#onData);
    inflate.on('end', this.#onEnd);
    inflate.on('error', () => this.destroy());
    deflate.on('error', () => this.destroy());
    deflate.pipe(socket);
    this.#inflate = inflate;
    this.#deflate = deflate;
    if (this.#paused) {
      this.#paused = false;
      socket.resume();
    }
  }

  /** Where commands come from: the inflater under COMPRESS, else the socket; pausing it holds the client back. */
  get #input(): { pause(): void; resume(): void } {
    return this.#inflate ?? this.socket;
  }

  #stop(): void {
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#wakeUp();
  }

  /**
   * STARTTLS (RFC 3501 6.2.1): whatever the client pipelined behind the command is
   * dropped unread, since nothing sent in plaintext may be acted on after the handshake.
   */
  async startTls(options: TlsOptions): Promise<void> {
    const plain = this.socket;
    flush(plain);
    plain.pause();
    this.#detach(plain);
    this.#dropQueue();
    this.#paused = false;
    this.#reader.clear();
    const secure = new TLSSocket(plain, { ...options, isServer: true });
    this.socket = secure;
    this.#attach(secure);
    const failed = once(secure, 'error').then(([err]) => Promise.reject(err as Error));
    const closed = once(secure, 'close').then(() => Promise.reject(new Error('connection closed during the TLS handshake')));
    failed.catch(() => {});
    closed.catch(() => {});
    await Promise.race([once(secure, 'secure'), failed, closed]);
  }

  readonly #onData = (data: Buffer): void => {
    this.touch();
    for (const event of this.#reader.push(data)) {
      this.#queue.push(event);
      this.#queuedBytes += eventBytes(event);
    }
    if (!this.#paused && this.#holding(PAUSE_AT)) {
      this.#paused = true;
      this.#input.pause();
    }
    this.#wakeUp();
  };

  /** The client is gone or finished sending; what it sent before is still handled. */
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wakeUp();
  };

  /** Nobody can read answers any more: pipelined commands are dropped. */
  readonly #onClose = (): void => {
    this.#dropQueue();
    this.#stop();
    this.#deflate?.destroy();
    this.#inflate?.destroy();
  };

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onClose);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
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
