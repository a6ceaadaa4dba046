import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TestContext } from 'node:test';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { pino } from 'pino';
import { defaultConfig, type Config } from '../../src/config/index.ts';
import type { Logger } from '../../src/log/logger.ts';
import { deliverMessage } from '../../src/delivery/deliver.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { LevelStore } from '../../src/store/level/store.ts';
import type { Store } from '../../src/store/types.ts';
import { tempDir } from './env.ts';
import { addAccount } from './store.ts';

export const PASSWORD = 'correct horse battery';
export const HOSTNAME = 'localhost';

export interface ImapTestServer {
  server: RunningServer;
  /** The LevelDB store the server opened: tests reach its keys through `core`. */
  store: LevelStore;
  config: Config;
  port: number;
  tlsPort: number;
}

/**
 * An in-process server with only the IMAP listeners, on ports the system picks.
 * `MAILFOLD_TEST_LOG=debug` shows its log on stderr.
 */
export async function startImapServer(
  t: TestContext,
  adjust: (config: Config) => void = () => {},
  log: Logger = pino({ level: process.env.MAILFOLD_TEST_LOG ?? 'silent' }, pino.destination(2)),
): Promise<ImapTestServer> {
  const config = defaultConfig('dev');
  config.data_dir = tempDir(t);
  config.hostname = HOSTNAME;
  for (const listener of Object.values(config.listeners)) listener.enabled = false;
  config.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 };
  config.listeners.imaps = { enabled: true, address: '127.0.0.1', port: 0 };
  adjust(config);
  const server = await startServer(config, log);
  t.after(() => server.close());
  return { server, store: server.store as LevelStore, config, port: server.listeners.imap?.port ?? 0, tlsPort: server.listeners.imaps?.port ?? 0 };
}

export { addAccount };

/** Delivers through the real write path (the MDA), as SMTP will. */
export async function deliver(store: Store, to: string, raw: Buffer | string, from = 'sender@example.net'): Promise<number> {
  const body = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  const reports = await deliverMessage(store, { from, recipients: [to], raw: body, subaddressSeparator: '+' });
  const outcome = reports[0]?.outcomes[0];
  if (outcome?.status !== 'delivered') throw new Error(`delivery failed: ${JSON.stringify(reports)}`);
  return outcome.uid;
}

/** An imapflow client, logged in, closed when the test ends. */
export async function imapflow(t: TestContext, port: number, user: string, opts: { secure?: boolean; ca?: string; extra?: Partial<ImapFlowOptions> } = {}): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: opts.secure ?? false,
    doSTARTTLS: opts.secure ? undefined : false,
    tls: { servername: HOSTNAME, ca: opts.ca, rejectUnauthorized: opts.ca !== undefined },
    auth: { user, pass: PASSWORD },
    logger: false,
    ...opts.extra,
  });
  client.on('error', () => {});
  await client.connect();
  t.after(() => client.close());
  return client;
}

/**
 * A raw IMAP client for protocol tests: it sends exactly the bytes it is given
 * and collects responses up to a tagged one, so tests can pipeline and misbehave.
 */
export class RawImap {
  socket: Socket;
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    this.#listen(socket);
  }

  static async connect(port: number, opts: { tls?: boolean; ca?: string } = {}): Promise<RawImap> {
    const socket = opts.tls
      ? tlsConnect({ port, host: '127.0.0.1', servername: HOSTNAME, ca: opts.ca, rejectUnauthorized: opts.ca !== undefined })
      : netConnect({ port, host: '127.0.0.1' });
    await once(socket, opts.tls ? 'secureConnect' : 'connect');
    const client = new RawImap(socket);
    await client.line();
    return client;
  }

  #listen(socket: Socket): void {
    socket.on('data', (data: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, data]);
      this.#wakeUp();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wakeUp();
    });
    socket.on('error', () => {});
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next line without its CRLF (literals are not special here), or null once closed. */
  async line(): Promise<string | null> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end !== -1) {
        const line = this.#buffer.subarray(0, end).toString('latin1');
        this.#buffer = this.#buffer.subarray(end + 2);
        return line;
      }
      if (this.#closed) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /**
   * The next whole response, literals included, as latin1 without its final CRLF
   * (the exact bytes the server sent), or null once closed.
   */
  async response(): Promise<string | null> {
    for (;;) {
      const end = this.#responseEnd();
      if (end !== -1) {
        const text = this.#buffer.subarray(0, end - 2).toString('latin1');
        this.#buffer = this.#buffer.subarray(end);
        return text;
      }
      if (this.#closed) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Where the first whole response in the buffer ends (after its CRLF), or -1. */
  #responseEnd(): number {
    let pos = 0;
    for (;;) {
      const crlf = this.#buffer.indexOf('\r\n', pos);
      if (crlf === -1) return -1;
      const literal = /~?\{(\d+)\}$/.exec(this.#buffer.subarray(Math.max(pos, crlf - 24), crlf).toString('latin1'));
      if (!literal) return crlf + 2;
      pos = crlf + 2 + Number(literal[1]);
      if (pos > this.#buffer.length) return -1;
    }
  }

  /** Sends `tag command` (bytes as given) and returns every whole response up to the tagged one. */
  async exchange(tag: string, command: string | Buffer): Promise<string[]> {
    this.send(Buffer.concat([Buffer.from(`${tag} `), Buffer.isBuffer(command) ? command : Buffer.from(command, 'latin1'), Buffer.from('\r\n')]));
    const responses: string[] = [];
    for (;;) {
      const response = await this.response();
      if (response === null) throw new Error(`connection closed before ${tag} completed; got ${JSON.stringify(responses)}`);
      responses.push(response);
      if (response.startsWith(`${tag} `)) return responses;
    }
  }

  /** Lines up to and including the one that starts with `tag `. */
  async until(tag: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line();
      if (line === null) throw new Error(`connection closed before ${tag} completed; got ${JSON.stringify(lines)}`);
      lines.push(line);
      if (line.startsWith(`${tag} `)) return lines;
    }
  }

  /** Sends `tag command` and returns every line up to the tagged one. */
  async command(tag: string, command: string): Promise<string[]> {
    this.send(`${tag} ${command}\r\n`);
    return this.until(tag);
  }

  async login(user: string): Promise<void> {
    const lines = await this.command('L', `LOGIN ${user} "${PASSWORD}"`);
    if (!lines.at(-1)!.startsWith('L OK')) throw new Error(lines.join('\n'));
  }

  async closedByServer(): Promise<void> {
    while (!this.#closed) await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}
