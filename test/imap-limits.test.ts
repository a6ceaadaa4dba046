import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { addAccount, imapflow, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';

const python = (script: string, port: number) =>
  new Promise<string>((resolve, reject) =>
    execFile('python3', ['-c', script, String(port), PASSWORD], (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out.trim()))),
  );

test('limits.imap_connections_per_account: logins past it get NO [LIMIT], other accounts and later logins are served', async (t) => {
  const { store, port, tlsPort } = await startImapServer(t, (c) => (c.limits.imap_connections_per_account = 2));
  await addAccount(store, 'alice@example.org');
  await addAccount(store, 'bob@example.org');
  // Two sessions of alice, over both listeners: the limit is per account, not per port or address.
  const first = await RawImap.connect(port);
  t.after(() => first.close());
  await first.login('alice@example.org');
  const ca = (await store.getCertificate('localhost'))!.certPem;
  await imapflow(t, tlsPort, 'alice@example.org', { secure: true, ca });

  // A third one: imapflow's login fails with the response code.
  const third = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: 'alice@example.org', pass: PASSWORD }, logger: false });
  third.on('error', () => {});
  await assert.rejects(third.connect(), (err: Error & { serverResponseCode?: string; responseText?: string }) => {
    assert.equal(err.serverResponseCode, 'LIMIT', JSON.stringify(err));
    return true;
  });
  third.close();

  // Python imaplib sees the same NO; the session stays usable for another account.
  const out = await python(
    `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
try:
    m.login('alice@example.org', sys.argv[2])
    print('logged in')
except imaplib.IMAP4.error as e:
    print(str(e)[:9], m.state, m.login('bob@example.org', sys.argv[2])[0], m.logout()[0])
`,
    port,
  );
  assert.equal(out, "b'[LIMIT] NONAUTH OK BYE");
  const bob = await imapflow(t, port, 'bob@example.org');
  assert.ok(bob.authenticated);

  // The same raw session may try again; once a session of alice ends, a login succeeds.
  const waiting = await RawImap.connect(port);
  t.after(() => waiting.close());
  assert.match((await waiting.command('a', `LOGIN alice@example.org "${PASSWORD}"`)).at(-1)!, /^a NO \[LIMIT\] /);
  assert.match((await first.command('o', 'LOGOUT')).at(-1)!, /^o OK/);
  await first.closedByServer();
  // The server counts the session out once it has finished with it: retry, one round trip at a time.
  let answer = '';
  for (let i = 0; i < 100 && !answer.startsWith('b OK'); i++) answer = (await waiting.command('b', `LOGIN alice@example.org "${PASSWORD}"`)).at(-1)!;
  assert.match(answer, /^b OK /);
  // A wrong password is still a wrong password, not a limit.
  const wrong = await RawImap.connect(port);
  t.after(() => wrong.close());
  assert.match((await wrong.command('w', 'LOGIN alice@example.org "wrong password"')).at(-1)!, /^w NO \[AUTHENTICATIONFAILED\]/);
});
