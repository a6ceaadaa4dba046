import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, tempDir } from './helpers/env.ts';
import { PASSWORD, addAccount, asServed, deliver, serverCa, startPop3Server, type TestServer } from './helpers/pop3.ts';
import { message } from './helpers/store.ts';

const execFileAsync = promisify(execFile);
const run = (command: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) =>
  // A client that hangs fails the test in a minute instead of waiting out its own timeouts.
  execFileAsync(command, args, { ...opts, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
const ALICE = 'alice@example.org';
const CORPUS = join(ROOT, 'test/fixtures/corpus/messages');
const SAMPLES = [
  'mailparser-simple.eml',
  'mailparser-mixed.eml',
  'mime4j-mimetools-testmsgs-multi-igor.eml',
  'mime4j-testmsgs-basic-plain-very-long-lines.eml',
  'mime4j-mimetools-testmsgs-uu-zeegee.eml',
];

/** With CI=true a missing client is a failure (CI installs them); elsewhere the test is skipped. */
function requireTool(t: TestContext, command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') assert.fail(`${command} is not installed (.ci/run installs it)`);
    t.skip(`${command} is not installed`);
    return false;
  }
}

/** The corpus samples and two made to hit the edges: dot lines, and a body over many chunks. */
async function fillMaildrop(store: TestServer['store']): Promise<Buffer[]> {
  const raws: Buffer[] = SAMPLES.map((name) => readFileSync(join(CORPUS, name)));
  raws.push(message('dots', '.\r\n..\r\n.leading dot\r\n. \r\nend\r\n'));
  raws.push(message('large', Array.from({ length: 8000 }, (_, i) => `${i % 7 === 0 ? '.' : ''}line ${i} ${'x'.repeat(i % 90)}`).join('\r\n') + '\r\n'));
  const stored: Buffer[] = [];
  for (const raw of raws) stored.push(await deliver(store, ALICE, raw));
  return stored;
}

/**
 * What getmail makes of a message: LF line ends, and one Return-Path (it keeps the
 * first as the envelope sender and drops the others, as an MDA would).
 */
const asGetmailWrites = (b: Buffer): string => {
  const text = b.toString('latin1').replace(/\r\n/g, '\n');
  const first = text.indexOf('Return-Path:');
  return text.slice(0, first + 1) + text.slice(first + 1).replace(/^Return-Path:[^\n]*\n/gm, '');
};

/** The messages an MDA wrote, one file each. */
function delivered(dir: string): Buffer[] {
  return readdirSync(dir).map((name) => readFileSync(join(dir, name)));
}

/** Compares as sets (MDA output files are named by PID, not in delivery order), naming the first difference. */
function assertSameMessages(got: Buffer[], stored: Buffer[], normalize: (b: Buffer) => string = (b) => b.toString('latin1')): void {
  assert.equal(got.length, stored.length, 'message count');
  const received = got.map(normalize).sort();
  const expected = stored.map((m) => normalize(asServed(m))).sort();
  for (const [i, want] of expected.entries()) {
    const have = received[i]!;
    if (have === want) continue;
    let at = 0;
    while (have[at] === want[at]) at++;
    assert.fail(`message differs at octet ${at}: got ${JSON.stringify(have.slice(at, at + 40))}, expected ${JSON.stringify(want.slice(at, at + 40))}`);
  }
}

async function inboxCount(store: TestServer['store']): Promise<number> {
  const account = (await store.getAccount(ALICE))!;
  return (await store.getMailbox(account.id, 'INBOX'))!.messages;
}

test('Python poplib: plain on loopback, STLS and implicit TLS; keep, then delete', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const server = await startPop3Server(t);
  await addAccount(server.store, ALICE);
  const sent = await fillMaildrop(server.store);
  const dir = tempDir(t);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, await serverCa(server.store));
  const poplib = async (port: number, mode: string, action: string) => {
    const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/pop3_poplib.py'), String(port), mode, ALICE, PASSWORD, ca, action]);
    return JSON.parse(stdout) as { capabilities: string[]; count: number; size: number; list: string[]; uidl: string[]; messages: string[] };
  };

  const plain = await poplib(server.port, 'plain', 'keep');
  assert.ok(plain.capabilities.includes('STLS') && plain.capabilities.includes('UIDL'));
  assert.equal(plain.count, sent.length);
  assert.equal(plain.size, sent.reduce((sum, m) => sum + m.length, 0));
  assert.deepEqual(plain.list, sent.map((m, i) => `${i + 1} ${m.length}`));
  assert.ok(plain.messages.every((m, i) => Buffer.from(m, 'base64').equals(asServed(sent[i]!))), 'byte-exact messages');

  const stls = await poplib(server.port, 'stls', 'keep');
  assert.deepEqual(stls.uidl, plain.uidl, 'same UIDLs in the next session');
  assert.deepEqual(stls.messages, plain.messages);

  const ssl = await poplib(server.tlsPort, 'ssl', 'delete');
  assert.deepEqual(ssl.messages, plain.messages);
  assert.equal(await inboxCount(server.store), 0);
});

