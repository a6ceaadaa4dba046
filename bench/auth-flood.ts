/**
 * The password-guessing flood of issue 13, measured: 200 IMAP LOGINs for one account sent
 * at once from 127.0.0.1 (199 wrong, the right one last), and meanwhile a login to another
 * account from 127.0.0.2. Prints how many guesses were checked (answered "wrong password"
 * or accepted rather than refused by the throttle), whether the right one got in, and how
 * long the bystander's login took (and the same login on the quiet server before).
 *
 *   node bench/auth-flood.ts [CHECKOUT]    # CHECKOUT: the tree whose src/ runs (default: this one)
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';

const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const { defaultConfig } = await import(join(root, 'src/config/index.ts'));
const { startServer } = await import(join(root, 'src/server.ts'));
const { hashPassword } = await import(join(root, 'src/auth/password.ts'));

const PASSWORD = 'correct horse battery';
const GUESSES = 200;

/** One IMAP connection from `from`; `login` sends a LOGIN and resolves to the tagged answer. */
async function open(port: number, from: string) {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress: from });
  await once(socket, 'connect');
  let buffer = '';
  const lines: string[] = [];
  let wake = () => {};
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    let end;
    while ((end = buffer.indexOf('\r\n')) !== -1) {
      lines.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
    wake();
  });
  socket.on('error', () => {});
  const next = async (tag: string): Promise<string> => {
    for (;;) {
      const i = lines.findIndex((l) => l.startsWith(tag));
      if (i !== -1) return lines.splice(i, 1)[0]!;
      await new Promise<void>((r) => (wake = r));
    }
  };
  await next('* OK');
  return {
    login: (user: string, password: string) => {
      socket.write(`a LOGIN ${user} "${password}"\r\n`);
      return next('a ');
    },
    close: () => socket.destroy(),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'mf-flood-'));
const config = defaultConfig('dev');
config.data_dir = dir;
config.hostname = 'localhost';
for (const listener of Object.values(config.listeners) as { enabled: boolean }[]) listener.enabled = false;
config.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 };
config.limits.connections_per_ip = GUESSES + 50;
const server = await startServer(config, pino({ level: 'silent' }));
const hash = await hashPassword(PASSWORD);
await server.store.addDomain('example.org');
for (const address of ['alice@example.org', 'bob@example.org']) await server.store.addAccount({ address, passwordHash: hash, quotaBytes: 0, quotaMessages: 0 });
const port = server.listeners.imap.port;

// The same login on a quiet server, for comparison.
const quiet = await open(port, '127.0.0.3');
const quietStart = Date.now();
await quiet.login('bob@example.org', PASSWORD);
const quietMs = Date.now() - quietStart;
quiet.close();

const clients = await Promise.all(Array.from({ length: GUESSES }, () => open(port, '127.0.0.1')));
const started = Date.now();
const answers = clients.map((c, i) => c.login('alice@example.org', i === GUESSES - 1 ? PASSWORD : `wrong guess ${i}`));
const bystander = await open(port, '127.0.0.2');
const bystanderStart = Date.now();
const bystanderAnswer = await bystander.login('bob@example.org', PASSWORD);
const bystanderMs = Date.now() - bystanderStart;
const all = await Promise.all(answers);
const floodMs = Date.now() - started;
const checked = all.filter((a) => /^a (OK|NO \[AUTHENTICATIONFAILED\])/.test(a)).length;
console.log(JSON.stringify({
  root,
  guesses: GUESSES,
  checked,
  rightOneLast: all.at(-1),
  bystander: { answer: bystanderAnswer.slice(0, 40), ms: bystanderMs, quietMs },
  floodMs,
}));
for (const c of [...clients, bystander]) c.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
