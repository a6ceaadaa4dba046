import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { AdminService } from '../src/admin/service.ts';
import { deriveScramKeys } from '../src/auth/scram.ts';
import { adminSettings } from '../src/server.ts';
import type { Store } from '../src/store/types.ts';
import { PASSWORD, RawImap, addAccount, startImapServer } from './helpers/imap.ts';
import { RawClient, startPop3Server } from './helpers/pop3.ts';
import { SmtpClient, serverCa, startSmtpServer } from './helpers/smtp.ts';
import { ScramClient, b64, unb64, type ScramClientOptions } from './helpers/scram-client.ts';

const ALICE = 'alice@example.org';
const CAROL = 'carol@example.org';

/** Alice and Carol with SCRAM keys, as `user add` makes them; Bob set before SCRAM, with the hash only. */
async function accounts(store: Store): Promise<void> {
  await addAccount(store, ALICE);
  await store.updateAccount(ALICE, { scram: deriveScramKeys(PASSWORD) });
  await addAccount(store, 'bob@example.org');
  await addAccount(store, CAROL);
  await store.updateAccount(CAROL, { scram: deriveScramKeys(PASSWORD) });
}

const exporter = (socket: TLSSocket) => socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
const endPoint = (socket: TLSSocket) => createHash('sha256').update(socket.getPeerX509Certificate()!.raw).digest();

/** Runs AUTHENTICATE with the independent client; the lines up to the tagged answer. */
async function imapScram(c: RawImap, tag: string, mechanism: string, opts: ScramClientOptions, initial = true): Promise<string[]> {
  const client = new ScramClient(opts);
  c.send(`${tag} AUTHENTICATE ${mechanism}${initial ? ` ${b64(client.first())}` : ''}\r\n`);
  let line = await c.line();
  if (!initial) {
    assert.equal(line, '+ ');
    c.send(`${b64(client.first())}\r\n`);
    line = await c.line();
  }
  if (!line?.startsWith('+ ')) return [line ?? 'closed'];
  c.send(`${b64(client.final(unb64(line.slice(2))))}\r\n`);
  line = await c.line();
  if (!line?.startsWith('+ ')) return [line ?? 'closed'];
  assert.ok(client.verifyServer(unb64(line.slice(2))), 'the server proves it knows the keys');
  c.send('\r\n');
  return c.until(tag);
}

async function imapServer(t: TestContext, failures = 5) {
  const server = await startImapServer(t, (config) => (config.auth.throttle_max_failures = failures));
  await accounts(server.store);
  return server;
}

test('IMAP: SCRAM-SHA-256 without TLS, -PLUS only over TLS with both channel bindings', async (t) => {
  const { port, tlsPort } = await imapServer(t);
  const plain = await RawImap.connect(port);
  const caps = (await plain.command('c', 'CAPABILITY')).join(' ');
  assert.match(caps, /AUTH=SCRAM-SHA-256 /);
  assert.doesNotMatch(caps, /SCRAM-SHA-256-PLUS/);
  assert.match((await plain.command('p', `AUTHENTICATE SCRAM-SHA-256-PLUS ${b64('p=tls-exporter,,n=a,r=x')}`)).at(-1)!, /^p NO \[CANNOT\]/);
  assert.match((await imapScram(plain, 'a', 'SCRAM-SHA-256', { username: ALICE, password: PASSWORD }, false)).at(-1)!, /^a OK /);

  for (const [flag, data] of [['p=tls-exporter', exporter], ['p=tls-server-end-point', endPoint]] as const) {
    const c = await RawImap.connect(tlsPort, { tls: true });
    assert.match((await c.command('c', 'CAPABILITY')).join(' '), /AUTH=SCRAM-SHA-256-PLUS/);
    const socket = c.socket as TLSSocket;
    assert.match((await imapScram(c, 'a', 'SCRAM-SHA-256-PLUS', { username: ALICE, password: PASSWORD, flag, cbData: data(socket) })).at(-1)!, /^a OK /, flag);
    c.socket.destroy();
  }
});