test('fetchmail over STLS, verifying the certificate: keep mode, then delete mode', async (t) => {
  if (!requireTool(t, 'fetchmail')) return;
  const server = await startPop3Server(t);
  await addAccount(server.store, ALICE);
  const sent = await fillMaildrop(server.store);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ca.pem'), await serverCa(server.store));
  const fetch = async (mode: 'keep' | 'nokeep') => {
    const out = join(dir, `out-${mode}`);
    mkdirSync(out);
    const rc = join(dir, `fetchmailrc-${mode}`);
    // invisible and no stripcr: fetchmail then hands the MDA the message exactly as served.
    writeFileSync(rc, [
      'set no syslog',
      'set invisible',
      `poll localhost service ${server.port} protocol POP3 uidl`,
      `  user "${ALICE}" there with password "${PASSWORD}" is "root" here`,
      `  sslcertck sslcertfile "${join(dir, 'ca.pem')}" sslproto "tls1.2+"`,
      `  ${mode} fetchall no rewrite no stripcr`,
      `  mda "cat > ${out}/msg.$$"`,
      '',
    ].join('\n'));
    chmodSync(rc, 0o600);
    const { stdout, stderr } = await run('fetchmail', ['-f', rc, '--nodetach', '-i', join(dir, 'fetchids'), '--pidfile', join(dir, 'fetchmail.pid'), '-v'], {
      env: { ...process.env, HOME: dir },
    });
    assert.match(stdout + stderr, /upgrade to TLS succeeded/);
    return delivered(out);
  };
  assertSameMessages(await fetch('keep'), sent);
  assert.equal(await inboxCount(server.store), sent.length, 'keep leaves them');
  assertSameMessages(await fetch('nokeep'), sent);
  assert.equal(await inboxCount(server.store), 0, 'delete mode removed them');
});

test('getmail6 over implicit TLS, verifying the certificate: keep mode, then delete mode', async (t) => {
  if (!requireTool(t, 'getmail')) return;
  const server = await startPop3Server(t);
  await addAccount(server.store, ALICE);
  const sent = await fillMaildrop(server.store);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ca.pem'), await serverCa(server.store));
  const fetch = async (remove: boolean) => {
    const out = join(dir, `out-${remove}`);
    mkdirSync(out);
    // getmail refuses to write a Maildir as root; an external MDA may be allowed to run as root.
    writeFileSync(join(dir, 'getmailrc'), [
      '[retriever]',
      'type = SimplePOP3SSLRetriever',
      'server = localhost',
      `port = ${server.tlsPort}`,
      `username = ${ALICE}`,
      `password = ${PASSWORD}`,
      `ca_certs = ${join(dir, 'ca.pem')}`,
      '[destination]',
      'type = MDA_external',
      'path = /bin/sh',
      `arguments = ("-c", "cat > ${out}/msg.$$")`,
      'allow_root_commands = true',
      'unixfrom = false',
      '[options]',
      `delete = ${remove}`,
      'read_all = true',
      'delivered_to = false',
      'received = false',
      'verbose = 0',
      '',
    ].join('\n'));
    await run('getmail', ['--getmaildir', dir, '--rcfile', 'getmailrc']);
    return delivered(out);
  };
  assertSameMessages(await fetch(false), sent, asGetmailWrites);
  assert.equal(await inboxCount(server.store), sent.length);
  assertSameMessages(await fetch(true), sent, asGetmailWrites);
  assert.equal(await inboxCount(server.store), 0);
});
