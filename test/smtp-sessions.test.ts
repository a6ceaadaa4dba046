import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { addAccount, inbox, serverCa, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

test('the greeting pause is the MX\'s alone: a client that talks first is served on submission and LMTP', async (t) => {
  const { mx, submission, submissions, server, store } = await startSmtpServer(t, (c) => (c.lmtp = { enabled: true, address: '127.0.0.1', port: 0 }));
  const lmtp = typeof server.lmtp === 'object' ? server.lmtp.port : 0;
  const early = async (port: number, hello: string, tls = false) => {
    const client = await SmtpClient.connect(port, tls ? { tls: true, ca: await serverCa(store) } : {});
    t.after(() => client.close());
    client.send(`${hello} client.example.net\r\n`);
    return [(await client.reply()).at(-1)!, (await client.reply()).at(-1)!];
  };
  for (const [port, hello, tls] of [[submission, 'EHLO', false], [submissions, 'EHLO', true], [lmtp, 'LHLO', false]] as const) {
    const [greeting, answer] = await early(port, hello, tls);
    assert.match(greeting!, /^220 /, String(port));
    assert.match(answer!, /^250 /, String(port));
  }
  const mxClient = await SmtpClient.connect(mx);
  t.after(() => mxClient.close());
  mxClient.send('EHLO client.example.net\r\n');
  assert.match((await mxClient.reply())[0]!, /^421 .*talk too soon/);
});

/** Sends `piece` every `ms` milliseconds until the server closes the connection; returns the lines it said meanwhile. */
async function trickleUntilClosed(client: SmtpClient, piece: string, ms = 50): Promise<string[]> {
  const timer = setInterval(() => client.send(piece), ms);
  try {
    const lines: string[] = [];
    for (let line = await client.line(); line !== null; line = await client.line()) lines.push(line);
    return lines;
  } finally {
    clearInterval(timer);
  }
}

test('trickled bytes do not hold a session: a command line, or a line of DATA, must arrive complete within smtp.command_timeout', async (t) => {
  const logged: string[] = [];
  const { promise: disconnected, resolve: disconnect } = Promise.withResolvers<void>();
  const log = pino({ level: 'info' }, {
    write: (line: string) => {
      logged.push(line);
      if (line.includes('"msg":"disconnect"')) disconnect();
    },
  });
  const { mx, submission, store } = await startSmtpServer(t, (c) => (c.smtp.command_timeout = 1), log);
  await addAccount(store, 'alice@example.org');
  const command = await SmtpClient.connect(mx);
  t.after(() => command.close());
  await command.reply();
  assert.match((await trickleUntilClosed(command, 'E')).at(-1)!, /^421 4\.4\.2 No complete command line within 1 seconds/);
  // One line says who was cut off and why, for fail2ban.
  await disconnected;
  const cut = logged.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.msg === 'disconnect');
  assert.equal(cut.length, 1);
  assert.equal(cut[0]!.ip, '127.0.0.1');
  assert.match(String(cut[0]!.reason), /^421 4\.4\.2 No complete command line/);

  // After STARTTLS the lines come on the TLS socket, with the same deadline.
  const secure = await SmtpClient.connect(submission);
  t.after(() => secure.close());
  await secure.hello();
  assert.match(await secure.cmd('STARTTLS'), /^220/);
  await secure.startTls(await serverCa(store));
  assert.match((await trickleUntilClosed(secure, 'N')).at(-1)!, /^421 4\.4\.2 /);

  const data = await SmtpClient.connect(mx);
  t.after(() => data.close());
  await data.hello();
  assert.match(await data.cmd('MAIL FROM:<bob@example.net>'), /^250/);
  assert.match(await data.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await data.cmd('DATA'), /^354/);
  data.send('Subject: slow\r\n\r\n');
  assert.match((await trickleUntilClosed(data, 'x')).at(-1)!, /^421 4\.4\.2 /);
  assert.equal((await inbox(store, 'alice@example.org')).length, 0);
});

test('a session must start a transaction, or log in, within smtp.pre_mail_timeout; complete lines do not extend it', async (t) => {
  const { mx, submission, store } = await startSmtpServer(t, (c) => (c.smtp.pre_mail_timeout = 1));
  await addAccount(store, 'alice@example.org');
  for (const port of [mx, submission]) {
    const idler = await SmtpClient.connect(port);
    t.after(() => idler.close());
    await idler.hello();
    // Slow enough to stay under smtp-server's 10 commands before AUTH.
    const lines = await trickleUntilClosed(idler, 'NOOP\r\n', 250);
    assert.match(lines.at(-1)!, /^421 4\.4\.2 No mail transaction started within 1 seconds/);
  }
  // Both connected before the idler below; both are past the deadline when it is cut.
  const sender = await SmtpClient.connect(mx);
  const user = await SmtpClient.connect(submission);
  const idler = await SmtpClient.connect(mx);
  t.after(() => [sender, user, idler].forEach((c) => c.close()));
  await sender.hello();
  assert.match(await sender.cmd('MAIL FROM:<bob@example.net>'), /^250/);
  await user.hello();
  assert.match(await user.authPlain('alice@example.org'), /^235/);
  await idler.hello();
  await trickleUntilClosed(idler, 'NOOP\r\n', 250);
  assert.match(await sender.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await sender.data(message('in time')), /^250/);
  assert.match(await user.cmd('NOOP'), /^250/);
});

test('a line longer than limits.line_length in DATA is refused after the message (500 5.5.2), and the session goes on', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  const send = async (body: string) => {
    assert.match(await client.cmd('MAIL FROM:<bob@example.net>'), /^250/);
    assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
    return client.data(`Subject: lines\r\n\r\n${body}\r\n`);
  };
  assert.match(await send(`short\r\n${'x'.repeat(200_000)}\r\nshort`), /^500 5\.5\.2 Line too long/);
  assert.match(await send('x'.repeat(200_000)), /^500 5\.5\.2 /);
  assert.match(await send(`${'x'.repeat(65536)}\r\n${'y'.repeat(1000)}`), /^250 /);
  assert.equal((await inbox(store, 'alice@example.org')).length, 1);
});

test('AUTH lines are bounded: a 20,000-character AUTH or SASL answer line gets 421 and the connection is closed', async (t) => {
  const { submission, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  const plain = await SmtpClient.connect(submission);
  t.after(() => plain.close());
  await plain.hello();
  plain.send(`AUTH PLAIN ${'A'.repeat(20_000)}\r\n`);
  assert.match((await plain.reply()).at(-1)!, /^421 .*too long/i);
  await plain.closedByServer();

  const login = await SmtpClient.connect(submission);
  t.after(() => login.close());
  await login.hello();
  assert.match(await login.cmd('AUTH LOGIN'), /^334 /);
  login.send(`${'A'.repeat(20_000)}`);
  assert.match((await login.reply()).at(-1)!, /^421 .*too long/i);
  await login.closedByServer();
});

test('shutdown closes an idle session at once with 421, even when the client keeps its side open', async (t) => {
  const { mx, server } = await startSmtpServer(t);
  const socket = connect({ port: mx, host: '127.0.0.1', allowHalfOpen: true });
  await once(socket, 'connect');
  const idle = new SmtpClient(socket);
  t.after(() => idle.close());
  await idle.hello();
  const closing = server.close();
  assert.match((await idle.reply()).at(-1)!, /^421 4\.3\.2 Service shutting down/);
  // The server ends its side and lets the socket go without waiting for ours.
  if (!socket.readableEnded) await once(socket, 'end');
  await closing;
  assert.equal(socket.writableEnded, false, 'the client never closed its side');
});
