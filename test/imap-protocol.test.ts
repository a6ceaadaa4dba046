import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as tlsConnect } from 'node:tls';
import { test } from 'node:test';
import { pino } from 'pino';
import { AuthThrottle } from '../src/auth/throttle.ts';
import { VerifiedLogins } from '../src/auth/verified-logins.ts';
import { startImap } from '../src/imap/server.ts';
import { ConnectionLimit } from '../src/net/connection-limit.ts';
import { ensureCertificate } from '../src/tls/certificates.ts';
import { TlsProvider } from '../src/tls/context.ts';
import { addAccount, HOSTNAME, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';
import { testStore } from './helpers/store.ts';

const last = (lines: string[]) => lines[lines.length - 1]!;

test('greeting, CAPABILITY before and after login, LOGOUT', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  const caps = await c.command('a1', 'CAPABILITY');
  assert.match(caps[0]!, /^\* CAPABILITY IMAP4rev1 .*STARTTLS.*AUTH=PLAIN/);
  assert.ok(!caps[0]!.includes('LOGINDISABLED'), 'loopback may log in without TLS by default');
  assert.equal(last(caps), 'a1 OK CAPABILITY completed');
  const login = await c.command('a2', `LOGIN alice@example.org "${PASSWORD}"`);
  assert.match(last(login), /^a2 OK \[CAPABILITY IMAP4rev1 .*MOVE.*\] Logged in$/);
  assert.ok(!last(login).includes('STARTTLS'));
  const bye = await c.command('a3', 'LOGOUT');
  assert.deepEqual(bye, ['* BYE Logging out', 'a3 OK LOGOUT completed']);
  await c.closedByServer();
});

test('plaintext login is refused off loopback rules until STARTTLS', async (t) => {
  const { store, port } = await startImapServer(t, (config) => (config.auth.plaintext_on_loopback = false));
  await addAccount(store, 'alice@example.org');
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  assert.match((await c.command('a1', 'CAPABILITY'))[0]!, /LOGINDISABLED/);
  assert.match(last(await c.command('a2', `LOGIN alice@example.org "${PASSWORD}"`)), /^a2 NO \[PRIVACYREQUIRED\]/);
  assert.match(last(await c.command('a3', 'AUTHENTICATE PLAIN')), /^a3 NO \[PRIVACYREQUIRED\]/);
  // Pipelined after STARTTLS: must be dropped, not run after the handshake.
  c.send('a4 STARTTLS\r\na5 LOGOUT\r\n');
  assert.deepEqual(await c.until('a4'), ['a4 OK Begin TLS negotiation now']);
  c.socket.removeAllListeners('data');
  const ca = (await store.getCertificate(HOSTNAME))!.certPem;
  const secure = tlsConnect({ socket: c.socket, servername: HOSTNAME, ca });
  await once(secure, 'secureConnect');
  const tls = new RawImap(secure);
  const caps = await tls.command('b1', 'CAPABILITY');
  assert.ok(!caps[0]!.includes('STARTTLS') && !caps[0]!.includes('LOGINDISABLED'), caps[0]);
  assert.equal(caps.length, 2, 'nothing pipelined before the handshake was answered');
  const token = Buffer.from(`\0alice@example.org\0${PASSWORD}`).toString('base64');
  assert.match(last(await tls.command('b2', `AUTHENTICATE PLAIN ${token}`)), /^b2 OK/);
  tls.close();
});

test('AUTHENTICATE PLAIN and LOGIN with challenges; failures are answered and throttled', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  c.send('a1 AUTHENTICATE PLAIN\r\n');
  assert.equal(await c.line(), '+ ');
  c.send(`${Buffer.from('\0alice@example.org\0wrong password').toString('base64')}\r\n`);
  assert.match((await c.until('a1'))[0]!, /^a1 NO \[AUTHENTICATIONFAILED\]/);
  c.send('a2 AUTHENTICATE LOGIN\r\n');
  assert.equal(await c.line(), `+ ${Buffer.from('Username:').toString('base64')}`);
  c.send('*\r\n');
  assert.match((await c.until('a2'))[0]!, /^a2 BAD/);
  c.send('a3 AUTHENTICATE LOGIN\r\n');
  await c.line();
  c.send(`${Buffer.from('alice@example.org').toString('base64')}\r\n`);
  assert.equal(await c.line(), `+ ${Buffer.from('Password:').toString('base64')}`);
  c.send(`${Buffer.from(PASSWORD).toString('base64')}\r\n`);
  assert.match((await c.until('a3'))[0]!, /^a3 OK \[CAPABILITY/);
});

