import assert from 'node:assert/strict';
import { chownSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import { createSelfSigned } from '../src/tls/self-signed.ts';
import { mxZone, startDns } from './helpers/dns.ts';
import { sharedPort } from './helpers/peer.ts';
import { startPostfix } from './helpers/postfix.ts';
import { untilEmpty, untilQueue } from './helpers/queue.ts';
import { addAccount, inbox, PASSWORD, requireTool, startSmtpServer } from './helpers/smtp.ts';

const A = '127.0.0.2';
const POSTFIX = '127.0.0.6';
/** The unprivileged user Postfix's virtual agent writes maildirs as (nobody). */
const MAIL_UID = 65534;

/** Postfix as the MX of p.test, where bob@p.test has a maildir, relaying a.test to Mailfold. Returns the maildir. */
async function startPeer(t: TestContext, port: number): Promise<string> {
  let maildir = '';
  await startPostfix(t, {
    hostname: 'mx.p.test',
    address: POSTFIX,
    port,
    prepare: async (dir) => {
      maildir = join(dir, 'mail', 'bob');
      for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
      for (const d of [join(dir, 'mail'), maildir, ...['new', 'cur', 'tmp'].map((s) => join(maildir, s))]) chownSync(d, MAIL_UID, MAIL_UID);
      const cert = await createSelfSigned('mx.p.test');
      writeFileSync(join(dir, 'etc', 'tls.pem'), cert.keyPem + cert.certPem, { mode: 0o600 });
    },
    main: (dir) => [
      'mydomain = p.test',
      'myorigin = p.test',
      'virtual_mailbox_domains = p.test',
      `virtual_mailbox_base = ${join(dir, 'mail')}`,
      'virtual_mailbox_maps = inline:{ bob@p.test=bob/ }',
      `virtual_uid_maps = static:${MAIL_UID}`,
      `virtual_gid_maps = static:${MAIL_UID}`,
      // Mail for a.test goes straight to Mailfold's MX: Postfix reads only the system's DNS.
      `transport_maps = inline:{ a.test=smtp:[${A}]:${port} }`,
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
      `smtpd_tls_chain_files = ${join(dir, 'etc', 'tls.pem')}`,
      'smtpd_tls_security_level = may',
      'smtp_tls_security_level = may',
      'smtp_helo_name = mx.p.test',
    ],
  });
  return maildir;
}

/** The first message Postfix files into the maildir, once it is there. */
function nextMail(maildir: string): Promise<string> {
  const dir = join(maildir, 'new');
  return new Promise((resolve) => {
    const look = () => {
      const [file] = readdirSync(dir);
      if (!file) return;
      watcher.close();
      resolve(readFileSync(join(dir, file), 'utf8'));
    };
    const watcher = watch(dir, look);
    look();
  });
}

test('Postfix as a peer: it takes Mailfold\'s outbound mail as the MX of its domain, refuses an unknown user, and relays mail to Mailfold', async (t) => {
  if (!requireTool(t, 'postfix')) return;
  const dns = await startDns(t, mxZone({ 'a.test': A, 'p.test': POSTFIX }));
  const port = await sharedPort([A, POSTFIX]);
  const a = await startSmtpServer(t, (c) => {
    c.listeners.smtp = { enabled: true, address: A, port };
    c.queue.mx_port = port;
    c.dns.servers = [dns.server];
  });
  await addAccount(a.store, 'alice@a.test');
  const maildir = await startPeer(t, port);

  const submit = createTransport({ host: '127.0.0.1', port: a.submission, secure: false, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  await submit.sendMail({ from: 'alice@a.test', to: 'bob@p.test', subject: 'To Postfix', text: 'Hello Bob.' });
  const received = await nextMail(maildir);
  assert.match(received, /^Subject: To Postfix$/m);
  assert.match(received, /^Return-Path: <alice@a\.test>$/m);
  // Postfix's own Received line: "ESMTPS", so Mailfold's queue used STARTTLS.
  assert.match(received, /^Received: from localhost \(\S+ \[127\.0\.0\.\d+\]\)\n\tby mx\.p\.test \(Postfix\) with ESMTPS id /m);
  await untilEmpty(a.server.queue);

  await submit.sendMail({ from: 'alice@a.test', to: 'nobody@p.test', subject: 'To nobody', text: 'Anyone?' });
  const [bounce] = await untilQueue(a.server.queue, async () => {
    const messages = await inbox(a.store, 'alice@a.test');
    return messages.length === 1 && messages.map((m) => m.bytes.toString());
  });
  assert.match(bounce!, /Final-Recipient: rfc822; nobody@p\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.p\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1 <nobody@p\.test>/);

  // Postfix relays to Mailfold's MX: the message lands in Alice's INBOX.
  const arrived = new Promise<void>((resolve) => {
    const off = a.store.on((event) => {
      if (event.type === 'append') {
        off();
        resolve();
      }
    });
  });
  const relay = createTransport({ host: POSTFIX, port, secure: false, ignoreTLS: true, name: 'client.p.test' });
  await relay.sendMail({ from: 'carol@p.test', to: 'alice@a.test', subject: 'Via Postfix', text: 'Relayed.' });
  await arrived;
  const [, relayed] = (await inbox(a.store, 'alice@a.test')).map((m) => m.bytes.toString());
  assert.match(relayed!, /^Return-Path: <carol@p\.test>\r\nDelivered-To: alice@a\.test\r\nX-Spam-Flag: NO\r\nX-Spam-Score: \S+\r\nX-Spam-Status: [^\r]*\r\nAuthentication-Results: localhost;(?:\r\n [^\r]*)*\r\nReceived: from mx\.p\.test /);
  assert.match(relayed!, /Subject: Via Postfix/);
});
