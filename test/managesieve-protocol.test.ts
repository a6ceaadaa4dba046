import assert from 'node:assert/strict';
import test from 'node:test';
import { deriveScramKeys } from '../src/auth/scram.ts';
import { b64, ScramClient, unb64 } from './helpers/scram-client.ts';
import { addAccount, connectSieve, literal, PASSWORD, plainLogin, response, serverCa, sieveCommand, startSieveServer } from './helpers/managesieve.ts';

const USER = 'alice@example.org';
const FILTER = 'require ["fileinto"];\r\nif header :contains "subject" "[list]" {\r\n  fileinto "Lists";\r\n}\r\n';
/** Line 3 lacks the `;` after fileinto's argument: the error is at the `}` of line 4. */
const BROKEN = 'require ["fileinto"];\r\nif true {\r\n  fileinto "Lists"\r\n}\r\n';

test('greeting: the capabilities of RFC 5804 1.7, then OK; STARTTLS offered on the plaintext port', async (t) => {
  const { sievePort } = await startSieveServer(t);
  const { client, greeting } = await connectSieve(sievePort);
  t.after(() => client.close());
  assert.match(greeting.status, /^OK "Mailfold ManageSieve ready\."$/);
  const caps = new Map(greeting.lines.map((l) => [/^"([^"]+)"/.exec(l)![1], /^"[^"]+" "(.*)"$/.exec(l)?.[1] ?? null]));
  assert.equal(caps.get('IMPLEMENTATION'), 'Mailfold');
  assert.equal(caps.get('VERSION'), '1.0');
  assert.ok(caps.has('STARTTLS'));
  assert.ok(caps.has('UNAUTHENTICATE'));
  assert.equal(caps.get('NOTIFY'), 'mailto');
  for (const ext of ['fileinto', 'vacation', 'include', 'imap4flags']) assert.ok(caps.get('SIEVE')!.split(' ').includes(ext), ext);
  // Plaintext is allowed on loopback by default, so the mechanisms are listed before TLS.
  assert.ok(caps.get('SASL')!.split(' ').includes('PLAIN'));
  assert.deepEqual(await sieveCommand(client, 'CAPABILITY'), { lines: greeting.lines, status: 'OK' });
  assert.equal((await sieveCommand(client, 'LOGOUT')).status, 'OK "Logout completed"');
  await client.closedByServer();
});

test('scripts: PUTSCRIPT, LISTSCRIPTS, SETACTIVE, GETSCRIPT, RENAMESCRIPT, DELETESCRIPT and their refusals', async (t) => {
  const { sievePort, store } = await startSieveServer(t);
  await addAccount(store, USER);
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  assert.equal((await sieveCommand(client, 'LISTSCRIPTS')).status, 'NO "Log in first: LISTSCRIPTS needs AUTHENTICATE"');
  assert.equal((await plainLogin(client, USER, 'wrong password')).status, 'NO "Authentication failed"');
  assert.equal((await plainLogin(client, USER, PASSWORD)).status, 'OK "Logged in"');

  assert.equal((await sieveCommand(client, 'PUTSCRIPT "filters" ', literal(FILTER))).status, 'OK');
  assert.equal((await sieveCommand(client, 'PUTSCRIPT "spare" "keep;"')).status, 'OK');
  assert.deepEqual(await sieveCommand(client, 'LISTSCRIPTS'), { lines: ['"filters"', '"spare"'], status: 'OK' });
  assert.equal((await sieveCommand(client, 'SETACTIVE "filters"')).status, 'OK');
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).lines, ['"filters" ACTIVE', '"spare"']);
  assert.deepEqual(await sieveCommand(client, 'GETSCRIPT "filters"'), { lines: [FILTER], status: 'OK' });
  assert.equal((await sieveCommand(client, 'GETSCRIPT "nothing"')).status, 'NO (NONEXISTENT) "There is no script named nothing"');

  assert.match((await sieveCommand(client, 'DELETESCRIPT "filters"')).status, /^NO \(ACTIVE\) /);
  assert.match((await sieveCommand(client, 'RENAMESCRIPT "filters" "spare"')).status, /^NO \(ALREADYEXISTS\) /);
  assert.equal((await sieveCommand(client, 'RENAMESCRIPT "filters" "main"')).status, 'OK');
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).lines, ['"main" ACTIVE', '"spare"'], 'the active mark follows the rename');
  assert.equal((await sieveCommand(client, 'SETACTIVE ""')).status, 'OK');
  assert.equal((await sieveCommand(client, 'DELETESCRIPT "main"')).status, 'OK');
  assert.match((await sieveCommand(client, 'DELETESCRIPT "main"')).status, /^NO \(NONEXISTENT\) /);
  assert.match((await sieveCommand(client, 'SETACTIVE "main"')).status, /^NO \(NONEXISTENT\) /);
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).lines, ['"spare"']);
});

