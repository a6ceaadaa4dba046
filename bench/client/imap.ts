import { LineSocket, waitFor, type Waiter } from './line-socket.ts';

export interface ImapResult {
  /** The tagged line without its tag: "OK ...", "NO ...", "BAD ...". */
  status: string;
  /** Untagged responses (literal contents left out) when asked to keep them. */
  untagged: string[];
  /** How many untagged responses came, and how many literal bytes. */
  count: number;
  literalBytes: number;
}

/**
 * A raw IMAP client: one command at a time. Responses are parsed as they arrive;
 * literal contents are counted, not kept, so big FETCHes cost the client little.
 */
export class ImapClient extends LineSocket {
  /** Called for every untagged response, also between commands (IDLE pushes). */
  onUntagged: ((response: string) => void) | null = null;
  #tag = 0;
  #current: { tag: string; keep: boolean; result: ImapResult; waiter: Waiter<ImapResult> } | null = null;
  #continuation: Waiter<string> | null = null;
  #greeting: Waiter<string> | null = null;
  #response = '';

  static async connect(port: number): Promise<ImapClient> {
    const client = new ImapClient(await LineSocket.open(port));
    const greeting = await waitFor<string>((w) => (client.#greeting = w));
    if (!greeting.startsWith('* OK')) throw new Error(`IMAP greeting: ${greeting}`);
    return client;
  }

  protected onLine(line: Buffer): void {
    // Only the end of a line can announce a literal: "{123}" or "{123+}".
    let literal = -1;
    if (line.length > 2 && line[line.length - 1] === 0x7d) {
      const open = line.lastIndexOf(0x7b);
      if (open >= 0) literal = parseInt(line.toString('latin1', open + 1, line.length - 1), 10);
    }
    this.#response += line.toString('latin1');
    if (literal >= 0) {
      this.literalLeft = literal;
      if (this.#current) this.#current.result.literalBytes += literal;
      return;
    }
    const response = this.#response;
    this.#response = '';
    this.#dispatch(response);
  }

  #dispatch(response: string): void {
    if (this.#greeting) {
      const greeting = this.#greeting;
      this.#greeting = null;
      greeting.resolve(response);
      return;
    }
    if (response.startsWith('+')) {
      const waiter = this.#continuation;
      this.#continuation = null;
      waiter?.resolve(response);
      return;
    }
    const current = this.#current;
    if (response.startsWith('* ')) {
      if (current) {
        current.result.count++;
        if (current.keep) current.result.untagged.push(response);
      }
      this.onUntagged?.(response);
      return;
    }
    if (current && response.startsWith(`${current.tag} `)) {
      this.#current = null;
      current.result.status = response.slice(current.tag.length + 1);
      current.waiter.resolve(current.result);
    }
  }

  protected onClose(err: Error): void {
    this.#current?.waiter.reject(err);
    this.#continuation?.reject(err);
    this.#greeting?.reject(err);
    this.#current = this.#continuation = this.#greeting = null;
  }

  /** Sends `TAG command`; resolves at the tagged response. `keep` keeps the untagged ones. */
  command(command: string, keep = false): Promise<ImapResult> {
    const tag = `A${++this.#tag}`;
    const done = waitFor<ImapResult>((waiter) => {
      this.#current = { tag, keep, waiter, result: { status: '', untagged: [], count: 0, literalBytes: 0 } };
    });
    this.send(`${tag} ${command}\r\n`);
    return done;
  }

  /** A command that must succeed. */
  async ok(command: string, keep = false): Promise<ImapResult> {
    const result = await this.command(command, keep);
    if (!result.status.startsWith('OK')) throw new Error(`${command.split(' ')[0]}: ${result.status}`);
    return result;
  }

  async login(user: string, password: string): Promise<void> {
    await this.ok(`LOGIN "${user}" "${password}"`);
  }

  async capabilities(): Promise<string[]> {
    const { untagged } = await this.ok('CAPABILITY', true);
    return untagged.flatMap((line) => line.replace(/^\* CAPABILITY /i, '').toUpperCase().split(' '));
  }

  /** Starts IDLE; resolves once the server is idling. `done()` ends it. */
  async idle(): Promise<{ done: () => Promise<ImapResult> }> {
    const go = waitFor<string>((w) => (this.#continuation = w));
    const finished = this.command('IDLE');
    // A server may end an idling connection (a timeout, shutdown): not an error until done() is awaited.
    finished.catch(() => {});
    await go;
    return {
      done: () => {
        this.send('DONE\r\n');
        return finished;
      },
    };
  }
}
