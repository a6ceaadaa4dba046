import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { renderMetrics } from '../src/metrics/registry.ts';
import { addAccount, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';
import { RawClient, startPop3Server } from './helpers/pop3.ts';
import { SmtpClient, startSmtpServer } from './helpers/smtp.ts';

/** A logger at info whose lines, parsed, land in `lines`: what fail2ban would read. */
function collectingLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

/** Password checks (argon2 verifications) run by this process so far. */
function checksSoFar(): number {
  const line = /^mailfold_password_checks_total (\d+)$/m.exec(renderMetrics());
  return line ? Number(line[1]) : 0;
}

/** A raw IMAP connection from a chosen loopback address (any of 127.0.0.0/8 works on Linux), greeting read. */
async function imapFrom(t: TestContext, port: number, localAddress = '127.0.0.1'): Promise<RawImap> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  await once(socket, 'connect');
  const client = new RawImap(socket);
  await client.line();
  t.after(() => client.close());
  return client;
}

/** `count` connections opened at once, each closed when the test ends. */
async function connections<C extends { close(): void }>(t: TestContext, count: number, open: () => Promise<C>): Promise<C[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const c = await open();
      t.after(() => c.close());
      return c;
    }),
  );
}

/** Resolves when `count` of the promises have settled. */
function settled(promises: Promise<unknown>[], count: number): Promise<void> {
  let done = 0;
  return new Promise((resolve) => {
    for (const p of promises) void p.finally(() => ++done === count && resolve());
  });
}

test('IMAP: 200 guesses at once from one address are not all checked, and the right one sent last is refused', async (t) => {
  const { store, port } = await startImapServer(t, (c) => (c.limits.connections_per_ip = 250));
  await addAccount(store, 'alice@example.org');
  const clients = await Promise.all(Array.from({ length: 200 }, () => imapFrom(t, port)));
  const before = checksSoFar();
  const guesses = clients.slice(0, 199).map((c, i) => c.command('g', `LOGIN alice@example.org "wrong guess ${i}"`));
  // The attempts refused without a check are answered at once; a few are still being checked.
  await settled(guesses, 190);
  const right = await clients[199]!.command('g', `LOGIN alice@example.org "${PASSWORD}"`);
  assert.match(right.at(-1)!, /^g NO \[UNAVAILABLE\] Too many failed logins/);
  const answers = (await Promise.all(guesses)).map((lines) => lines.at(-1)!);
  const checked = answers.filter((a) => a.startsWith('g NO [AUTHENTICATIONFAILED]')).length;
  assert.equal(answers.filter((a) => a.startsWith('g NO [UNAVAILABLE]')).length, 199 - checked);
  assert.ok(checked <= 5, `${checked} guesses were checked; the account allows 5 failures from new addresses`);
  assert.equal(checksSoFar() - before, checked, 'every other guess was refused without running argon2');
});

test('POP3: 40 guesses at once, the right one last: at most 5 checked, the last refused', async (t) => {
  const { store, port } = await startPop3Server(t, (c) => (c.limits.connections_per_ip = 50));
  await addAccount(store, 'alice@example.org');
  const clients = await connections(t, 40, async () => {
    const c = await RawClient.connect(port);
    await c.line();
    assert.match(await c.command('USER alice@example.org'), /^\+OK/);
    return c;
  });
  const before = checksSoFar();
  const guesses = clients.slice(0, 39).map((c, i) => c.command(`PASS wrong guess ${i}`));
  await settled(guesses, 30);
  assert.match(await clients[39]!.command(`PASS ${PASSWORD}`), /^-ERR \[SYS\/TEMP\] Too many failed logins/);
  const checked = (await Promise.all(guesses)).filter((a) => a.startsWith('-ERR [AUTH]')).length;
  assert.ok(checked <= 5, `${checked} guesses were checked`);
  assert.equal(checksSoFar() - before, checked);
});

