import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { ConnectionLimit } from '../src/net/connection-limit.ts';
import { startFullServer } from './helpers/http.ts';

/** A raw connection from a chosen loopback address; `text()` is everything received until the server closed it. */
async function open(port: number, localAddress = '127.0.0.1') {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  const closed = once(socket, 'close').then(() => received);
  await once(socket, 'connect');
  /** Resolves once the received text matches. */
  const seen = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(received)) {
          socket.off('data', check);
          resolve(received);
        }
      };
      socket.on('data', check);
      void closed.then(() => (pattern.test(received) ? resolve(received) : reject(new Error(`closed before ${pattern}: ${received}`))));
      check();
    });
  return { socket, seen, closed, close: () => socket.destroy() };
}

test('each listener takes at most limits.connections_per_listener connections, all addresses together', async (t) => {
  const { port } = await startFullServer(t, (c) => {
    c.limits.connections_per_listener = 3;
    c.limits.connections_per_ip = 100;
  });
  for (const [listener, greeting, refusal] of [
    ['imap', /^\* OK/, /^\* BYE \[UNAVAILABLE\] Too many connections, try again later\r\n$/],
    ['pop3', /^\+OK/, /^-ERR \[SYS\/TEMP\] Too many connections, try again later\r\n$/],
    ['smtp', /^220 /, /^421 .*Too many connected clients/],
  ] as const) {
    const held = await Promise.all([2, 3, 4].map(async (n) => {
      const c = await open(port(listener), `127.0.0.${n}`);
      await c.seen(greeting);
      return c;
    }));
    const over = await open(port(listener), '127.0.0.5');
    assert.match(await over.closed, refusal, `${listener}: the fourth connection, from yet another address, is refused and closed`);
    for (const c of held) c.close();
  }
  // The implicit-TLS twin counts apart, and is cut before the handshake when full.
  const held = await Promise.all([2, 3, 4].map((n) => open(port('imaps'), `127.0.0.${n}`)));
  const over = await open(port('imaps'), '127.0.0.5');
  assert.equal(await over.closed, '');
  for (const c of held) c.close();
});

test('HTTP: a per-address limit, a per-listener cap, and idle clients do not hold more', async (t) => {
  const { port } = await startFullServer(t, (c) => {
    c.limits.connections_per_ip = 3;
    c.limits.connections_per_listener = 5;
  });
  const http = port('http');
  const idle = await Promise.all([1, 2, 3].map(() => open(http, '127.0.0.1')));
  const fourth = await open(http, '127.0.0.1');
  assert.match(await fourth.closed, /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*X-Content-Type-Options: nosniff[^]*too many connections from your address\n$/);
  // Another address still gets served: the limit is per address.
  const other = await open(http, '127.0.0.2');
  other.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(await other.closed, /^HTTP\/1\.1 200 OK\r\n[^]*\r\nok\n/);
  // Five at once on the listener, whoever they come from.
  const more = await Promise.all([3, 4].map((n) => open(http, `127.0.0.${n}`)));
  const sixth = await open(http, '127.0.0.6');
  assert.match(await sixth.closed, /^HTTP\/1\.1 503 [^]*too many connections, try again later\n$/);
  for (const c of [...idle, ...more]) c.close();
});

test('ConnectionLimit counts an IPv6 client by its /64, IPv4-mapped addresses as IPv4', () => {
  const limit = new ConnectionLimit(2);
  assert.ok(limit.acquire('2001:db8:1:2::1'));
  assert.ok(limit.acquire('2001:db8:1:2:aaaa::7'));
  assert.equal(limit.acquire('2001:db8:1:2:ffff:ffff:ffff:ffff'), false, 'the same /64 has had its two');
  assert.ok(limit.acquire('2001:db8:1:3::1'), 'the next /64 is another client');
  assert.ok(limit.acquire('::ffff:192.0.2.1'));
  assert.ok(limit.acquire('192.0.2.1'));
  assert.equal(limit.acquire('192.0.2.1'), false);
  limit.release('2001:db8:1:2::1');
  assert.ok(limit.acquire('2001:db8:1:2::99'));
  assert.equal(limit.open, 5);
});
