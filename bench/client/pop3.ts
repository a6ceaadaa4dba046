import { LineSocket, waitFor, type Waiter } from './line-socket.ts';

export interface Pop3Reply {
  status: string;
  /** Lines of a multi-line reply after the status line (not kept, only counted). */
  lines: number;
  bytes: number;
}

/** A raw POP3 client: one command at a time; multi-line bodies are counted, not kept. */
export class Pop3Client extends LineSocket {
  #waiter: Waiter<Pop3Reply> | null = null;
  #multi = false;
  #reply: Pop3Reply | null = null;

  static async connect(port: number): Promise<Pop3Client> {
    const client = new Pop3Client(await LineSocket.open(port));
    const greeting = await client.#next(false);
    if (!greeting.status.startsWith('+OK')) throw new Error(`POP3 greeting: ${greeting.status}`);
    return client;
  }

  protected onLine(line: Buffer): void {
    if (this.#reply === null) {
      this.#reply = { status: line.toString('latin1'), lines: 0, bytes: 0 };
      if (this.#multi && this.#reply.status.startsWith('+OK')) return;
    } else if (!(line.length === 1 && line[0] === 0x2e)) {
      this.#reply.lines++;
      this.#reply.bytes += line.length + 2;
      return;
    }
    const reply = this.#reply;
    const waiter = this.#waiter;
    this.#reply = null;
    this.#waiter = null;
    waiter?.resolve(reply);
  }

  protected onClose(err: Error): void {
    this.#waiter?.reject(err);
    this.#waiter = null;
  }

  #next(multi: boolean): Promise<Pop3Reply> {
    this.#multi = multi;
    return waitFor((w) => (this.#waiter = w));
  }

  /** A command; `multi` when a +OK answer is followed by lines up to ".". */
  command(line: string, multi = false): Promise<Pop3Reply> {
    const reply = this.#next(multi);
    this.send(`${line}\r\n`);
    return reply;
  }

  async login(user: string, password: string): Promise<void> {
    for (const line of [`USER ${user}`, `PASS ${password}`]) {
      const { status } = await this.command(line);
      if (!status.startsWith('+OK')) throw new Error(`${line.split(' ')[0]}: ${status}`);
    }
  }
}
