import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { test } from 'node:test';
import { pino } from 'pino';
import { AuthThrottle } from '../src/auth/throttle.ts';
import { VerifiedLogins } from '../src/auth/verified-logins.ts';
import { ConnectionLimit } from '../src/net/connection-limit.ts';
import { startPop3 } from '../src/pop3/server.ts';
import type { StoreEvent } from '../src/store/types.ts';
import { TlsProvider } from '../src/tls/context.ts';
import { createSelfSigned } from '../src/tls/self-signed.ts';
import { HOSTNAME, RawClient, asServed, addAccount, deliver, serverCa, startPop3Server } from './helpers/pop3.ts';
import { message, testStore } from './helpers/store.ts';

const ALICE = 'alice@example.org';

/** A message whose lines start with dots, to see byte-stuffing on the wire. */
const DOTTED = message('dots', '.\r\n..leading\r\nmiddle . line\r\n.\r\n');

async function inbox(store: Awaited<ReturnType<typeof startPop3Server>>['store'], address = ALICE) {
  const account = (await store.getAccount(address))!;
  return (await store.getMailbox(account.id, 'INBOX'))!;
}

test('a session: CAPA, login, STAT, LIST, UIDL, RETR byte-exact across chunks, TOP, QUIT', async (t) => {
  // Small chunks put chunk boundaries inside lines and right before dots.
  const { store, port } = await startPop3Server(t, (c) => (c.store.chunk_size = 7));
  await addAccount(store, ALICE);
  const sent = [await deliver(store, ALICE, DOTTED), await deliver(store, ALICE, message('second', 'x'.repeat(5000) + '\r\n')), await deliver(store, ALICE, message('no newline', 'last line'))];

  const client = await RawClient.connect(port);
  assert.match((await client.line())!, /^\+OK /);
  assert.match(await client.command('CAPA'), /^\+OK/);
  const caps = await client.multiLine();
  for (const cap of ['TOP', 'UIDL', 'USER', 'SASL PLAIN LOGIN SCRAM-SHA-256', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'STLS']) assert.ok(caps.includes(cap), cap);
  assert.ok(caps.some((c) => c.startsWith('IMPLEMENTATION ')));
  assert.match(await client.command('STAT'), /^-ERR /, 'not before login');
  assert.match(await client.login(ALICE), /^\+OK /);

  const total = sent.reduce((sum, m) => sum + m.length, 0);
  assert.equal(await client.command('STAT'), `+OK 3 ${total}`);
  assert.match(await client.command('LIST'), /^\+OK 3 messages/);
  assert.deepEqual(await client.multiLine(), sent.map((m, i) => `${i + 1} ${m.length}`));
  assert.equal(await client.command('LIST 2'), `+OK 2 ${sent[1]!.length}`);
  assert.match(await client.command('UIDL'), /^\+OK/);
  const uidls = await client.multiLine();
  assert.equal(uidls.length, 3);
  assert.match(await client.command('UIDL 3'), new RegExp(`^\\+OK 3 ${uidls[2]!.split(' ')[1]}$`));

  for (const [i, expected] of sent.entries()) {
    assert.equal(await client.command(`RETR ${i + 1}`), `+OK ${expected.length} octets`);
    const received = await client.message();
    assert.deepEqual(received, asServed(expected), `message ${i + 1}`);
  }
  // Stuffed on the wire: a raw look at the dotted lines.
  client.send('RETR 1\r\n');
  const raw: string[] = [];
  for (let line = await client.line(); line !== '.'; line = await client.line()) raw.push(line!);
  assert.ok(raw.includes('..') && raw.includes('...leading'), 'lines starting with a dot are stuffed');

  assert.equal(await client.command('TOP 1 0'), '+OK');
  const header = (await client.message()).toString();
  assert.ok(header.startsWith('Return-Path: <sender@example.net>\r\nDelivered-To: alice@example.org\r\nFrom: Bob'));
  assert.ok(header.endsWith('+0000\r\n\r\n'), 'the header and its empty line, no body');
  assert.equal(await client.command('TOP 1 2'), '+OK');
  assert.ok((await client.message()).toString().endsWith('\r\n\r\n.\r\n..leading\r\n'));

  assert.match(await client.command('RETR 4'), /^-ERR /);
  assert.match(await client.command('RETR x'), /^-ERR /);
  assert.match(await client.command('TOP 1'), /^-ERR /);
  assert.match(await client.command('NOOP'), /^\+OK/);
  assert.match(await client.command('QUIT'), /^\+OK /);
  await client.closedByServer();
  assert.equal((await inbox(store)).messages, 3, 'nothing deleted');
});

