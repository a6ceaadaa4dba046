import type { Socket } from 'node:net';
import { Channel, type Framer } from '../net/channel.ts';
import { LineReader } from './line-reader.ts';

export type Incoming = { type: 'line'; text: string } | { type: 'too-long' };

/** POP3's framing: lines with a length limit (line-reader.ts), as text. */
class LineFramer implements Framer<Incoming> {
  readonly #reader: LineReader;

  constructor(maxLine: number) {
    this.#reader = new LineReader(maxLine);
  }

  get buffered(): number {
    return this.#reader.buffered;
  }

  push(data: Buffer): Incoming[] {
    return this.#reader.push(data).map((event) => (event.type === 'line' ? { type: 'line', text: event.line.toString('utf8') } : event));
  }

  clear(): void {
    this.#reader.reset();
  }
}

/** The socket side of a POP3 session (net/channel.ts) with lines as its unit. */
export type LineChannel = Channel<Incoming>;

/** Past 64 unanswered lines, or 64 KiB in them, the socket is paused, so a pipelined flood stays in the kernel. */
export function lineChannel(socket: Socket, opts: { maxLine: number; idleMs: number; onIdle: () => void }): LineChannel {
  return new Channel(socket, {
    framer: new LineFramer(opts.maxLine),
    bytes: (incoming) => (incoming.type === 'line' ? incoming.text.length : 0),
    idleMs: opts.idleMs,
    onIdle: opts.onIdle,
    pauseAt: { events: 64, bytes: 64 * 1024 },
    resumeAt: { events: 8, bytes: 16 * 1024 },
  });
}
