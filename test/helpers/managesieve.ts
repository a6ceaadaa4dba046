import type { TestContext } from 'node:test';
import type { Config } from '../../src/config/index.ts';
import { RawClient, startPop3Server, type TestServer } from './pop3.ts';

export { PASSWORD, HOSTNAME, RawClient, addAccount, serverCa } from './pop3.ts';

/** An in-process server with the ManageSieve listener (and POP3's, which the helper starts), on ports the system picks. */
export async function startSieveServer(t: TestContext, adjust: (config: Config) => void = () => {}): Promise<TestServer & { sievePort: number }> {
  const served = await startPop3Server(t, (c) => {
    c.listeners.managesieve = { enabled: true, address: '127.0.0.1', port: 0 };
    adjust(c);
  });
  return { ...served, sievePort: served.server.listeners.managesieve!.port };
}

/** A ManageSieve response: the lines before the status line (literals inline), and the status line. */
export interface SieveResponse {
  lines: string[];
  status: string;
}

const LITERAL = /\{(\d+)\}$/;

/** Reads a line with the literals it announces inline: `"a" {5}` CRLF `hello` reads as `"a" hello`. */
async function fullLine(client: RawClient): Promise<string | null> {
  let text = '';
  for (;;) {
    const line = await client.lineBytes();
    if (line === null) return null;
    const s = line.toString('utf8');
    const literal = LITERAL.exec(s);
    if (!literal) return text + s;
    const bytes = await client.bytes(Number(literal[1]));
    if (bytes === null) return null;
    text += s.slice(0, -literal[0].length) + bytes.toString('utf8');
  }
}

/** Reads up to and including the status line (OK, NO or BYE); throws if the server closes first. */
export async function response(client: RawClient): Promise<SieveResponse> {
  const lines: string[] = [];
  for (;;) {
    const line = await fullLine(client);
    if (line === null) throw new Error(`connection closed after ${JSON.stringify(lines)}`);
    if (/^(OK|NO|BYE)\b/i.test(line)) return { lines, status: line };
    lines.push(line);
  }
}

/** Sends one command made of `parts` (CRLF added) and reads its response. */
export async function sieveCommand(client: RawClient, ...parts: (string | Buffer)[]): Promise<SieveResponse> {
  client.send(Buffer.concat([...parts.map((p) => Buffer.from(p)), Buffer.from('\r\n')]));
  return response(client);
}

/** Connects and reads the greeting (capabilities, then OK). */
export async function connectSieve(port: number, opts: { localAddress?: string } = {}): Promise<{ client: RawClient; greeting: SieveResponse }> {
  const client = await RawClient.connect(port, opts);
  return { client, greeting: await response(client) };
}

/** AUTHENTICATE PLAIN with an initial response. */
export function plainLogin(client: RawClient, user: string, password: string): Promise<SieveResponse> {
  const initial = Buffer.from(`\0${user}\0${password}`).toString('base64');
  return sieveCommand(client, `AUTHENTICATE "PLAIN" "${initial}"`);
}

/** A string argument as a non-synchronizing literal. */
export const literal = (text: string | Buffer): Buffer => {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from(`{${bytes.length}+}\r\n`), bytes]);
};