test('STLS drops what was pipelined behind it, then the session goes on in TLS', async (t) => {
  const { store, port } = await startPop3Server(t);
  await addAccount(store, ALICE);
  const ca = await serverCa(store);
  const client = await RawClient.connect(port);
  await client.line();
  // One packet: CAPA must not be answered in plaintext, nor after the handshake.
  client.send('STLS\r\nCAPA\r\n');
  assert.equal(await client.line(), '+OK Begin TLS negotiation');
  // Were CAPA answered in clear, its bytes would break the handshake or be left over here.
  assert.equal(client.pendingBytes, 0);
  await client.startTls(ca);
  assert.equal(await client.command('NOOP'), '-ERR NOOP is not valid in this state', 'the first answer after TLS is to the first command after TLS');
  assert.match(await client.command('CAPA'), /^\+OK/);
  const caps = await client.multiLine();
  assert.ok(!caps.includes('STLS') && caps.includes('USER'));
  assert.match(await client.command('STLS'), /^-ERR /, 'TLS is already on');
  assert.match(await client.login(ALICE), /^\+OK /);
  assert.match(await client.command('QUIT'), /^\+OK/);
});

test('without loopback exemption a password is refused before TLS and accepted after STLS', async (t) => {
  const { store, port } = await startPop3Server(t, (c) => (c.auth.plaintext_on_loopback = false));
  await addAccount(store, ALICE);
  const client = await RawClient.connect(port);
  await client.line();
  await client.command('CAPA');
  const caps = await client.multiLine();
  assert.ok(caps.includes('STLS') && !caps.includes('USER') && !caps.some((c) => c.startsWith('SASL')));
  assert.match(await client.command(`USER ${ALICE}`), /^-ERR \[AUTH\] /);
  assert.match(await client.command('PASS x'), /^-ERR \[AUTH\] /);
  assert.match(await client.command('AUTH PLAIN AGFsaWNlAHg='), /^-ERR \[AUTH\] /);
  assert.equal(await client.command('STLS'), '+OK Begin TLS negotiation');
  await client.startTls(await serverCa(store));
  assert.match(await client.login(ALICE), /^\+OK /);
  client.close();
});