test('IMAP: channel-binding mismatch, downgrade, wrong password and an account without keys all fail alike', async (t) => {
  const { tlsPort } = await imapServer(t, 50);
  const c = await RawImap.connect(tlsPort, { tls: true });
  const wrongData = Buffer.alloc(32, 1);
  assert.match((await imapScram(c, 'a', 'SCRAM-SHA-256-PLUS', { username: ALICE, password: PASSWORD, flag: 'p=tls-exporter', cbData: wrongData })).at(-1)!, /^a NO \[AUTHENTICATIONFAILED\]/);
  assert.match((await imapScram(c, 'b', 'SCRAM-SHA-256', { username: ALICE, password: PASSWORD, flag: 'y' })).at(-1)!, /^b NO \[AUTHENTICATIONFAILED\]/);
  const wrong = (await imapScram(c, 'c', 'SCRAM-SHA-256', { username: ALICE, password: 'not the password' })).at(-1)!;
  const noKeys = (await imapScram(c, 'd', 'SCRAM-SHA-256', { username: 'bob@example.org', password: PASSWORD })).at(-1)!;
  const unknown = (await imapScram(c, 'e', 'SCRAM-SHA-256', { username: 'nobody@example.org', password: PASSWORD })).at(-1)!;
  assert.equal(wrong.slice(2), noKeys.slice(2));
  // An unknown name gets a salt that stays the same, like a real account's.
  const salt = async (tag: string) => {
    c.send(`${tag} AUTHENTICATE SCRAM-SHA-256 ${b64('n,,n=nobody@example.org,r=abc')}\r\n`);
    const challenge = unb64((await c.line())!.slice(2));
    c.send('*\r\n');
    await c.until(tag);
    return /,s=([^,]+),i=4096$/.exec(challenge)?.[1];
  };
  const first = await salt('s1');
  assert.ok(first);
  assert.equal(await salt('s2'), first);
  const oversized = await c.command('o', `AUTHENTICATE SCRAM-SHA-256 ${b64(`n,,n=${'a'.repeat(3000)},r=abc`)}`);
  assert.match(oversized.at(-1)!, /^o (NO|BAD) /);
  assert.equal(wrong.slice(2), unknown.slice(2));
  assert.match(wrong, /^c NO \[AUTHENTICATIONFAILED\]/);
  // Bad base64 and a cancel get a protocol answer; the session goes on.
  assert.match((await c.command('f', 'AUTHENTICATE SCRAM-SHA-256 !!!')).at(-1)!, /^f BAD/);
  c.send('g AUTHENTICATE SCRAM-SHA-256\r\n');
  assert.equal(await c.line(), '+ ');
  c.send('*\r\n');
  assert.match((await c.until('g')).at(-1)!, /^g BAD/);
  // Bob keeps PLAIN until his next password change.
  assert.match((await c.command('h', `AUTHENTICATE PLAIN ${b64(`\0bob@example.org\0${PASSWORD}`)}`)).at(-1)!, /^h OK/);
});

test('IMAP: failed SCRAM proofs count in the login throttle', async (t) => {
  const { port } = await imapServer(t, 3);
  const c = await RawImap.connect(port);
  for (const tag of ['a', 'b', 'c']) {
    assert.match((await imapScram(c, tag, 'SCRAM-SHA-256', { username: ALICE, password: 'guess guess' })).at(-1)!, /NO \[AUTHENTICATIONFAILED\]/);
  }
  // The right proof is now refused too: the account is throttled.
  assert.match((await imapScram(c, 'd', 'SCRAM-SHA-256', { username: ALICE, password: PASSWORD })).at(-1)!, /^d NO \[UNAVAILABLE\]/);
});

