import { LineSocket, waitFor, type Waiter } from './line-socket.ts';

/** A raw SMTP client: one command at a time, no pipelining, the same for every server. */
export class SmtpClient extends LineSocket {
  #waiter: Waiter<string> | null = null;

  static async connect(port: number): Promise<SmtpClient> {
    const client = new SmtpClient(await LineSocket.open(port));
    const greeting = await client.#reply();
    if (!greeting.startsWith('220')) throw new Error(`SMTP greeting: ${greeting}`);
    const ehlo = await client.command('EHLO bench.example.net');
    if (!ehlo.startsWith('250')) throw new Error(`EHLO: ${ehlo}`);
    return client;
  }

  protected onLine(line: Buffer): void {
    // A multi-line reply ends with the line that has a space (not "-") after its code.
    if (line[3] === 0x2d) return;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.resolve(line.toString('latin1'));
  }

  protected onClose(err: Error): void {
    this.#waiter?.reject(err);
    this.#waiter = null;
  }

  #reply(): Promise<string> {
    return waitFor((w) => (this.#waiter = w));
  }

  /** Sends one command line; resolves with the last line of the reply. */
  command(line: string): Promise<string> {
    const reply = this.#reply();
    this.send(`${line}\r\n`);
    return reply;
  }

  /**
   * One message, one recipient. `raw` must end with CRLF and have no line starting
   * with "." (the generated messages do not), so it goes out without dot-stuffing.
   * Resolves with the reply to the final dot.
   */
  async sendMail(from: string, to: string, raw: Buffer): Promise<string> {
    for (const line of [`MAIL FROM:<${from}>`, `RCPT TO:<${to}>`]) {
      const reply = await this.command(line);
      if (!reply.startsWith('250')) return reply;
    }
    const go = await this.command('DATA');
    if (!go.startsWith('354')) return go;
    const reply = this.#reply();
    this.send(raw);
    this.send('.\r\n');
    return reply;
  }

  async quit(): Promise<void> {
    await this.command('QUIT').catch(() => '');
    this.close();
  }
}