test('implicit TLS: verified against the stored certificate, TLS 1.2 at least', async (t) => {
  const { store, tlsPort } = await startPop3Server(t);
  await addAccount(store, ALICE);
  const ca = await serverCa(store);
  const client = await RawClient.connect(tlsPort, { tls: true, ca });
  assert.match((await client.line())!, /^\+OK /);
  await client.command('CAPA');
  assert.ok(!(await client.multiLine()).includes('STLS'));
  assert.match(await client.login(ALICE), /^\+OK /);
  client.close();

  const old = tlsConnect({ port: tlsPort, host: '127.0.0.1', servername: HOSTNAME, ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
  const err = await new Promise<Error>((resolve) => old.on('error', resolve));
  assert.match(err.message, /handshake failure|version|protocol/i);
});

test('AUTH: PLAIN with and without initial response, LOGIN, cancel, bad data, listing', async (t) => {
  const { store, port } = await startPop3Server(t);
  await addAccount(store, ALICE);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const session = async () => {
    const c = await RawClient.connect(port);
    await c.line();
    return c;
  };
  let c = await session();
  assert.equal(await c.command('AUTH'), '+OK');
  assert.deepEqual(await c.multiLine(), ['PLAIN', 'LOGIN', 'SCRAM-SHA-256']);
  assert.match(await c.command(`AUTH PLAIN ${b64(`\0${ALICE}\0correct horse battery`)}`), /^\+OK /);
  c.close();

  c = await session();
  assert.equal(await c.command('AUTH PLAIN'), '+ ');
  assert.match(await c.command(b64(`\0${ALICE}\0correct horse battery`)), /^\+OK /);
  c.close();

  c = await session();
  assert.equal(await c.command('AUTH LOGIN'), `+ ${b64('Username:')}`);
  assert.equal(await c.command(b64(ALICE)), `+ ${b64('Password:')}`);
  assert.match(await c.command(b64('correct horse battery')), /^\+OK /);
  c.close();

  c = await session();
  assert.equal(await c.command('AUTH LOGIN'), `+ ${b64('Username:')}`);
  assert.equal(await c.command('*'), '-ERR Authentication cancelled');
  assert.equal(await c.command('AUTH PLAIN'), '+ ');
  assert.equal(await c.command('not base64!'), '-ERR Invalid response');
  assert.match(await c.command('AUTH PLAIN !!!'), /^-ERR /);
  assert.match(await c.command('AUTH CRAM-MD5'), /^-ERR /);
  assert.match(await c.command(`AUTH PLAIN ${b64(`\0${ALICE}\0wrong`)}`), /^-ERR \[AUTH\] /);
  assert.match(await c.command(`AUTH PLAIN ${b64(`bob@example.org\0${ALICE}\0correct horse battery`)}`), /^-ERR \[AUTH\] /, 'no acting as someone else');
  c.close();
});

test('wrong passwords are throttled, disabled accounts refused, a second session gets [IN-USE]', async (t) => {
  const { store, port } = await startPop3Server(t, (c) => {
    c.auth.throttle_max_failures = 3;
    c.auth.throttle_ip_max_failures = 3;
  });
  await addAccount(store, ALICE);
  await addAccount(store, 'bob@example.org');
  await addAccount(store, 'carol@example.org');
  await store.updateAccount('carol@example.org', { disabled: true });

  const first = await RawClient.connect(port);
  await first.line();
  assert.match(await first.login(ALICE), /^\+OK /);
  const second = await RawClient.connect(port);
  await second.line();
  assert.match(await second.login(ALICE), /^-ERR \[IN-USE\] /);
  assert.match(await second.login('carol@example.org'), /^-ERR \[SYS\/PERM\] /);
  assert.match(await second.command('QUIT'), /^\+OK/);
  first.close();
  await first.closedByServer();

  const guesser = await RawClient.connect(port);
  await guesser.line();
  for (let i = 0; i < 3; i++) assert.match(await guesser.login('bob@example.org', `guess ${i}`), /^-ERR \[AUTH\] /);
  assert.match(await guesser.login('bob@example.org'), /^-ERR \[SYS\/TEMP\] /, 'refused even with the right password');
  assert.match(await guesser.login('nobody@example.org'), /^-ERR \[SYS\/TEMP\] /, 'the address is refused too');
  guesser.close();
});

test('DELE: a dropped connection deletes nothing, QUIT deletes and IMAP-style listeners see the expunge', async (t) => {
  const { store, port } = await startPop3Server(t);
  await addAccount(store, ALICE);
  const sent: Buffer[] = [];
  for (let i = 1; i <= 4; i++) sent.push(await deliver(store, ALICE, message(`m${i}`)));
  const box = await inbox(store);
  const uids = (await store.listMessages(box.id)).map((m) => m.uid);

  const dropped = await RawClient.connect(port);
  await dropped.line();
  await dropped.login(ALICE);
  assert.match(await dropped.command('DELE 1'), /^\+OK/);
  assert.match(await dropped.command('DELE 1'), /^-ERR /, 'already deleted');
  assert.match(await dropped.command('RETR 1'), /^-ERR /);
  assert.equal(await dropped.command('STAT'), `+OK 3 ${sent[1]!.length + sent[2]!.length + sent[3]!.length}`);
  dropped.close();

  // The lock is released when the server has noticed the drop; the next login waits for that.
  let client: RawClient;
  for (;;) {
    client = await RawClient.connect(port);
    await client.line();
    const reply = await client.login(ALICE);
    if (reply.startsWith('+OK')) break;
    assert.match(reply, /\[IN-USE\]/);
    client.close();
  }
  assert.match(await client.command('STAT'), /^\+OK 4 /, 'the drop deleted nothing');
  assert.match(await client.command('DELE 2'), /^\+OK/);
  assert.match(await client.command('RSET'), /^\+OK 4 /, 'RSET forgets the deletion');
  assert.match(await client.command('DELE 2'), /^\+OK/);
  assert.match(await client.command('DELE 4'), /^\+OK/);

  const events: StoreEvent[] = [];
  store.on((e) => events.push(e));
  assert.match(await client.command('QUIT'), /^\+OK /);
  // +OK came after the commit: the event was emitted and the messages are gone already.
  assert.deepEqual(events.filter((e) => e.type === 'expunge').map((e) => [e.mailboxId, e.uids]), [[box.id, [uids[1], uids[3]]]]);
  assert.deepEqual((await store.listMessages(box.id)).map((m) => m.uid), [uids[0], uids[2]]);

  const next = await RawClient.connect(port);
  await next.line();
  await next.login(ALICE);
  assert.match(await next.command('LIST'), /^\+OK 2 /);
  assert.deepEqual(await next.multiLine(), [`1 ${sent[0]!.length}`, `2 ${sent[2]!.length}`]);
  assert.equal(await next.command('RETR 2'), `+OK ${sent[2]!.length} octets`);
  assert.deepEqual(await next.message(), sent[2]);
  await next.command('QUIT');
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('the snapshot: later deliveries wait, IMAP expunges answer -ERR, UIDLs never change', async (t) => {
  const { store, port } = await startPop3Server(t);
  await addAccount(store, ALICE);
  await deliver(store, ALICE, message('one'));
  await deliver(store, ALICE, message('two'));
  const box = await inbox(store);
  const client = await RawClient.connect(port);
  await client.line();
  await client.login(ALICE);
  await client.command('UIDL');
  const before = await client.multiLine();

  await deliver(store, ALICE, message('three'));
  const [first] = await store.listMessages(box.id);
  await store.storeFlags(box.id, [first!.uid], 'add', ['\\Flagged', '$Label1']);
  assert.match(await client.command('STAT'), /^\+OK 2 /, 'the new message is not in this session');
  await client.command('UIDL');
  assert.deepEqual(await client.multiLine(), before);

  // An IMAP session expunges message 2 behind POP3's back.
  await store.expunge(box.id, [(await store.listMessages(box.id))[1]!.uid]);
  assert.match(await client.command('RETR 2'), /^-ERR Message 2 was removed/);
  assert.match(await client.command('DELE 2'), /^\+OK/);
  assert.match(await client.command('QUIT'), /^\+OK/, 'deleting an already expunged message is not an error');

  const next = await RawClient.connect(port);
  await next.line();
  await next.login(ALICE);
  await next.command('UIDL');
  const after = await next.multiLine();
  assert.equal(after[0], before[0], 'same UIDL after IMAP changed the flags');
  assert.equal(after.length, 2, 'the message delivered during the last session is here now');
  next.close();
});

test('RETR marks \\Seen when the session ends, as Dovecot does; TOP and RSET do not', async (t) => {
  const { store, port } = await startPop3Server(t);
  await addAccount(store, ALICE);
  for (const s of ['a', 'b', 'c']) await deliver(store, ALICE, message(s));
  const box = await inbox(store);
  const seen = async () => (await store.listMessages(box.id)).map((m) => m.flags.includes('\\Seen'));

  const client = await RawClient.connect(port);
  await client.line();
  await client.login(ALICE);
  await client.command('RETR 1');
  await client.message();
  await client.command('TOP 2 5');
  await client.message();
  assert.deepEqual(await seen(), [false, false, false], 'nothing changes before the session ends');
  await client.command('RSET');
  await client.command('RETR 3');
  await client.message();
  await client.command('QUIT');
  assert.deepEqual(await seen(), [false, false, true]);

  const dropped = await RawClient.connect(port);
  await dropped.line();
  await dropped.login(ALICE);
  await dropped.command('RETR 1');
  await dropped.message();
  const changed = new Promise<number[]>((resolve) => store.on((e) => e.type === 'flags' && resolve(e.uids)));
  dropped.close();
  assert.equal((await changed).length, 1, 'a dropped session keeps \\Seen (but never deletions)');
  assert.deepEqual(await seen(), [true, false, true]);
});

test('bad input gets -ERR and the session goes on; too many connections are turned away', async (t) => {
  const { store, port } = await startPop3Server(t, (c) => (c.limits.connections_per_ip = 2));
  await addAccount(store, ALICE);
  const client = await RawClient.connect(port);
  await client.line();
  for (const bad of ['', 'HELO', 'RETRIEVE 1', 'US\u0000ER x', 'X'.repeat(9000), 'USER a b', 'PASS secret']) {
    assert.match(await client.command(bad), /^-ERR /, JSON.stringify(bad.slice(0, 20)));
  }
  assert.match(await client.login(ALICE), /^\+OK/);
  for (const bad of ['LIST 0', 'LIST -1', 'LIST 1 2', 'TOP 1 x', 'DELE', 'USER x', 'STLS', 'NOOP x', 'RETR 99999999999']) {
    assert.match(await client.command(bad), /^-ERR /, bad);
  }
  assert.match(await client.command('STAT'), /^\+OK 0 0$/);

  const second = await RawClient.connect(port);
  await second.line();
  const third = await RawClient.connect(port);
  assert.match((await third.line())!, /^-ERR \[SYS\/TEMP\] /);
  await third.closedByServer();
  second.close();
  client.close();
});

test('shutdown ends idle sessions with -ERR and keeps their deletions undone', async (t) => {
  const { server, store, port } = await startPop3Server(t);
  await addAccount(store, ALICE);
  await deliver(store, ALICE, message('kept'));
  const client = await RawClient.connect(port);
  await client.line();
  await client.login(ALICE);
  await client.command('DELE 1');
  const closing = server.close();
  assert.match((await client.line())!, /^-ERR \[SYS\/TEMP\] /);
  await client.closedByServer();
  await closing;
});

test('an idle session is closed with -ERR after the idle time', async (t) => {
  const { store } = await testStore(t);
  const service = await startPop3({
    store,
    log: pino({ level: 'silent' }),
    tls: new TlsProvider(await createSelfSigned(HOSTNAME)),
    throttle: new AuthThrottle({ maxFailures: 5, windowSeconds: 60 }),
    verified: new VerifiedLogins({ ttlSeconds: 3600 }),
    connections: new ConnectionLimit(5),
    listeners: { pop3: { enabled: true, address: '127.0.0.1', port: 0 } },
    plaintextOnLoopback: true,
    loginTimeoutSeconds: 60,
    idleMs: 50,
  });
  t.after(() => service.close());
  const client = await RawClient.connect(service.addresses.pop3!.port);
  await client.line();
  assert.equal(await client.line(), '-ERR Disconnected for inactivity');
  await client.closedByServer();
});

test('MOVE elsewhere and removing the account behind an open session answer -ERR to RETR and TOP', async (t) => {
  const { store, port } = await startPop3Server(t);
  const account = await addAccount(store, ALICE);
  for (const subject of ['one', 'two', 'three']) await deliver(store, ALICE, message(subject));
  const box = await inbox(store);
  const client = await RawClient.connect(port);
  await client.line();
  await client.login(ALICE);
  const [, second] = await store.listMessages(box.id);
  const archive = (await store.getMailbox(account.id, 'Archive'))!;
  assert.ok((await store.moveMessages(box.id, [second!.uid], archive.id)).ok);
  assert.match(await client.command('RETR 2'), /^-ERR Message 2 was removed/);
  assert.match(await client.command('TOP 2 0'), /^-ERR Message 2 was removed/);
  assert.match(await client.command('RETR 1'), /^\+OK/);
  await client.multiLine();

  await store.removeAccount(ALICE);
  assert.match(await client.command('RETR 3'), /^-ERR Message 3 was removed/);
  assert.match(await client.command('NOOP'), /^\+OK/, 'the session still answers');
});
