import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, RawClient, addAccount, deliver, startPop3Server } from './helpers/pop3.ts';
import { message } from './helpers/store.ts';

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
// No USER: real password checks would make the throttle (rightly) refuse the good client's address too.
const KEYWORDS = ['PASS', 'LIST', 'RETR', 'TOP', 'DELE', 'UIDL', 'STAT', 'NOOP', 'RSET', 'CAPA', 'APOP', 'XTND', 'LAST'];

/** Hostile command lines: near-miss keywords, wild arguments, control bytes, high bytes. Never QUIT, STLS or AUTH. */
function hostileLine(rand: () => number): Buffer {
  const pick = rand();
  const bytes = (n: number, lo: number, hi: number) => Buffer.from(Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo))));
  let line: Buffer;
  if (pick < 0.3) {
    const keyword = KEYWORDS[Math.floor(rand() * KEYWORDS.length)]!;
    const args = ['0', '-1', '4294967296', '99999999999', '1 1 1', '', ' ', 'x'.repeat(300), '%s%n', '1\t2'];
    line = Buffer.from(`${rand() < 0.5 ? keyword.toLowerCase() : keyword} ${args[Math.floor(rand() * args.length)]}`);
  } else if (pick < 0.6) {
    line = bytes(1 + Math.floor(rand() * 200), 0x20, 0x7f);
  } else {
    line = bytes(1 + Math.floor(rand() * 200), 0x00, 0x100);
  }
  const cleaned = Buffer.from(line.filter((b) => b !== 0x0a && b !== 0x0d));
  return /^(quit|stls|auth)/i.test(cleaned.toString('latin1')) ? Buffer.from('NOOP') : cleaned;
}

async function goodSession(port: number, expected: Buffer[]): Promise<void> {
  const client = await RawClient.connect(port);
  assert.match((await client.line())!, /^\+OK/);
  assert.match(await client.login('alice@example.org', PASSWORD), /^\+OK/);
  assert.match(await client.command('LIST'), new RegExp(`^\\+OK ${expected.length} `));
  await client.multiLine();
  for (const [i, want] of expected.entries()) {
    assert.equal(await client.command(`RETR ${i + 1}`), `+OK ${want.length} octets`);
    assert.deepEqual(await client.message(), want);
  }
  assert.match(await client.command('QUIT'), /^\+OK/);
  await client.closedByServer();
}

test('hostile clients do not stop the server from serving another client', async (t) => {
  const { store, port } = await startPop3Server(t, (c) => (c.store.chunk_size = 1024));
  await addAccount(store, 'alice@example.org');
  await addAccount(store, 'mallory@example.org');
  const expected = [await deliver(store, 'alice@example.org', message('big', '.line\r\n'.repeat(20_000))), await deliver(store, 'alice@example.org', message('small'))];
  await deliver(store, 'mallory@example.org', message('bait', 'x\r\n'.repeat(50_000)));
  const rand = random(SEED);

  const hostile: Promise<void>[] = [];

  // Random and malformed lines, pipelined: each gets an answer and the session survives them all.
  hostile.push((async () => {
    const client = await RawClient.connect(port);
    await client.line();
    const lines = Array.from({ length: 3000 }, () => Buffer.concat([hostileLine(rand), Buffer.from('\r\n')]));
    client.send(Buffer.concat(lines));
    client.send('QUIT\r\n');
    let last: string | null = null;
    let answers = 0;
    for (let line = await client.line(); line !== null; line = await client.line()) {
      if (/^[+-]/.test(line)) answers++;
      last = line;
    }
    assert.equal(last, '+OK Bye');
    assert.ok(answers >= lines.length, `every line was answered (${answers} answers)`);
  })());

  // Lines far over the limit, then a normal command on the same connection.
  hostile.push((async () => {
    const client = await RawClient.connect(port);
    await client.line();
    client.send(Buffer.alloc(4 * 1024 * 1024, 0x41));
    client.send('\r\nCAPA\r\n');
    assert.equal(await client.line(), '-ERR Command line too long');
    assert.match((await client.line())!, /^\+OK Capability/);
    client.close();
  })());

  // Binary garbage with line breaks, then the connection just drops.
  hostile.push((async () => {
    const client = await RawClient.connect(port);
    await client.line();
    client.send(Buffer.from(Array.from({ length: 1024 * 1024 }, () => Math.floor(rand() * 256))));
    client.send('\r\nNOOP\r\n');
    for (let line = await client.line(); line !== null && !line.startsWith('-ERR NOOP'); line = await client.line());
    client.close();
  })());

  // A logged-in flood of RETRs that never reads an answer: bounded by backpressure, dropped at the end.
  const flood = await RawClient.connect(port);
  await flood.line();
  assert.match(await flood.login('mallory@example.org', PASSWORD), /^\+OK/);
  flood.socket.pause();
  flood.send('RETR 1\r\n'.repeat(20_000));

  // STLS, then garbage instead of a TLS handshake.
  hostile.push((async () => {
    const client = await RawClient.connect(port);
    await client.line();
    assert.match(await client.command('STLS'), /^\+OK/);
    client.send(Buffer.from('this is not a ClientHello\r\n'.repeat(100)));
    await client.closedByServer();
  })());

  // A SASL exchange fed nonsense, and a client that disappears half-way through one.
  hostile.push((async () => {
    const client = await RawClient.connect(port);
    await client.line();
    assert.equal(await client.command('AUTH LOGIN'), '+ VXNlcm5hbWU6');
    assert.match(await client.command('\u0000\u0001 not base64'), /^-ERR/);
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    client.close();
  })());

  await goodSession(port, expected);
  await Promise.all(hostile);
  flood.close();
  await flood.closedByServer();
  // And once the storm is over.
  await goodSession(port, expected);
  assert.deepEqual(await store.check({ repair: false }), []);
});