test('a login from another address completes while a guessing flood is still running', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'bob@example.org');
  // 20 connections (the per-address cap), 10 pipelined guesses each on accounts that do not exist.
  const flood = await Promise.all(Array.from({ length: 20 }, () => imapFrom(t, port)));
  let answered = 0;
  const attempts = flood.flatMap((c, i) => {
    c.send(Array.from({ length: 10 }, (_, j) => `f${j} LOGIN user${i}x${j}@example.org "guess"\r\n`).join(''));
    return Array.from({ length: 10 }, (_, j) => j).reduce<Promise<unknown>[]>((list, j) => {
      const previous = list.at(-1) ?? Promise.resolve();
      // Cut at the end of the test: what is still waiting then is not answered.
      return [...list, previous.then(() => c.until(`f${j}`)).then(() => answered++, () => {})];
    }, []);
  });
  await settled(attempts, 1);
  const bystander = await imapFrom(t, port, '127.0.0.2');
  const reply = await bystander.command('b', `LOGIN bob@example.org "${PASSWORD}"`);
  assert.match(reply.at(-1)!, /^b OK/);
  assert.ok(answered < attempts.length, `the flood still has ${attempts.length - answered} attempts waiting`);
  for (const c of flood) c.close();
});

test('SMTP AUTH: 30 guesses at once, the right one last: at most 5 checked, the last refused, each logged with its address', async (t) => {
  const { log, lines } = collectingLog();
  const { store, submission } = await startSmtpServer(t, (c) => (c.limits.connections_per_ip = 50), log);
  await addAccount(store, 'alice@example.org');
  const clients = await connections(t, 30, async () => {
    const c = await SmtpClient.connect(submission);
    await c.hello();
    return c;
  });
  const before = checksSoFar();
  const guesses = clients.slice(0, 29).map((c, i) => c.authPlain('alice@example.org', `wrong guess ${i}`));
  await settled(guesses, 20);
  assert.match(await clients[29]!.authPlain('alice@example.org'), /^454 4\.7\.0 Too many failed attempts/);
  const checked = (await Promise.all(guesses)).filter((a) => a.startsWith('535')).length;
  assert.ok(checked <= 5, `${checked} guesses were checked`);
  assert.equal(checksSoFar() - before, checked);
  const refusals = lines.filter((l) => l.msg === 'auth' && l.ok === false);
  assert.equal(refusals.length, 30, 'one line per refused AUTH');
  assert.ok(refusals.every((l) => l.ip === '127.0.0.1' && l.user === 'alice@example.org' && /^(535|454) /.test(String(l.reply))));
});

test('a device that logged in before keeps working after the account was attacked from elsewhere', async (t) => {
  const { log, lines } = collectingLog();
  const { store, port } = await startImapServer(t, () => {}, log);
  await addAccount(store, 'alice@example.org');
  const device = '127.0.0.2';
  const login = async (from: string, password: string) => (await (await imapFrom(t, port, from)).command('l', `LOGIN alice@example.org "${password}"`)).at(-1)!;
  assert.match(await login(device, PASSWORD), /^l OK/);
  const attacker = await imapFrom(t, port, '127.0.0.3');
  for (let i = 0; i < 5; i++) assert.match((await attacker.command(`a${i}`, `LOGIN alice@example.org "guess ${i}"`)).at(-1)!, /NO \[AUTHENTICATIONFAILED\]/);
  assert.match((await attacker.command('a', `LOGIN alice@example.org "${PASSWORD}"`)).at(-1)!, /^a NO \[UNAVAILABLE\]/, 'the attacker is locked out');
  assert.match(await login('127.0.0.4', PASSWORD), /^l NO \[UNAVAILABLE\]/, 'so is any address that never logged in');
  assert.match(await login(device, PASSWORD), /^l OK/, 'the owner is not');
  const failed = lines.filter((l) => l.msg === 'login failed').map((l) => `${l.ip} ${l.user} ${l.reason}`);
  assert.deepEqual(failed, [
    ...Array<string>(5).fill('127.0.0.3 alice@example.org invalid'),
    '127.0.0.3 alice@example.org throttled',
    '127.0.0.4 alice@example.org throttled',
  ]);
});