test('an account set before SCRAM keeps PLAIN until its next password change, then SCRAM works', async (t) => {
  const { store, config, port } = await imapServer(t);
  const admin = new AdminService(store, adminSettings(config));
  assert.deepEqual((await admin.userShow({ address: 'bob@example.org' })).mechanisms, ['PLAIN', 'LOGIN']);
  const c = await RawImap.connect(port);
  assert.match((await imapScram(c, 'a', 'SCRAM-SHA-256', { username: 'bob@example.org', password: PASSWORD })).at(-1)!, /^a NO \[AUTHENTICATIONFAILED\]/);
  await admin.userPasswd({ address: 'bob@example.org', password: 'a brand new secret' });
  assert.deepEqual((await admin.userShow({ address: 'bob@example.org' })).mechanisms, ['PLAIN', 'LOGIN', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']);
  assert.match((await imapScram(c, 'b', 'SCRAM-SHA-256', { username: 'bob@example.org', password: 'a brand new secret' })).at(-1)!, /^b OK /);
});

/** Runs POP3 AUTH with the independent client; the final line. */
async function pop3Scram(c: RawClient, mechanism: string, opts: ScramClientOptions): Promise<string> {
  const client = new ScramClient(opts);
  c.send(`AUTH ${mechanism} ${b64(client.first())}\r\n`);
  let line = (await c.line())!;
  if (!line.startsWith('+ ')) return line;
  c.send(`${b64(client.final(unb64(line.slice(2))))}\r\n`);
  line = (await c.line())!;
  if (!line.startsWith('+ ')) return line;
  assert.ok(client.verifyServer(unb64(line.slice(2))));
  c.send('\r\n');
  return (await c.line())!;
}

test('POP3: SCRAM-SHA-256 and -PLUS, mismatched binding and throttle', async (t) => {
  const { store, port, tlsPort } = await startPop3Server(t, (config) => (config.auth.throttle_max_failures = 2));
  await accounts(store);
  const plain = await RawClient.connect(port);
  await plain.line();
  plain.send('CAPA\r\n');
  const capa: string[] = [];
  for (let line = await plain.line(); line !== '.'; line = await plain.line()) capa.push(line!);
  assert.ok(capa.includes('SASL PLAIN LOGIN SCRAM-SHA-256'), capa.join('|'));
  assert.match(await pop3Scram(plain, 'SCRAM-SHA-256', { username: ALICE, password: PASSWORD }), /^\+OK Logged in/);

  const tls = await RawClient.connect(tlsPort, { tls: true });
  await tls.line();
  const socket = tls.socket as TLSSocket;
  assert.match(await pop3Scram(tls, 'SCRAM-SHA-256-PLUS', { username: 'bob@example.org', password: PASSWORD, flag: 'p=tls-exporter', cbData: exporter(socket) }), /^-ERR \[AUTH\]/);
  assert.match(await pop3Scram(tls, 'SCRAM-SHA-256-PLUS', { username: 'bob@example.org', password: PASSWORD, flag: 'p=tls-exporter', cbData: Buffer.alloc(32) }), /^-ERR \[AUTH\]/);
  // Two failures for Bob: even his right password is now held back.
  tls.send(`AUTH PLAIN ${b64(`\0bob@example.org\0${PASSWORD}`)}\r\n`);
  assert.match((await tls.line())!, /^-ERR \[SYS\/TEMP\] Too many failed logins/);
  assert.match(
    await pop3Scram(tls, 'SCRAM-SHA-256-PLUS', { username: CAROL, password: PASSWORD, flag: 'p=tls-server-end-point', cbData: endPoint(socket) }),
    /^\+OK Logged in/,
  );
});

/** Runs SMTP AUTH with the independent client; the last reply line. */
async function smtpScram(c: SmtpClient, mechanism: string, opts: ScramClientOptions): Promise<string> {
  const client = new ScramClient(opts);
  let line = await c.cmd(`AUTH ${mechanism} ${b64(client.first())}`);
  if (!line.startsWith('334 ')) return line;
  line = await c.cmd(b64(client.final(unb64(line.slice(4)))));
  if (!line.startsWith('334 ')) return line;
  assert.ok(client.verifyServer(unb64(line.slice(4))));
  return c.cmd('');
}

test('submission: SCRAM-SHA-256 in clear on loopback, -PLUS on implicit TLS, failures throttled', async (t) => {
  const { store, submission, submissions } = await startSmtpServer(t, (config) => (config.auth.throttle_max_failures = 2));
  await accounts(store);
  const plain = await SmtpClient.connect(submission);
  t.after(() => plain.close());
  const ehlo = (await plain.hello()).join('\n');
  assert.match(ehlo, /AUTH PLAIN LOGIN SCRAM-SHA-256$/m);
  assert.match(await plain.cmd(`AUTH SCRAM-SHA-256-PLUS ${b64('p=tls-exporter,,n=a,r=x')}`), /^504/);
  assert.match(await smtpScram(plain, 'SCRAM-SHA-256', { username: ALICE, password: PASSWORD }), /^235 /);
  assert.match(await plain.cmd('MAIL FROM:<alice@example.org>'), /^250/);

  const tls = await SmtpClient.connect(submissions, { tls: true });
  t.after(() => tls.close());
  assert.match((await tls.hello()).join('\n'), /AUTH PLAIN LOGIN SCRAM-SHA-256 SCRAM-SHA-256-PLUS$/m);
  const socket = tls.socket as TLSSocket;
  assert.match(await smtpScram(tls, 'SCRAM-SHA-256-PLUS', { username: CAROL, password: PASSWORD, flag: 'p=tls-exporter', cbData: Buffer.alloc(32) }), /^535 /);
  assert.match(await smtpScram(tls, 'SCRAM-SHA-256', { username: CAROL, password: 'a wrong guess' }), /^535 /);
  // Two failures for Carol: her right proof is now held back.
  assert.match(await smtpScram(tls, 'SCRAM-SHA-256-PLUS', { username: CAROL, password: PASSWORD, flag: 'p=tls-exporter', cbData: exporter(socket) }), /^454 /);
  assert.match(await smtpScram(tls, 'SCRAM-SHA-256-PLUS', { username: ALICE, password: PASSWORD, flag: 'p=tls-server-end-point', cbData: endPoint(socket) }), /^235 /);
  assert.match(await tls.cmd('AUTH SCRAM-SHA-256'), /^503/);
});

test('submission: after STARTTLS, -PLUS binds to the upgraded connection', async (t) => {
  const { store, submission } = await startSmtpServer(t);
  await accounts(store);
  const c = await SmtpClient.connect(submission);
  t.after(() => c.close());
  await c.hello();
  assert.match(await c.cmd('STARTTLS'), /^220/);
  await c.startTls(await serverCa(store));
  assert.match((await c.cmd('EHLO client.example.net')), /^250 /);
  const socket = c.socket as TLSSocket;
  assert.match(await smtpScram(c, 'SCRAM-SHA-256-PLUS', { username: ALICE, password: PASSWORD, flag: 'p=tls-exporter', cbData: exporter(socket) }), /^235 /);
});

test('submission: malformed SCRAM input gets a protocol answer', async (t) => {
  const { store, submission } = await startSmtpServer(t);
  await accounts(store);
  const c = await SmtpClient.connect(submission);
  t.after(() => c.close());
  await c.hello();
  assert.match(await c.cmd('AUTH SCRAM-SHA-256 !!!'), /^501/);
  assert.match(await c.cmd(`AUTH SCRAM-SHA-256 ${b64('q,,n=a,r=x')}`), /^535 /);
  assert.match(await c.cmd('AUTH SCRAM-SHA-256'), /^334/);
  assert.match(await c.cmd('*'), /^501/);
  assert.match(await c.cmd(`AUTH SCRAM-SHA-256 ${b64(`n,,n=${ALICE},r=abc`)}`), /^334 /);
  assert.match(await c.cmd(b64('c=biws,r=wrong,p=' + Buffer.alloc(32).toString('base64'))), /^535 /);
  assert.match(await c.cmd('NOOP'), /^250/);
});
