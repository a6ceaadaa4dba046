import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminService } from '../src/admin/service.ts';
import { deriveScramKeys } from '../src/auth/scram.ts';
import { adminSettings } from '../src/server.ts';
import { startFullServer } from './helpers/http.ts';
import { RawImap } from './helpers/imap.ts';
import { RawClient } from './helpers/pop3.ts';
import { ScramClient, b64, unb64 } from './helpers/scram-client.ts';
import { SmtpClient } from './helpers/smtp.ts';
import { addAccount } from './helpers/store.ts';

const ALICE = 'alice@example.org';
const PASSWORD = 'correct horse battery';

async function setUp(t: import('node:test').TestContext) {
  const full = await startFullServer(t, () => {}, async (store) => {
    await addAccount(store, ALICE);
    await store.updateAccount(ALICE, { scram: deriveScramKeys(PASSWORD) });
  });
  const admin = new AdminService(full.store, adminSettings(full.config));
  return { ...full, admin };
}

async function pop3Login(port: number, user: string, password: string): Promise<string> {
  const c = await RawClient.connect(port);
  await c.line();
  c.send(`USER ${user}\r\n`);
  await c.line();
  c.send(`PASS ${password}\r\n`);
  const answer = (await c.line()) ?? 'closed';
  c.socket.destroy();
  return answer;
}

async function smtpLogin(port: number, mechanism: 'PLAIN' | 'LOGIN', user: string, password: string): Promise<string> {
  const c = await SmtpClient.connect(port);
  await c.hello();
  let answer: string;
  if (mechanism === 'PLAIN') answer = await c.authPlain(user, password);
  else {
    await c.cmd('AUTH LOGIN');
    await c.cmd(b64(user));
    answer = await c.cmd(b64(password));
  }
  c.socket.destroy();
  return answer;
}

/** LOGIN on one connection, AUTHENTICATE PLAIN on another: both answers. */
async function imapLogin(port: number, user: string, password: string): Promise<string> {
  const answers: string[] = [];
  for (const [tag, command] of [['a', `LOGIN ${JSON.stringify(user)} ${JSON.stringify(password)}`], ['b', `AUTHENTICATE PLAIN ${b64(`\0${user}\0${password}`)}`]]) {
    const c = await RawImap.connect(port);
    answers.push((await c.command(tag!, command!)).at(-1)!);
    c.socket.destroy();
  }
  return answers.join('\n');
}

test('an app password logs in over IMAP, POP3 and SMTP (PLAIN and LOGIN) until it is revoked', async (t) => {
  const { admin, port } = await setUp(t);
  const made = await admin.appPasswordAdd({ address: ALICE, name: 'phone' });
  assert.match(made.password, /^[a-z2-9]{5}(?:-[a-z2-9]{5}){3}$/);
  assert.deepEqual((await admin.appPasswordList({ address: ALICE })).map((p) => p.name), ['phone']);
  assert.doesNotMatch(JSON.stringify(await admin.appPasswordList({ address: ALICE })), new RegExp(made.password), 'never listed again');

  for (const password of [made.password, made.password.toUpperCase(), PASSWORD]) {
    assert.match(await imapLogin(port('imap'), ALICE, password), /^a OK .*\nb OK /s, `IMAP ${password}`);
    assert.match(await pop3Login(port('pop3'), ALICE, password), /^\+OK/, `POP3 ${password}`);
    assert.match(await smtpLogin(port('submission'), 'PLAIN', ALICE, password), /^235 /, `SMTP PLAIN ${password}`);
    assert.match(await smtpLogin(port('submission'), 'LOGIN', ALICE, password), /^235 /, `SMTP LOGIN ${password}`);
  }

  await admin.appPasswordRemove({ address: ALICE, id: made.id });
  assert.match(await imapLogin(port('imap'), ALICE, made.password), /^a NO .*\nb NO /s);
  assert.match(await pop3Login(port('pop3'), ALICE, made.password), /^-ERR/);
  assert.match(await smtpLogin(port('submission'), 'PLAIN', ALICE, made.password), /^535 /);
  assert.match(await imapLogin(port('imap'), ALICE, PASSWORD), /^a OK /, 'the main password still works');
});

test("an app password is one account's only, and SCRAM takes the main password alone", async (t) => {
  const { admin, store, port } = await setUp(t);
  await addAccount(store, 'bob@example.org');
  const bobs = await admin.appPasswordAdd({ address: 'bob@example.org', name: 'laptop' });
  assert.match(await imapLogin(port('imap'), ALICE, bobs.password), /^a NO /, "not alice's");
  const alices = await admin.appPasswordAdd({ address: ALICE, name: 'tablet' });

  const c = await RawImap.connect(port('imap'));
  for (const [password, expected] of [[alices.password, /^s NO /], [PASSWORD, /^s OK /]] as const) {
    const client = new ScramClient({ username: ALICE, password });
    c.send(`s AUTHENTICATE SCRAM-SHA-256 ${b64(client.first())}\r\n`);
    const first = (await c.line())!;
    c.send(`${b64(client.final(unb64(first.slice(2))))}\r\n`);
    let line = (await c.line())!;
    if (line.startsWith('+ ')) {
      c.send('\r\n');
      line = (await c.until('s')).at(-1)!;
    }
    assert.match(line, expected, password);
  }
  c.socket.destroy();
});

test('app passwords are named, bounded and refused when malformed', async (t) => {
  const { admin } = await setUp(t);
  await admin.appPasswordAdd({ address: ALICE, name: 'phone' });
  await assert.rejects(admin.appPasswordAdd({ address: ALICE, name: 'phone' }), /already an app password named/);
  for (const name of ['', '   ', 'x'.repeat(65), 'bad\nname']) {
    await assert.rejects(admin.appPasswordAdd({ address: ALICE, name }), /needs a name/, JSON.stringify(name));
  }
  for (let i = 1; i < 50; i++) await admin.appPasswordAdd({ address: ALICE, name: `device ${i}` });
  await assert.rejects(admin.appPasswordAdd({ address: ALICE, name: 'one too many' }), /at most 50 app passwords/);
  await assert.rejects(admin.appPasswordRemove({ address: ALICE, id: '../x' }), /not an app password id/);
  await assert.rejects(admin.appPasswordAdd({ address: 'nobody@example.org', name: 'x' }), /no such account/);
});