test('a broken script is refused by PUTSCRIPT and CHECKSCRIPT with its line and column, and not stored', async (t) => {
  const { sievePort, store } = await startSieveServer(t);
  const account = await addAccount(store, USER);
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  await plainLogin(client, USER, PASSWORD);
  const put = await sieveCommand(client, 'PUTSCRIPT "broken" ', literal(BROKEN));
  assert.equal(put.status, String.raw`NO "line 4, column 1: expected \";\" or \"{\" after fileinto but found \"}\""`);
  assert.deepEqual(await store.listSieveScripts(account.id), []);
  assert.equal((await sieveCommand(client, 'CHECKSCRIPT ', literal(BROKEN))).status, put.status);
  assert.equal((await sieveCommand(client, 'CHECKSCRIPT ', literal(FILTER))).status, 'OK');
  // An extension that is not required is an error of its own, at the command that uses it.
  assert.match((await sieveCommand(client, 'CHECKSCRIPT "fileinto \\"x\\";"')).status, /^NO "line 1, column 1: .*fileinto/);
  assert.match((await sieveCommand(client, 'CHECKSCRIPT ', literal(Buffer.from([0x6b, 0x65, 0xff, 0x3b])))).status, /^NO "line 1, column 3: script is not valid UTF-8"$/);
});

test('limits: HAVESPACE and PUTSCRIPT answer QUOTA/MAXSIZE and QUOTA/MAXSCRIPTS from [managesieve]', async (t) => {
  const { sievePort, store } = await startSieveServer(t, (c) => {
    c.managesieve.max_scripts = 2;
    c.managesieve.max_script_size = 1024;
  });
  await addAccount(store, USER);
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  await plainLogin(client, USER, PASSWORD);
  assert.equal((await sieveCommand(client, 'HAVESPACE "a" 1024')).status, 'OK');
  assert.match((await sieveCommand(client, 'HAVESPACE "a" 1025')).status, /^NO \(QUOTA\/MAXSIZE\) /);
  const big = `keep;\r\n#${'x'.repeat(1100)}\r\n`;
  assert.match((await sieveCommand(client, 'PUTSCRIPT "a" ', literal(big))).status, /^NO \(QUOTA\/MAXSIZE\) /);
  assert.equal((await sieveCommand(client, 'NOOP')).status, 'OK "Done"', 'the refused literal was read to its end');
  assert.equal((await sieveCommand(client, 'PUTSCRIPT "a" "keep;"')).status, 'OK');
  assert.equal((await sieveCommand(client, 'PUTSCRIPT "b" "keep;"')).status, 'OK');
  assert.match((await sieveCommand(client, 'HAVESPACE "c" 10')).status, /^NO \(QUOTA\/MAXSCRIPTS\) /);
  assert.equal((await sieveCommand(client, 'HAVESPACE "b" 10')).status, 'OK', 'replacing a script takes no new place');
  assert.match((await sieveCommand(client, 'PUTSCRIPT "c" "keep;"')).status, /^NO \(QUOTA\/MAXSCRIPTS\) /);
});

test('NOOP echoes its tag; UNAUTHENTICATE goes back to the state after the greeting', async (t) => {
  const { sievePort, store } = await startSieveServer(t);
  await addAccount(store, USER);
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  assert.equal((await sieveCommand(client, 'NOOP "STARTTLS-SYNC-42"')).status, 'OK (TAG "STARTTLS-SYNC-42") "Done"');
  assert.equal((await sieveCommand(client, 'UNAUTHENTICATE')).status, 'NO "Log in first: UNAUTHENTICATE needs AUTHENTICATE"');
  await plainLogin(client, USER, PASSWORD);
  const caps = await sieveCommand(client, 'CAPABILITY');
  assert.ok(caps.lines.includes(`"OWNER" "${USER}"`));
  assert.equal((await sieveCommand(client, 'UNAUTHENTICATE')).status, 'OK');
  assert.match((await sieveCommand(client, 'LISTSCRIPTS')).status, /^NO "Log in first/);
  assert.equal((await plainLogin(client, USER, PASSWORD)).status, 'OK "Logged in"');
});

test('AUTHENTICATE: challenges as strings, LOGIN step by step, cancel with "*", SCRAM final data in the OK', async (t) => {
  const { sievePort, store } = await startSieveServer(t);
  await addAccount(store, USER);
  const { client } = await connectSieve(sievePort);
  t.after(() => client.close());
  client.send('AUTHENTICATE "LOGIN"\r\n');
  assert.equal(await client.line(), `"${b64('Username:')}"`);
  client.send(`"${b64(USER)}"\r\n`);
  assert.equal(await client.line(), `"${b64('Password:')}"`);
  client.send(`{${b64(PASSWORD).length}+}\r\n${b64(PASSWORD)}\r\n`);
  assert.equal(await client.line(), 'OK "Logged in"');
  const { client: other } = await connectSieve(sievePort);
  t.after(() => other.close());
  other.send('AUTHENTICATE "PLAIN"\r\n');
  assert.equal(await other.line(), '""');
  other.send('"*"\r\n');
  assert.equal(await other.line(), 'NO "Authentication cancelled"');
  assert.equal((await sieveCommand(other, 'NOOP')).status, 'OK "Done"');

  await store.updateAccount(USER, { scram: deriveScramKeys(PASSWORD) });
  const scram = new ScramClient({ username: USER, password: PASSWORD });
  const { client: third } = await connectSieve(sievePort);
  t.after(() => third.close());
  third.send(`AUTHENTICATE "SCRAM-SHA-256" "${b64(scram.first())}"\r\n`);
  const serverFirst = /^"(.*)"$/.exec((await third.line())!)![1]!;
  third.send(`"${b64(scram.final(unb64(serverFirst)))}"\r\n`);
  const final = /^OK \(SASL "(.*)"\) "Logged in"$/.exec((await third.line())!);
  assert.ok(final && scram.verifyServer(unb64(final[1]!)), 'the server proves it knows the keys');
});

test('STARTTLS: the capabilities again after the handshake (RFC 5804 2.2), mechanisms now offered; a failed handshake ends only that session', async (t) => {
  const { sievePort, store } = await startSieveServer(t, (c) => (c.auth.plaintext_on_loopback = false));
  await addAccount(store, USER);
  const { client, greeting } = await connectSieve(sievePort);
  t.after(() => client.close());
  assert.ok(greeting.lines.includes('"SASL" ""'));
  assert.equal((await sieveCommand(client, 'STARTTLS')).status, 'OK "Begin TLS negotiation now"');
  await client.startTls(await serverCa(store));
  const after = await response(client);
  assert.equal(after.status, 'OK "TLS active"');
  assert.ok(!after.lines.includes('"STARTTLS"'));
  assert.ok(after.lines.some((l) => /^"SASL" ".*\bPLAIN\b.*SCRAM-SHA-256-PLUS"$/.test(l)), after.lines.join('\n'));
  assert.equal((await sieveCommand(client, 'STARTTLS')).status, 'NO "TLS is active already"');
  assert.equal((await plainLogin(client, USER, PASSWORD)).status, 'OK "Logged in"');

  const { client: broken } = await connectSieve(sievePort);
  t.after(() => broken.close());
  assert.equal((await sieveCommand(broken, 'STARTTLS')).status, 'OK "Begin TLS negotiation now"');
  broken.send('this is not a TLS ClientHello\r\n'.repeat(10));
  await broken.closedByServer();
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).status, 'OK');
});
