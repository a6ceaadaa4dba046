import assert from 'node:assert/strict';
import { test } from 'node:test';
import { floodUntilClosed, trickleUntilClosed } from './helpers/hostile.ts';
import { addAccount, RawClient, startPop3Server } from './helpers/pop3.ts';

const ALICE = 'alice@example.org';

test('login_timeout: a client trickling bytes before login, or stuck in AUTH, gets -ERR and is closed; logged-in sessions stay', async (t) => {
  const { store, port } = await startPop3Server(t, (config) => (config.limits.login_timeout = 6)); // room for the first login (argon2id) on a loaded machine
  await addAccount(store, ALICE);
  const user = await RawClient.connect(port);
  t.after(() => user.socket.destroy());
  await user.line();
  assert.match(await user.login(ALICE), /^\+OK/);
  const trickler = await RawClient.connect(port);
  t.after(() => trickler.socket.destroy());
  const authenticating = await RawClient.connect(port);
  t.after(() => authenticating.socket.destroy());
  await authenticating.line();
  assert.equal(await authenticating.command('AUTH PLAIN'), '+ ');
  // An endless line, one byte at a time: without the deadline, each byte would restart the 10-minute idle timer.
  const sent = await trickleUntilClosed(trickler.socket, 'USER alice and more and more ', 50);
  assert.ok(sent > 0);
  assert.match((await trickler.line())!, /^\+OK/);
  assert.equal(await trickler.line(), '-ERR [SYS/TEMP] No login within the time allowed');
  assert.equal(await authenticating.line(), '-ERR [SYS/TEMP] No login within the time allowed');
  assert.equal(await authenticating.line(), null);
  assert.match(await user.command('NOOP'), /^\+OK/);
});

test('an endless line before login is answered once and costs no memory: the flood is read and dropped until the deadline', async (t) => {
  const { port } = await startPop3Server(t, (config) => (config.limits.login_timeout = 1));
  const c = await RawClient.connect(port);
  t.after(() => c.socket.destroy());
  const written = await floodUntilClosed(c.socket, Buffer.alloc(64 * 1024, 'x'));
  assert.ok(written > 8192);
  assert.match((await c.line())!, /^\+OK/);
  assert.equal(await c.line(), '-ERR Command line too long');
  assert.equal(await c.line(), '-ERR [SYS/TEMP] No login within the time allowed');
});
