import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { Connection } from '../src/imap/connection.ts';

/** A Connection over a real loopback socket, as the server builds it, and the client's end. */
async function pair(t: import('node:test').TestContext) {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [socket] = await accepted;
  const connection = new Connection(socket, { limits: { maxLine: 65536, maxLiteral: 50 << 20 }, idleMs: 600_000, onIdle: () => {} });
  t.after(() => {
    connection.destroy();
    client.destroy();
  });
  return { connection, socket, client };
}

test('pipelined APPENDs with 1 MB literals: the socket is paused while two wait, so no more than that is held', async (t) => {
  const { connection, socket, client } = await pair(t);
  const literal = Buffer.alloc(1 << 20, 'm');
  const commands = 20;
  for (let i = 0; i < commands; i++) client.write(Buffer.concat([Buffer.from(`a${i} APPEND INBOX {${literal.length}+}\r\n`), literal, Buffer.from('\r\n')]));
  // Nothing is handled yet: the server reads until it pauses, and holds what it read.
  await once(socket, 'pause');
  const held = connection.buffered;
  assert.ok(held < 3 * literal.length, `${held} bytes held while nothing was handled`);
  assert.ok(connection.pending);
  // Handling the commands lets the rest in, in order, each literal whole.
  let most = held;
  for (let i = 0; i < commands; i++) {
    const event = await connection.next();
    assert.ok(event?.type === 'command');
    assert.equal(event.data.toString('latin1'), `a${i} APPEND INBOX {${literal.length}+}\r\n`);
    assert.ok([...event.literals!.values()][0]!.equals(literal));
    most = Math.max(most, connection.buffered);
  }
  assert.ok(most < 3 * literal.length, `${most} bytes held at most`);
});