test('mailboxes: CREATE with parents, LIST attributes, RENAME with children, DELETE, STATUS, LSUB', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  assert.equal(last(await c.command('c1', 'CREATE "Projekte/Entw&APw-rfe/"')), 'c1 OK [MAILBOXID (F8)] CREATE completed');
  assert.match(last(await c.command('c2', 'CREATE Projekte')), /^c2 NO \[ALREADYEXISTS\]/);
  assert.match(last(await c.command('c2b', 'CREATE inbox')), /^c2b NO \[ALREADYEXISTS\]/);
  const list = await c.command('c3', 'LIST "" "*"');
  assert.deepEqual(list, [
    '* LIST (\\HasNoChildren) "/" "INBOX"',
    '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
    '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
    '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
    '* LIST (\\HasChildren) "/" "Projekte"',
    '* LIST (\\HasNoChildren) "/" "Projekte/Entw&APw-rfe"',
    '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
    '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
    'c3 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('c4', 'LIST "" ""'), ['* LIST (\\Noselect) "/" ""', 'c4 OK LIST completed']);
  assert.deepEqual(await c.command('c5', 'LIST Projekte/ %'), ['* LIST (\\HasNoChildren) "/" "Projekte/Entw&APw-rfe"', 'c5 OK LIST completed']);
  assert.equal(last(await c.command('c7', 'RENAME Projekte Alt/Projekte')), 'c7 OK RENAME completed');
  const renamed = await c.command('c8', 'LIST "" Alt*');
  assert.deepEqual(renamed.slice(0, -1), [
    '* LIST (\\HasChildren) "/" "Alt"',
    '* LIST (\\HasChildren) "/" "Alt/Projekte"',
    '* LIST (\\HasNoChildren) "/" "Alt/Projekte/Entw&APw-rfe"',
  ]);
  // A parent is deleted, its name stays as \Noselect while it has children (RFC 3501 6.3.4).
  assert.equal(last(await c.command('c6', 'DELETE Alt/Projekte')), 'c6 OK DELETE completed');
  assert.deepEqual((await c.command('c6b', 'LIST Alt/ *')).slice(0, -1), [
    '* LIST (\\Noselect \\HasChildren) "/" "Alt/Projekte"',
    '* LIST (\\HasNoChildren) "/" "Alt/Projekte/Entw&APw-rfe"',
  ]);
  assert.match(last(await c.command('c6c', 'SELECT Alt/Projekte')), /^c6c NO \[NONEXISTENT\]/);
  assert.match(last(await c.command('c6d', 'DELETE Alt/Projekte')), /^c6d NO/);
  assert.equal(last(await c.command('c9', 'DELETE Alt/Projekte/Entw&APw-rfe')), 'c9 OK DELETE completed');
  assert.deepEqual((await c.command('c9b', 'LIST Alt/ *')).slice(0, -1), [], 'the \\Noselect name went with its last child');
  assert.match(last(await c.command('c10', 'SELECT Alt/Projekte/Entw&APw-rfe')), /^c10 NO \[NONEXISTENT\]/);
  const status = await c.command('c11', 'STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE RECENT)');
  assert.match(status[0]!, /^\* STATUS "INBOX" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 HIGHESTMODSEQ 1 SIZE 0 RECENT 0\)$/);
  assert.equal(last(await c.command('c12', 'SUBSCRIBE Alt')), 'c12 OK SUBSCRIBE completed');
  assert.equal(last(await c.command('c13', 'UNSUBSCRIBE Sent')), 'c13 OK UNSUBSCRIBE completed');
  const lsub = (await c.command('c14', 'LSUB "" *')).slice(0, -1);
  assert.ok(lsub.includes('* LSUB () "/" "Alt"') && !lsub.some((l) => l.endsWith('"Sent"')), lsub.join('\n'));
  assert.deepEqual(await c.command('c15', 'NAMESPACE'), ['* NAMESPACE (("" "/")) NIL NIL', 'c15 OK NAMESPACE completed']);
  assert.match((await c.command('c16', 'ID ("name" "test")'))[0]!, /^\* ID \("name" "Mailfold" "version" "/);
  assert.deepEqual(await c.command('c17', 'ENABLE CONDSTORE X-UNKNOWN'), ['* ENABLED CONDSTORE', 'c17 OK ENABLE completed']);
});

test('SELECT and EXAMINE of an empty mailbox; commands outside their state', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  assert.match(last(await c.command('s0', 'SELECT INBOX')), /^s0 BAD SELECT is not allowed before login/);
  await c.login('alice@example.org');
  assert.match(last(await c.command('s1', 'FETCH 1 FLAGS')), /^s1 BAD FETCH is not allowed without a selected mailbox/);
  const select = await c.command('s2', 'SELECT inbox');
  assert.deepEqual(select.map((l) => l.replace(/\d{6,}/, 'V')), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted',
    '* 0 EXISTS',
    '* 0 RECENT',
    '* OK [UIDVALIDITY V] UIDs valid',
    '* OK [UIDNEXT 1] Predicted next UID',
    '* OK [HIGHESTMODSEQ 1] Highest',
    '* OK [MAILBOXID (F1)] Ok',
    's2 OK [READ-WRITE] SELECT completed',
  ]);
  assert.match(last(await c.command('s3', 'FETCH 1 FLAGS')), /^s3 BAD .*empty/);
  assert.deepEqual(await c.command('s4', 'SEARCH ALL'), ['* SEARCH', 's4 OK SEARCH completed']);
  assert.deepEqual(await c.command('s4b', 'UID FETCH 1:* FLAGS'), ['s4b OK FETCH completed']);
  const examine = await c.command('s5', 'EXAMINE Sent');
  assert.equal(examine[0], '* OK [CLOSED] Previous mailbox closed');
  assert.equal(last(examine), 's5 OK [READ-ONLY] EXAMINE completed');
  assert.match(last(await c.command('s6', 'EXPUNGE')), /^s6 NO \[READ-ONLY\]/);
  assert.equal(last(await c.command('s7', 'UNSELECT')), 's7 OK UNSELECT completed');
  assert.match(last(await c.command('s8', 'CLOSE')), /^s8 BAD/);
});

