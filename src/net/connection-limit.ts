/**
 * Open connections per client IP, shared by every listener so that one address
 * cannot take all of the server's sockets whichever protocol it speaks.
 */
export class ConnectionLimit {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(maxPerIp: number) {
    this.#max = maxPerIp;
  }

  /** Counts a new connection, or returns false (and counts nothing) when the IP is at its limit. */
  acquire(ip: string): boolean {
    const open = this.#open.get(ip) ?? 0;
    if (open >= this.#max) return false;
    this.#open.set(ip, open + 1);
    return true;
  }

  /** Every open connection counted here, all addresses together. */
  get open(): number {
    let total = 0;
    for (const n of this.#open.values()) total += n;
    return total;
  }

  release(ip: string): void {
    const open = (this.#open.get(ip) ?? 1) - 1;
    if (open <= 0) this.#open.delete(ip);
    else this.#open.set(ip, open);
  }
}
