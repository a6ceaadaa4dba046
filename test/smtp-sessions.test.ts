import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverCa, SmtpClient, startSmtpServer } from './helpers/smtp.ts';

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
