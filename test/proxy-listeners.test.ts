import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import type { Config, ListenerName } from '../src/config/index.ts';
import { connectThroughProxy, proxyHeaderFor, v2Header } from './helpers/proxy.ts';
import { RawClient, serverCa } from './helpers/pop3.ts';
import { tempDir } from './helpers/env.ts';
import { freePort } from './helpers/pebble.ts';
import { addAccount, inbox, requireTool, SmtpClient, startSmtpServer } from './helpers/smtp.ts';

const ALICE = 'alice@example.org';
const PROXIED: ListenerName[] = ['smtp', 'imap', 'imaps', 'pop3', 'http'];

/** Every listener of PROXIED behind a proxy on loopback, the others off; plaintext logins allowed from loopback only. */
function behindProxy(from: string[], adjust: (config: Config) => void = () => {}) {
  return (config: Config) => {
    for (const name of PROXIED) config.listeners[name] = { enabled: true, address: '127.0.0.1', port: 0, proxy_protocol: true, proxy_from: from };
    config.listeners.submission.enabled = false;
    config.listeners.submissions.enabled = false;
    config.auth.plaintext_on_loopback = true;
    adjust(config);
  };
}

async function start(t: TestContext, from = ['127.0.0.0/8'], adjust?: (config: Config) => void) {
  const served = await startSmtpServer(t, behindProxy(from, adjust));
  const port = (name: ListenerName) => served.server.listeners[name]!.port;
  return { ...served, port, ca: await serverCa(served.store) };
}

/** The first line the server sends, or null when it closes the connection without one. */
const firstLine = (client: RawClient) => client.line().finally(() => client.socket.destroy());

