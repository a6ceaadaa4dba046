import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { defaultConfig, type Config } from '../../src/config/index.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { Store } from '../../src/store/types.ts';
import type { MessageMeta } from '../../src/store/types.ts';
import { startDns, type TestDns } from './dns.ts';
import { tempDir } from './env.ts';
import { HOSTNAME, PASSWORD, RawClient, serverCa } from './pop3.ts';
import { addAccount, collect, message } from './store.ts';

export { addAccount, HOSTNAME, PASSWORD, serverCa };

export interface SmtpTestServer {
  server: RunningServer;
  store: Store;
  config: Config;
  mx: number;
  submission: number;
  submissions: number;
  /** The only DNS server the MX's checks ask: tests publish SPF, DKIM and DMARC records here. */
  dns: TestDns;
}

/**
 * An in-process server with only the SMTP listeners, on ports the system picks.
 * `MAILFOLD_TEST_LOG=debug` shows its log on stderr.
 */
export async function startSmtpServer(t: TestContext, adjust: (config: Config) => void = () => {}, log?: Logger): Promise<SmtpTestServer> {
  const config = defaultConfig('dev');
  config.data_dir = tempDir(t);
  config.hostname = HOSTNAME;
  const dns = await startDns(t);
  config.dns.servers = [dns.server];
  for (const listener of Object.values(config.listeners)) listener.enabled = false;
  for (const name of ['smtp', 'submission', 'submissions'] as const) config.listeners[name] = { enabled: true, address: '127.0.0.1', port: 0 };
  adjust(config);
  const server = await startMailfold(t, config, log);
  const port = (name: 'smtp' | 'submission' | 'submissions') => server.listeners[name]?.port ?? 0;
  return { server, store: server.store, config, mx: port('smtp'), submission: port('submission'), submissions: port('submissions'), dns };
}

/** Starts Mailfold with this config (again, for a restart); closed when the test ends, or before by `close()`. */
export async function startMailfold(
  t: TestContext,
  config: Config,
  log: Logger = pino({ level: process.env.MAILFOLD_TEST_LOG ?? 'silent' }, pino.destination(2)),
): Promise<RunningServer> {
  const running = await startServer(config, log);
  let closing: Promise<void> | null = null;
  const server: RunningServer = { ...running, close: () => (closing ??= running.close()) };
  t.after(() => server.close());
  return server;
}

/** The INBOX messages of an account, with their bytes as a client would read them. */
export async function inbox(store: Store, address: string): Promise<{ meta: MessageMeta; bytes: Buffer }[]> {
  const account = await store.getAccount(address);
  if (!account) throw new Error(`no account ${address}`);
  const mailbox = await store.getMailbox(account.id, 'INBOX');
  const messages = await store.listMessages(mailbox!.id);
  return Promise.all(messages.map(async (meta) => ({ meta, bytes: await collect(store.readMessage(meta)) })));
}

/** A test message whose From is `from`, as a user's mail client writes it for submission. */
export const messageFrom = (from: string, subject: string, body?: string): Buffer =>
  Buffer.from(message(subject, body).toString('latin1').replace('From: Bob <bob@example.net>', `From: <${from}>`), 'latin1');

/** A raw SMTP client: sends exactly what it is given and reads whole (multi-line) replies. */
export class SmtpClient extends RawClient {
  static override async connect(port: number, opts: { tls?: boolean; ca?: string; localAddress?: string } = {}): Promise<SmtpClient> {
    const raw = await RawClient.connect(port, opts);
    return Object.setPrototypeOf(raw, SmtpClient.prototype) as SmtpClient;
  }

  /** The lines of the next reply, up to the one with a space after its code. */
  async reply(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line();
      if (line === null) throw new Error(`connection closed after ${JSON.stringify(lines)}`);
      lines.push(line);
      if (line[3] !== '-') return lines;
    }
  }

  /** Sends a command and returns the last line of its reply. */
  async cmd(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return (await this.reply()).at(-1)!;
  }

  /** Reads the greeting and says EHLO; returns the EHLO reply lines. */
  async hello(name = 'client.example.net'): Promise<string[]> {
    await this.reply();
    this.send(`EHLO ${name}\r\n`);
    return this.reply();
  }

  /** DATA with dot-stuffing; returns the reply to the final dot. */
  async data(message: Buffer | string): Promise<string> {
    const start = await this.cmd('DATA');
    if (!start.startsWith('354')) return start;
    const text = Buffer.isBuffer(message) ? message : Buffer.from(message);
    const stuffed = Buffer.from(text.toString('latin1').replace(/^\./gm, '..'), 'latin1');
    const ending = stuffed.subarray(-2).toString() === '\r\n' ? '.\r\n' : '\r\n.\r\n';
    this.send(Buffer.concat([stuffed, Buffer.from(ending)]));
    return (await this.reply()).at(-1)!;
  }

  async authPlain(user: string, password = PASSWORD): Promise<string> {
    return this.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`);
  }
}

/** Whether a command-line tool exists; on CI (CI=true) its absence fails the test instead of skipping it. */
export function requireTool(t: TestContext, tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${tool} is not installed (.ci/run installs it)`);
    t.skip(`${tool} is not installed`);
    return false;
  }
}
