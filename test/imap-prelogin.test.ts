import assert from 'node:assert/strict';
import { test } from 'node:test';
import { floodUntilClosed, trickleUntilClosed } from './helpers/hostile.ts';
import { addAccount, RawImap, startImapServer } from './helpers/imap.ts';

const ALICE = 'alice@example.org';
/** The literal of the attack in issue 13: 45 MB, under the 50 MB message size limit. */
const ATTACK_LITERAL = 47_185_920;

test('20 connections announcing a 45 MB LITERAL+ before login: each gets BAD and BYE and is cut long before 45 MB', async (t) => {
  const { port } = await startImapServer(t, (config) => (config.limits.connections_per_ip = 50));
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const attacks = Array.from({ length: 20 }, async () => {
    const c = await RawImap.connect(port);
    t.after(() => c.close());
    c.send(`a LOGIN {${ATTACK_LITERAL}+}\r\n`);
    const written = await floodUntilClosed(c.socket, chunk);
    return { written, lines: [await c.line(), await c.line()] };
  });
  for (const { written, lines } of await Promise.all(attacks)) {
    assert.deepEqual(lines, ['a BAD [TOOBIG] Literal larger than 8192 octets before login', '* BYE Too much data, closing the connection']);
    // What the server reads before cutting is bounded (net/linger.ts); the rest stays in socket buffers.
    assert.ok(written < ATTACK_LITERAL / 2, `the client wrote ${written} bytes before the server closed`);
  }
});

test('before login a synchronizing literal over 8 KiB gets BAD without +, a small one is taken, and the session goes on', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, ALICE);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  assert.deepEqual(await c.command('a', 'LOGIN {8193}'), ['a BAD [TOOBIG] Literal larger than 8192 octets before login']);
  // Two literals of one command count together.
  c.send('b ID ({4096}\r\n');
  assert.equal(await c.line(), '+ Ready for literal data');
  c.send(`${'k'.repeat(4096)} {4097}\r\n`);
  assert.equal(await c.line(), 'b BAD [TOOBIG] Literal larger than 8192 octets before login');
  c.send(`l LOGIN {${ALICE.length}}\r\n`);
  assert.equal(await c.line(), '+ Ready for literal data');
  c.send(`${ALICE} "correct horse battery"\r\n`);
  assert.match((await c.until('l')).at(-1)!, /^l OK /);
  // After login, literals up to the message size are taken again.
  c.send('s APPEND INBOX {20000}\r\n');
  assert.equal(await c.line(), '+ Ready for literal data');
  c.send(`Subject: after login\r\n\r\n${'b'.repeat(20000 - 25)}\r\n`);
  assert.match((await c.until('s')).at(-1)!, /^s OK \[APPENDUID /);
});

test('a command line over 8 KiB before login gets BAD; after login the configured line length applies', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, ALICE);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  assert.match((await c.command('a', `NOOP ${'x'.repeat(9000)}`)).at(-1)!, /^a BAD \[TOOBIG\] Command line too long/);
  await c.login(ALICE);
  assert.match((await c.command('b', `NOOP ${'x'.repeat(9000)}`)).at(-1)!, /^b BAD (?!\[TOOBIG\])/);
});

test('login_timeout: a client trickling bytes before login, or stuck in AUTHENTICATE, gets BYE and is closed; logged-in sessions stay', async (t) => {
  const { store, port } = await startImapServer(t, (config) => (config.limits.login_timeout = 4)); // room for the first login on a loaded machine
  await addAccount(store, ALICE);
  const user = await RawImap.connect(port);
  t.after(() => user.close());
  await user.login(ALICE);
  const trickler = await RawImap.connect(port);
  t.after(() => trickler.close());
  const authenticating = await RawImap.connect(port);
  t.after(() => authenticating.close());
  authenticating.send('x AUTHENTICATE PLAIN\r\n');
  assert.equal(await authenticating.line(), '+ ');
  // A command that never ends, one byte at a time: without the deadline, only the 30-minute autologout would end it.
  const sent = await trickleUntilClosed(trickler.socket, 'a NOOP and more and more ', 50);
  assert.ok(sent > 0);
  assert.equal(await trickler.line(), '* BYE No login within the time allowed');
  await authenticating.closedByServer();
  assert.equal(await authenticating.line(), '* BYE No login within the time allowed');
  assert.deepEqual(await user.command('n', 'NOOP'), ['n OK NOOP completed']);
});