test('SMTP behind a proxy: Received and SPF see the client of the header, not the proxy', async (t) => {
  const { store, port, dns } = await start(t);
  await addAccount(store, ALICE);
  dns.txt('proxied.example', 'v=spf1 ip4:203.0.113.7 -all');
  const client = Object.setPrototypeOf(await connectThroughProxy(port('smtp'), proxyHeaderFor('203.0.113.7')), SmtpClient.prototype) as SmtpClient;
  await client.hello('relay.proxied.example');
  assert.match(await client.cmd('MAIL FROM:<news@proxied.example>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await client.data('From: news@proxied.example\r\nSubject: through HAProxy\r\n\r\nHello.\r\n'), /^250/);
  await client.cmd('QUIT');
  const [stored] = await inbox(store, ALICE);
  const text = stored!.bytes.toString();
  assert.match(text, /^Received: from relay\.proxied\.example \(\[203\.0\.113\.7\]\)/m);
  assert.match(text, /spf=pass [^;]*smtp\.mailfrom=news@proxied\.example/);
  assert.doesNotMatch(text, /127\.0\.0\.1/);
});

test('IMAP and POP3 behind a proxy: the plaintext rule for loopback follows the header\'s client', async (t) => {
  const { port } = await start(t);
  const capability = async (header: Buffer) => {
    const client = await connectThroughProxy(port('imap'), header);
    assert.match((await client.line())!, /^\* OK/);
    const caps = await client.command('a CAPABILITY');
    client.socket.destroy();
    return caps;
  };
  assert.match(await capability(proxyHeaderFor('203.0.113.7')), /LOGINDISABLED/);
  assert.doesNotMatch(await capability(proxyHeaderFor('127.0.0.1')), /LOGINDISABLED/);
  // LOCAL (a health check of the proxy itself): the connection's own address, loopback, stands.
  assert.doesNotMatch(await capability(v2Header(0, 0x00, Buffer.alloc(0))), /LOGINDISABLED/);

  const capa = async (header: Buffer) => {
    const client = await connectThroughProxy(port('pop3'), header);
    assert.match((await client.line())!, /^\+OK/);
    assert.match(await client.command('CAPA'), /^\+OK/);
    const lines = await client.multiLine();
    client.socket.destroy();
    return lines;
  };
  assert.ok(!(await capa(proxyHeaderFor('2001:db8::7'))).includes('USER'));
  assert.ok((await capa(proxyHeaderFor('::1'))).includes('USER'));
});

test('IMAPS behind a proxy: the header comes before the TLS handshake, and the per-address limit counts the header\'s client', async (t) => {
  const { port, ca } = await start(t, undefined, (config) => {
    config.limits.connections_per_ip = 2;
  });
  const held = [
    await connectThroughProxy(port('imaps'), proxyHeaderFor('198.51.100.9'), { tls: true, ca }),
    await connectThroughProxy(port('imaps'), proxyHeaderFor('198.51.100.9'), { tls: true, ca }),
  ];
  for (const client of held) assert.match((await client.line())!, /^\* OK/);
  t.after(() => held.forEach((c) => c.socket.destroy()));
  // A third from the same client is refused (before its handshake completes, or right after it).
  const third = await connectThroughProxy(port('imaps'), proxyHeaderFor('198.51.100.9'), { tls: true, ca }).then(firstLine, () => null);
  assert.equal(third, null);
  // Another client through the same proxy is served.
  assert.match((await firstLine(await connectThroughProxy(port('imaps'), proxyHeaderFor('198.51.100.10'), { tls: true, ca })))!, /^\* OK/);
});

test('HTTP behind a proxy: /metrics, served to this machine only, is refused to a remote client of the header', async (t) => {
  const { port } = await start(t);
  const status = async (header: Buffer) => {
    const client = await connectThroughProxy(port('http'), Buffer.concat([header, Buffer.from('GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')]));
    return firstLine(client);
  };
  assert.equal(await status(proxyHeaderFor('203.0.113.7')), 'HTTP/1.1 403 Forbidden');
  assert.equal(await status(proxyHeaderFor('127.0.0.1')), 'HTTP/1.1 200 OK');
});

test('a missing, broken or hostile header closes the connection without a byte, and the listener serves the next client', async (t) => {
  const { port, ca } = await start(t);
  const broken: [string, Buffer][] = [
    ['no header, the protocol at once', Buffer.from('EHLO client\r\nGET / HTTP/1.0\r\n\r\n')],
    ['a TLS ClientHello instead', Buffer.from('160301020001', 'hex')],
    ['a TLV running past the header', v2Header(1, 0x11, Buffer.concat([Buffer.alloc(12), Buffer.from([0x02, 0x00, 0xff, 0x41])]))],
    ['an oversized header', v2Header(1, 0x11, Buffer.alloc(8000))],
    ['UDP', v2Header(1, 0x12, Buffer.alloc(12))],
    ['a v1 line without its end', Buffer.from(`PROXY TCP4 ${'9'.repeat(150)}`)],
  ];
  const greeting: Record<string, RegExp> = { smtp: /^220 /, imap: /^\* OK/, imaps: /^\* OK/, pop3: /^\+OK/ };
  for (const name of ['smtp', 'imap', 'pop3', 'http', 'imaps'] as const) {
    for (const [what, bytes] of broken) {
      const client = await connectThroughProxy(port(name), bytes);
      assert.equal(await firstLine(client), null, `${name}: ${what}`);
    }
    if (name === 'http') continue;
    const good = await connectThroughProxy(port(name), proxyHeaderFor('192.0.2.55'), { tls: name === 'imaps', ca });
    assert.match((await firstLine(good))!, greeting[name]!, name);
  }
});

test('a connection from outside proxy_from is refused, even with a well-formed header', async (t) => {
  const { port } = await start(t, ['192.0.2.0/24', '2001:db8::/32']);
  for (const name of ['smtp', 'imap', 'pop3'] as const) {
    assert.equal(await firstLine(await connectThroughProxy(port(name), proxyHeaderFor('203.0.113.7'))), null, name);
  }
});

test('through HAProxy (send-proxy-v2, with its health checks): SMTP\'s Received names the client behind it, IMAPS is served', async (t) => {
  if (!requireTool(t, 'haproxy')) return;
  const { store, port, ca } = await start(t);
  await addAccount(store, ALICE);
  const front = { smtp: await freePort(), imaps: await freePort() };
  const dir = tempDir(t);
  const config = join(dir, 'haproxy.cfg');
  const section = (name: keyof typeof front) => [
    `frontend ${name}`, `  bind 127.0.0.1:${front[name]}`, `  default_backend ${name}_mailfold`,
    `backend ${name}_mailfold`, `  server mailfold 127.0.0.1:${port(name)} send-proxy-v2 check inter 500ms`,
  ];
  writeFileSync(config, [
    'global', '  maxconn 100',
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s',
    ...section('smtp'), ...section('imaps'),
  ].join('\n') + '\n');
  const haproxy = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  haproxy.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(haproxy, 'exit');
  t.after(async () => {
    haproxy.kill('SIGTERM');
    await exited;
  });
  // HAProxy says nothing when it is ready: its port is tried until it answers.
  await waitForPort(front.smtp, () => `haproxy did not start:\n${output}`);

  // nodemailer from 127.0.0.2; HAProxy reaches Mailfold from 127.0.0.1.
  const transport = createTransport({ host: '127.0.0.1', port: front.smtp, localAddress: '127.0.0.2', ignoreTLS: true, name: 'client.example.net' });
  t.after(() => transport.close());
  await transport.sendMail({ from: 'someone@example.net', to: ALICE, subject: 'via HAProxy', text: 'Hello.\n' });
  const [stored] = await inbox(store, ALICE);
  assert.match(stored!.bytes.toString(), /^Received: from client\.example\.net \(\[127\.0\.0\.2\]\)/m);

  const imaps = await RawClient.connect(front.imaps, { tls: true, ca });
  assert.match((await firstLine(imaps))!, /^\* OK/);
});

/** Resolves once a TCP connection to `port` succeeds; the only way to know a silent tool is listening. */
async function waitForPort(port: number, failure: () => string): Promise<void> {
  const deadline = Date.now() + 20000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect({ port, host: '127.0.0.1' }, () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.destroy());
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