test('bad input: BAD answers, and the session goes on', async (t) => {
  const { store, port } = await startImapServer(t, (config) => {
    config.limits.line_length = 1000;
    config.limits.message_size = 5000;
  });
  await addAccount(store, 'alice@example.org');
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  assert.deepEqual(await c.command('b1', 'FROB'), ['b1 BAD Unknown command']);
  c.send('\r\n');
  assert.equal(await c.line(), '* BAD Missing or invalid tag');
  c.send('+++ NOOP\r\n');
  assert.equal(await c.line(), '* BAD Missing or invalid tag');
  assert.match(last(await c.command('b2', `NOOP ${'x'.repeat(2000)}`)), /^b2 BAD \[TOOBIG\]/);
  assert.match(last(await c.command('b3', 'LOGIN "unterminated')), /^b3 BAD/);
  assert.match(last(await c.command('b4', 'LOGIN a')), /^b4 BAD/);
  // Before login a literal is small: BAD, and no `+` for the client to send it.
  assert.match(last(await c.command('b5', 'APPEND INBOX {9000}')), /^b5 BAD \[TOOBIG\] Literal larger than 5000 octets before login/);
  c.send(Buffer.from([0x62, 0x36, 0x20, 0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a]));
  assert.match((await c.until('b6'))[0]!, /^b6 BAD/);
  await c.login('alice@example.org');
  await c.command('b7', 'SELECT INBOX');
  assert.match(last(await c.command('b8', `SEARCH ${'('.repeat(200)}ALL${')'.repeat(200)}`)), /^b8 BAD .*nested/);
  assert.match(last(await c.command('b9', 'FETCH 1:* (FLAGS')), /^b9 BAD/);
  assert.match(last(await c.command('b10', 'STORE 1 +FLAGS (\\Bogus)')), /^b10 BAD/);
  assert.equal(last(await c.command('b11', 'NOOP')), 'b11 OK NOOP completed');
  // A non-synchronizing literal over the limit cannot be skipped: BAD, then BYE.
  c.send('b12 APPEND INBOX {6000+}\r\n');
  assert.match((await c.until('b12'))[0]!, /^b12 NO \[TOOBIG\]/);
  assert.match((await c.line())!, /^\* BYE/);
  await c.closedByServer();
});

