import assert from 'node:assert/strict';
import test from 'node:test';
import { CommandSyntaxError, parseCommand } from '../src/sieve/managesieve/parser.ts';
import { SieveReader } from '../src/sieve/managesieve/reader.ts';
import { floodUntilClosed } from './helpers/hostile.ts';
import { addAccount, connectSieve, literal, PASSWORD, plainLogin, response, sieveCommand, startSieveServer } from './helpers/managesieve.ts';

const USER = 'alice@example.org';
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

test('before login: a large literal is refused with NO after it is read (never held); the session and others go on', async (t) => {
  const { sievePort } = await startSieveServer(t);
  const { client } = await connectSieve(sievePort);
  const { client: other } = await connectSieve(sievePort);
  t.after(() => [client, other].forEach((c) => c.close()));
  const size = 4 * 1024 * 1024;
  client.send(`AUTHENTICATE "PLAIN" {${size}+}\r\n`);
  for (let sent = 0; sent < size; sent += 64 * 1024) client.send(Buffer.alloc(64 * 1024, 0x41));
  assert.equal((await sieveCommand(other, 'NOOP')).status, 'OK "Done"', 'another client is served meanwhile');
  assert.equal((await sieveCommand(client, '')).status, 'NO "Literal too large before login"');
  assert.equal((await sieveCommand(client, 'NOOP')).status, 'OK "Done"');
});

test('before login: a literal of gigabytes that never ends is cut at the login deadline', async (t) => {
  const { sievePort } = await startSieveServer(t, (c) => (c.limits.login_timeout = 2));
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  client.send('PUTSCRIPT "x" {99999999999+}\r\n');
  const written = await floodUntilClosed(client.socket, Buffer.alloc(64 * 1024, 0x20));
  assert.ok(written > 0);
  const { client: other } = await connectSieve(sievePort);
  t.after(() => other.close());
  assert.equal((await sieveCommand(other, 'NOOP')).status, 'OK "Done"');
});

