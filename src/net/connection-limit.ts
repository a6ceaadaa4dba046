import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { clientKey } from './client-key.ts';

/**
 * Open connections per client (an IPv4 address or an IPv6 /64), shared by every listener
 * so that one client cannot take all of the server's sockets whichever protocol it speaks;
 * also the cap on one listener's connections, which each listener counts for itself.
 */
export class ConnectionLimit {
  readonly #max: number;
  readonly #open = new Map<string, number>();
  /** At most this many connections on one listener, all clients together. */
  readonly perListener: number;

  constructor(maxPerIp: number, perListener = Infinity) {
    this.#max = maxPerIp;
    this.perListener = perListener;
  }

  /** Counts a new connection, or returns false (and counts nothing) when the client is at its limit. */
  acquire(ip: string): boolean {
    const key = clientKey(ip);
    const open = this.#open.get(key) ?? 0;
    if (open >= this.#max) return false;
    this.#open.set(key, open + 1);
    return true;
  }

  /** Every open connection counted here, all clients together. */
  get open(): number {
    let total = 0;
    for (const n of this.#open.values()) total += n;
    return total;
  }

  release(ip: string): void {
    const key = clientKey(ip);
    const open = (this.#open.get(key) ?? 1) - 1;
    if (open <= 0) this.#open.delete(key);
    else this.#open.set(key, open);
  }
}

/** Why a connection is turned away: its client is at its limit, or the listener is full. */
export type ConnectionRefusal = 'address' | 'listener';

/**
 * Admission on one listener: counts each accepted socket against the listener's cap and
 * its client's limit until it closes. A refused socket is logged once, gets `reply`'s text
 * when there is one (on an implicit-TLS port nothing readable can be sent before the
 * handshake) and is closed, not left half-open: a client that never closes its side would
 * still hold a descriptor.
 */
export function listenerGate(
  limit: ConnectionLimit,
  log: Logger,
  listener: string,
  reply: ((refusal: ConnectionRefusal) => string) | null,
): (socket: Socket) => boolean {
  let open = 0;
  return (socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const refusal: ConnectionRefusal | null = open >= limit.perListener ? 'listener' : limit.acquire(ip) ? null : 'address';
    if (refusal) {
      log.warn({ ip, listener }, refusal === 'listener' ? 'too many connections on the listener' : 'too many connections from one address');
      if (reply) socket.end(reply(refusal), () => socket.destroy());
      else socket.destroy();
      return false;
    }
    open++;
    socket.once('close', () => {
      open--;
      limit.release(ip);
    });
    return true;
  };
}