test('10,000 pipelined commands are all answered, in order, while another client is served', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const flood = await RawImap.connect(port);
  const other = await RawImap.connect(port);
  t.after(() => {
    flood.close();
    other.close();
  });
  const n = 10_000;
  let batch = '';
  for (let i = 0; i < n; i++) batch += i % 3 === 0 ? `p${i} NOOP\r\n` : i % 3 === 1 ? `p${i} BOGUS (((\r\n` : `p${i} CAPABILITY\r\n`;
  flood.send(batch);
  assert.equal(last(await other.command('o1', 'NOOP')), 'o1 OK NOOP completed');
  let answered = 0;
  for (;;) {
    const line = await flood.line();
    assert.ok(line !== null);
    if (line.startsWith('*')) continue;
    assert.ok(line.startsWith(`p${answered} `), `expected p${answered}, got ${line}`);
    answered++;
    if (answered === n) break;
  }
  await other.login('alice@example.org');
  assert.equal(last(await other.command('o2', 'NOOP')), 'o2 OK NOOP completed');
});

test('autologout after inactivity; client traffic restarts the timer', async (t) => {
  const { store } = await testStore(t);
  await addAccount(store, 'alice@example.org');
  const log = pino({ level: 'silent' });
  const service = await startImap({
    store,
    log,
    tls: new TlsProvider(await ensureCertificate(store, HOSTNAME, log)),
    throttle: new AuthThrottle({ maxFailures: 5, windowSeconds: 60 }),
    verified: new VerifiedLogins({ ttlSeconds: 3600 }),
    connections: new ConnectionLimit(10),
    listeners: { imap: { enabled: true, address: '127.0.0.1', port: 0 } },
    plaintextOnLoopback: true,
    limits: { lineLength: 1000, messageSize: 10_000, connectionsPerAccount: 10, loginTimeoutSeconds: 60, searchCost: 1_000_000, progressMs: 1000, messageLimit: 100_000 },
    // Long enough that a loaded CI machine does not log the client out between its own commands.
    autologoutMs: 3000,
  });
  t.after(() => service.close());
  const c = await RawImap.connect(service.addresses.imap!.port);
  await c.login('alice@example.org');
  c.send('i1 IDLE\r\n');
  assert.equal(await c.line(), '+ idling');
  c.send('DONE\r\n');
  assert.equal(await c.line(), 'i1 OK IDLE terminated');
  assert.equal(await c.line(), '* BYE Autologout: idle for too long');
  await c.closedByServer();
});

test('BYE on shutdown, also to a session in IDLE', async (t) => {
  const { store, port, server } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await RawImap.connect(port);
  await c.login('alice@example.org');
  await c.command('i1', 'SELECT INBOX');
  c.send('i2 IDLE\r\n');
  assert.equal(await c.line(), '+ idling');
  const closing = server.close();
  assert.equal(await c.line(), '* BYE Server shutting down');
  await c.closedByServer();
  await closing;
});
