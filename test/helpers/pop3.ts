import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { defaultConfig, type Config } from '../../src/config/index.ts';
import { deliverMessage } from '../../src/delivery/deliver.ts';
import { toCrlf } from '../../src/delivery/line-endings.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { Store } from '../../src/store/types.ts';
import { tempDir } from './env.ts';
import { addAccount } from './store.ts';

export const PASSWORD = 'correct horse battery';
export const HOSTNAME = 'localhost';

export interface TestServer {
  server: RunningServer;
  store: Store;
  config: Config;
  port: number;
  tlsPort: number;
}

/**
 * An in-process server with only the POP3 listeners, on ports the system picks.
 * `MAILFOLD_TEST_LOG=debug` shows its log on stderr.
 */
export async function startPop3Server(t: TestContext, adjust: (config: Config) => void = () => {}): Promise<TestServer> {
  const config = defaultConfig('dev');
  config.data_dir = tempDir(t);
  config.hostname = HOSTNAME;
  for (const listener of Object.values(config.listeners)) listener.enabled = false;
  config.listeners.pop3 = { enabled: true, address: '127.0.0.1', port: 0 };
  config.listeners.pop3s = { enabled: true, address: '127.0.0.1', port: 0 };
  adjust(config);
  const log = pino({ level: process.env.MAILFOLD_TEST_LOG ?? 'silent' }, pino.destination(2));
  const running = await startServer(config, log);
  // Tests may close it themselves (shutdown tests); closing twice is then a no-op.
  let closing: Promise<void> | null = null;
  const server: RunningServer = { ...running, close: () => (closing ??= running.close()) };
  t.after(() => server.close());
  return {
    server,
    store: server.store,
    config,
    port: server.listeners.pop3?.port ?? 0,
    tlsPort: server.listeners.pop3s?.port ?? 0,
  };
}

export { addAccount };

/** Delivers through the real write path; returns the bytes a POP3 client must receive. */
export async function deliver(store: Store, to: string, raw: Buffer | string, from = 'sender@example.net'): Promise<Buffer> {
  const body = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  const reports = await deliverMessage(store, { from, recipients: [to], raw: body, subaddressSeparator: '+' });
  const outcome = reports[0]?.outcomes[0];
  if (outcome?.status !== 'delivered') throw new Error(`delivery failed: ${JSON.stringify(reports)}`);
  return Buffer.concat([Buffer.from(`Return-Path: <${from}>\r\nDelivered-To: ${to}\r\n`), toCrlf(body)]);
}

/** What RETR sends of a stored message: a last line without CRLF gets one before the final dot. */
export const asServed = (stored: Buffer): Buffer =>
  stored.subarray(-2).toString() === '\r\n' ? stored : Buffer.concat([stored, Buffer.from('\r\n')]);

/** The certificate the server made, for clients that verify it. */
export async function serverCa(store: Store): Promise<string> {
  const stored = await store.getCertificate(HOSTNAME);
  if (!stored) throw new Error('no certificate in the store');
  return stored.certPem;
}

/**
 * A raw POP3 client for protocol tests: it sends exactly the bytes it is given and
 * reads lines as they come, so tests can pipeline, misbehave and inspect everything.
 */
export class RawClient {
  socket: Socket;
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    this.#listen(socket);
  }

  /** `localAddress` (another loopback address, 127.0.0.2) makes the client a different IP to the server. */
  static async connect(port: number, opts: { tls?: boolean; ca?: string; localAddress?: string } = {}): Promise<RawClient> {
    const from = opts.localAddress ? { localAddress: opts.localAddress } : {};
    const socket = opts.tls
      ? tlsConnect({ port, host: '127.0.0.1', ...from, servername: HOSTNAME, ca: opts.ca, rejectUnauthorized: opts.ca !== undefined })
      : netConnect({ port, host: '127.0.0.1', ...from });
    await once(socket, opts.tls ? 'secureConnect' : 'connect');
    return new RawClient(socket);
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

  /** Bytes received and not read yet. */
  get pendingBytes(): number {
    return this.#buffer.length;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next line without its CRLF, or null when the server closed the connection. */
  async line(): Promise<string | null> {
    const bytes = await this.lineBytes();
    return bytes === null ? null : bytes.toString('latin1');
  }

  async lineBytes(): Promise<Buffer | null> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end !== -1) {
        const line = this.#buffer.subarray(0, end);
        this.#buffer = this.#buffer.subarray(end + 2);
        return line;
      }
      if (this.#closed) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The next `count` bytes as they come (a literal's), or null when the server closed first. */
  async bytes(count: number): Promise<Buffer | null> {
    while (this.#buffer.length < count) {
      if (this.#closed) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const bytes = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return bytes;
  }

  /** Sends a command line and returns the first response line. */
  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    const reply = await this.line();
    if (reply === null) throw new Error(`connection closed after ${line.split(' ')[0]}`);
    return reply;
  }

  /** The lines of a multi-line response after its status line, un-stuffed, up to the ".". */
  async multiLine(): Promise<string[]> {
    return (await this.multiLineBytes()).map((b) => b.toString('latin1'));
  }

  async multiLineBytes(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (;;) {
      const line = await this.lineBytes();
      if (line === null) throw new Error('connection closed inside a multi-line response');
      if (line.length === 1 && line[0] === 0x2e) return lines;
      lines.push(line[0] === 0x2e ? line.subarray(1) : line);
    }
  }

  /** A multi-line message body joined back with CRLF, as the store holds it. */
  async message(): Promise<Buffer> {
    const lines = await this.multiLineBytes();
    return Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\r\n')]));
  }

  async login(user: string, password = PASSWORD): Promise<string> {
    const first = await this.command(`USER ${user}`);
    if (!first.startsWith('+OK')) return first;
    return this.command(`PASS ${password}`);
  }

  /** Switches to TLS after a +OK to STLS, verifying the server against `ca`. */
  async startTls(ca: string): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure: TLSSocket = tlsConnect({ socket: this.socket, servername: HOSTNAME, ca });
    await once(secure, 'secureConnect');
    this.#buffer = Buffer.alloc(0);
    this.socket = secure;
    this.#listen(secure);
  }

  /** Resolves when the server has closed the connection. */
  async closedByServer(): Promise<void> {
    while (!this.#closed) await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}
