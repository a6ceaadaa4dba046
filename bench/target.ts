import { connect, createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export const DOMAIN = 'example.org';
export const PASSWORD = 'bench-password-1';

export interface Ports {
  smtp: number;
  imap: number;
  pop3: number;
}

/** A running server under test: Mailfold, or Dovecot+Postfix. */
export interface Target {
  name: string;
  ports: Ports;
  /** Several nodes serving one store: their ports, `ports` being the first's. Clients are spread over them. */
  nodes?: Ports[];
  /** Time from launch until every port accepts connections, ms (a restart of an installed server). */
  startupMs: number;
  /** Pids whose process trees make up the server, for memory and fd counts. */
  roots(): number[];
  /** The server's log, for a look when something failed (removed by stop()). */
  logFile?: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function freePorts(): Promise<Ports> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [smtp, imap, pop3] = [...ports] as [number, number, number];
  return { smtp, imap, pop3 };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until every port accepts a connection (a benchmark may poll; tests may not). */
export async function listening(ports: Ports, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of Object.values(ports)) {
    while (!(await accepts(port))) {
      if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
      await delay(5);
    }
  }
}

export const address = (user: string) => `${user}@${DOMAIN}`;

/** The ports of the node that client number `i` uses: round-robin over the nodes. */
export function nodePorts(target: Target, i: number): Ports {
  const all = target.nodes ?? [target.ports];
  return all[i % all.length]!;
}