test('malformed commands get NO: unterminated quotes, bad literals, long lines, unknown commands, wrong arguments', async (t) => {
  const { sievePort, store } = await startSieveServer(t);
  await addAccount(store, USER);
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  const cases: [string | Buffer, string][] = [
    ['AUTHENTICATE "PLAIN', 'NO "Unterminated quoted string"'],
    ['NOOP "a\\b"', String.raw`NO "Only \\\" and \\\\ may be escaped in a quoted string"`],
    [`NOOP "${'x'.repeat(1025)}"`, 'NO "Quoted string too long; use a literal"'],
    ['FROBNICATE', 'NO "Unknown command FROBNICATE"'],
    ['"NOOP"', 'NO "A command starts with its name"'],
    ['NOOP  "x"', 'NO "Unexpected character \\" \\""'],
    [Buffer.concat([Buffer.from('NOOP "x"'), literal('y')]), 'NO "A literal must follow a space"'],
    ['NOOP 99999999999', 'NO "Number out of range"'],
    [`NOOP ${'x'.repeat(9000)}`, 'NO "Command line too long"'],
    ['CAPABILITY now', 'NO "CAPABILITY takes no arguments"'],
    ['AUTHENTICATE PLAIN', 'NO "AUTHENTICATE takes a mechanism and an optional initial response, as strings"'],
  ];
  for (const [command, expected] of cases) {
    assert.equal((await sieveCommand(client, command)).status, expected, String(command).slice(0, 40));
    // Consecutive errors close the session after ten: a good command in between resets the count.
    assert.equal((await sieveCommand(client, 'NOOP')).status, 'OK "Done"');
  }
  await plainLogin(client, USER, PASSWORD);
  assert.equal((await sieveCommand(client, Buffer.from('PUTSCRIPT "\xff\xfe" "keep;"', 'latin1'))).status, 'NO "Strings must be UTF-8"');
  assert.match((await sieveCommand(client, 'PUTSCRIPT ', literal('a\u0001b'), ' "keep;"')).status, /^NO "a script name is 1 to 128 characters/);
  assert.match((await sieveCommand(client, `PUTSCRIPT "${'n'.repeat(129)}" "keep;"`)).status, /^NO "a script name is 1 to 128/);
  assert.equal((await sieveCommand(client, 'HAVESPACE "a" "10"')).status, 'NO "HAVESPACE takes a script name (a string) and a size (a number)"');
  assert.equal((await sieveCommand(client, 'PUTSCRIPT "a"')).status, 'NO "PUTSCRIPT takes a script name and the script, as strings"');
  assert.equal((await sieveCommand(client, 'STARTTLS')).status, 'NO "STARTTLS is not valid after login"');
  assert.equal((await sieveCommand(client, 'LISTSCRIPTS')).status, 'OK');
});

test('AUTHENTICATE garbage: bad base64, unknown mechanisms, malformed PLAIN, bad responses; each a NO, then a login works', async (t) => {
  const { sievePort, store } = await startSieveServer(t);
  await addAccount(store, USER);
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  assert.equal((await sieveCommand(client, 'AUTHENTICATE "PLAIN" "!!!not base64"')).status, 'NO "Invalid initial response"');
  assert.equal((await sieveCommand(client, 'AUTHENTICATE "GSSAPI"')).status, 'NO "Mechanism GSSAPI is not supported"');
  assert.equal((await sieveCommand(client, `AUTHENTICATE "PLAIN" "${b64('garbage')}"`)).status, 'NO "Authentication failed: malformed PLAIN message"');
  assert.equal((await sieveCommand(client, `AUTHENTICATE "PLAIN" "${b64(Buffer.from([0, 0xff, 0xfe, 0, 0x41]))}"`)).status, 'NO "Authentication failed: user name is not UTF-8"');
  client.send('AUTHENTICATE "LOGIN"\r\n');
  assert.equal(await client.line(), `"${b64('Username:')}"`);
  assert.equal((await sieveCommand(client, 'an atom, not a string')).status, 'NO "Invalid response: a string of base64 is expected"');
  client.send('AUTHENTICATE "PLAIN"\r\n');
  assert.equal(await client.line(), '""');
  assert.equal((await sieveCommand(client, `"unterminated`)).status, 'NO "Invalid response: a string of base64 is expected"');
  assert.equal((await plainLogin(client, USER, PASSWORD)).status, 'OK "Logged in"');
});

test('without TLS and off loopback rules, no mechanism is offered and AUTHENTICATE asks for STARTTLS', async (t) => {
  const { sievePort, store } = await startSieveServer(t, (c) => (c.auth.plaintext_on_loopback = false));
  await addAccount(store, USER);
  const { client, greeting } = await connectSieve(sievePort);
  t.after(() => client.close());
  assert.ok(greeting.lines.includes('"SASL" ""'));
  assert.equal((await plainLogin(client, USER, PASSWORD)).status, 'NO (ENCRYPT-NEEDED) "Use STARTTLS before logging in"');
});

test('10,000 pipelined commands are all answered in order; 10,000 unknown ones end the session after ten', async (t) => {
  const { sievePort } = await startSieveServer(t);
  const { client } = await connectSieve(sievePort);
  const { client: other } = await connectSieve(sievePort);
  t.after(() => [client, other].forEach((c) => c.close()));
  const count = 10_000;
  client.send(Array.from({ length: count }, (_, i) => `NOOP "${i}"\r\n`).join(''));
  for (let i = 0; i < count; i++) assert.equal(await client.line(), `OK (TAG "${i}") "Done"`);

  const { client: flood } = await connectSieve(sievePort);
  t.after(() => flood.close());
  flood.send('XYZZY\r\n'.repeat(count));
  for (let i = 0; i < 9; i++) assert.equal((await response(flood)).status, 'NO "Unknown command XYZZY"');
  assert.equal((await response(flood)).status, 'BYE "Too many invalid commands"');
  await flood.closedByServer();
  assert.equal((await sieveCommand(other, 'NOOP')).status, 'OK "Done"');
});

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('seeded fuzz of the reader and parser: mutated commands only ever give a syntax error', () => {
  const valid = ['PUTSCRIPT "a" {5+}\r\nkeep;\r\n', 'AUTHENTICATE "PLAIN" "AGEAYg=="\r\n', 'HAVESPACE "x" 100\r\n', 'NOOP\r\n', 'RENAMESCRIPT "a" {1}\r\nb\r\n'];
  const pieces = ['{', '}', '"', '\\', '+', ' ', '\r\n', '\n', '\x00', '\xff', '{99}', '{2+}\r\n'];
  for (let seed = 1; seed <= 2000; seed++) {
    const next = random(seed);
    const bytes = [...Buffer.from(valid[Math.floor(next() * valid.length)]!, 'latin1')];
    for (let n = Math.floor(next() * 6); n > 0; n--) {
      const at = Math.floor(next() * (bytes.length + 1));
      if (next() < 0.5) bytes.splice(at, 1);
      else bytes.splice(at, 0, ...Buffer.from(pieces[Math.floor(next() * pieces.length)]!, 'latin1'));
    }
    const reader = new SieveReader({ maxLine: 100, maxLiteral: 50 });
    for (const input of reader.push(Buffer.from(bytes))) {
      if (input.type !== 'command') continue;
      try {
        parseCommand(input.lines, input.literals);
      } catch (err) {
        assert.ok(err instanceof CommandSyntaxError, `seed ${seed}: ${(err as Error).stack}`);
      }
    }
  }
});
