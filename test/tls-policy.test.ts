import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { startFullServer } from './helpers/http.ts';
import { RawClient, serverCa } from './helpers/pop3.ts';
import { SmtpClient } from './helpers/smtp.ts';

/** The handshake's outcome with these client settings: the version and suite, or the error. */
async function handshake(port: number, opts: ConnectionOptions): Promise<{ version: string; cipher: string } | { error: string }> {
  const socket: TLSSocket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...opts });
  try {
    await once(socket, 'secureConnect');
    return { version: socket.getProtocol() ?? '', cipher: socket.getCipher().standardName };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    socket.destroy();
  }
}

test('TLS 1.2 and 1.3 only, forward-secret AEAD suites, the server chooses the suite', async (t) => {
  const { port } = await startFullServer(t);
  for (const listener of ['imaps', 'pop3s', 'submissions', 'https'] as const) {
    const p = port(listener);
    assert.deepEqual(await handshake(p, {}), { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }, listener);
    // SECLEVEL=0 lets the client offer what the server must refuse.
    const old = await handshake(p, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.ok('error' in old, `${listener} refuses TLS 1.1`);
    const noForwardSecrecy = await handshake(p, { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-SHA' });
    assert.ok('error' in noForwardSecrecy, `${listener} refuses RSA key exchange and CBC suites`);
    // The client prefers ChaCha20; the server's order puts AES-GCM first and wins.
    const chosen = await handshake(p, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256' });
    assert.deepEqual(chosen, { version: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }, listener);
  }
});

test('a command pipelined in the same packet as STARTTLS is not executed (IMAP, POP3, SMTP)', { timeout: 60_000 }, async (t) => {
  const { store, port } = await startFullServer(t);
  const ca = await serverCa(store);

  // IMAP: a LOGOUT riding along with STARTTLS would end the session inside TLS.
  const imap = await RawClient.connect(port('imap'));
  t.after(() => imap.socket.destroy());
  assert.match((await imap.line())!, /^\* OK/);
  imap.send('a STARTTLS\r\nb LOGOUT\r\n');
  assert.match((await imap.line())!, /^a OK/);
  await imap.startTls(ca);
  imap.send('c NOOP\r\n');
  assert.equal(await imap.line(), 'c OK NOOP completed');

  // POP3: a QUIT after STLS would close the connection.
  const pop3 = await RawClient.connect(port('pop3'));
  t.after(() => pop3.socket.destroy());
  assert.match((await pop3.line())!, /^\+OK/);
  pop3.send('STLS\r\nQUIT\r\n');
  assert.match((await pop3.line())!, /^\+OK/);
  await pop3.startTls(ca);
  assert.match(await pop3.command('CAPA'), /^\+OK/);
  const capa = await pop3.multiLine();
  assert.ok(capa.includes('USER'), JSON.stringify(capa));
  assert.equal(pop3.closed, false);

  // SMTP: a MAIL FROM after STARTTLS would be answered (503, no EHLO yet) before our EHLO.
  const smtp = await SmtpClient.connect(port('submission'));
  t.after(() => smtp.socket.destroy());
  await smtp.hello();
  smtp.send('STARTTLS\r\nMAIL FROM:<injected@example.net>\r\n');
  assert.match((await smtp.reply()).at(-1)!, /^220 /);
  await smtp.startTls(ca);
  smtp.send('EHLO client.example.net\r\n');
  const reply = await smtp.reply();
  assert.match(reply[0]!, /^250[- ]/, `the first answer inside TLS is EHLO's: ${JSON.stringify(reply)}`);
  assert.match(await smtp.cmd('NOOP'), /^250 /);
});
