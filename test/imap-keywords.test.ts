import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { addAccount, deliver, imapflow, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';

const MESSAGE = 'From: a@example.net\r\nTo: alice@example.org\r\nSubject: hi\r\n\r\nbody\r\n';

const python = (script: string, port: number) =>
  new Promise<string>((resolve, reject) =>
    execFile('python3', ['-c', script, String(port), PASSWORD], (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out.trim()))),
  );

/** The keywords of a `* FLAGS (...)` line, system flags left out. */
const keywordsOf = (line: string): string[] => line.replace(/^\* FLAGS \(|\)$/g, '').split(' ').filter((f) => f !== '' && !f.startsWith('\\'));

test('imap.max_keywords: imapflow fills a mailbox to the limit, PERMANENTFLAGS then drops \\*; imaplib gets NO [LIMIT] for a new keyword by STORE and APPEND, and for one over 50 bytes', async (t) => {
  const { store, port } = await startImapServer(t, (c) => (c.imap.max_keywords = 20));
  await addAccount(store, 'alice@example.org');
  await deliver(store, 'alice@example.org', MESSAGE);
  const client = await imapflow(t, port, 'alice@example.org');
  let mailbox = await client.mailboxOpen('INBOX');
  assert.ok(mailbox.permanentFlags?.has('\\*'), 'room for new keywords');
  assert.ok(await client.messageFlagsAdd('1', Array.from({ length: 20 }, (_, i) => `$tag${i}`)));
  await client.mailboxClose();
  mailbox = await client.mailboxOpen('INBOX');
  assert.equal([...mailbox.flags!].filter((f) => !f.startsWith('\\')).length, 20);
  assert.ok(!mailbox.permanentFlags?.has('\\*'), 'no room left: PERMANENTFLAGS says so');
  assert.ok(mailbox.permanentFlags?.has('$tag3'));

  const out = await python(
    `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('alice@example.org', sys.argv[2])
m.select('INBOX')
print(m.store('1', '+FLAGS', '(brandnew)'))
print(m.store('1', '+FLAGS', '($tag0 brandnew)'))
print(m.store('1', '-FLAGS', '($tag0)')[0])
print(m.store('1', '+FLAGS', '($tag0 \\\\Seen)')[0])
msg = b'Subject: x\\r\\n\\r\\nx\\r\\n'
print(m.append('INBOX', '(brandnew)', None, msg))
print(m.append('INBOX', '($tag1)', None, msg)[0])
print(m.store('1', '+FLAGS', '(' + 'x' * 51 + ')')[0])
print(m.fetch('1', '(FLAGS)')[1][0].count(b'$tag'))
m.logout()
`,
    port,
  );
  const lines = out.split('\n');
  assert.match(lines[0]!, /^\('NO', \[b'\[LIMIT\] .*maximum of 20 keywords/);
  assert.match(lines[1]!, /^\('NO', \[b'\[LIMIT\]/, 'a known keyword does not carry a new one in');
  assert.deepEqual(lines.slice(2, 4), ['OK', 'OK'], 'known keywords and system flags still change');
  assert.match(lines[4]!, /^\('NO', \[b'\[LIMIT\]/);
  assert.equal(lines[5], 'OK');
  assert.equal(lines[6], 'NO');
  assert.equal(lines[7], '20', 'the refused commands changed nothing');
  assert.equal((await store.messageStates((await store.getMailbox((await store.getAccount('alice@example.org'))!.id, 'INBOX'))!.id)).length, 2);
});

test('hostile: 10,000 distinct keywords by STORE and APPEND; past the limit each is NO [LIMIT], FLAGS stays at 128, another session is served', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  await deliver(store, 'alice@example.org', MESSAGE);
  const attacker = await RawImap.connect(port);
  t.after(() => attacker.close());
  await attacker.login('alice@example.org');
  await attacker.command('S', 'SELECT INBOX');

  // Pipelined, 500 commands a write: each one new keyword.
  const tagged: string[] = [];
  for (let batch = 0; batch < 20; batch++) {
    const tags = Array.from({ length: 500 }, (_, i) => `s${batch * 500 + i}`);
    attacker.send(tags.map((tag) => `${tag} STORE 1 +FLAGS.SILENT (kw${tag})\r\n`).join(''));
    tagged.push(...(await attacker.until(tags.at(-1)!)).filter((line) => /^s\d+ /.test(line)));
  }
  assert.equal(tagged.length, 10_000);
  assert.equal(tagged.filter((line) => / OK /.test(line)).length, 128);
  assert.equal(tagged.filter((line) => / NO \[LIMIT\] /.test(line)).length, 10_000 - 128);
  assert.ok(tagged.slice(0, 128).every((line) => / OK /.test(line)), 'the first 128 were taken');

  // One command with 1,000 new keywords, and an APPEND with them: refused whole.
  const many = Array.from({ length: 1000 }, (_, i) => `many${i}`).join(' ');
  assert.match((await attacker.command('M', `STORE 1 +FLAGS (${many})`)).at(-1)!, /^M NO \[LIMIT\]/);
  const body = 'Subject: x\r\n\r\nx\r\n';
  attacker.send(`A APPEND INBOX (${many}) {${body.length}+}\r\n${body}\r\n`);
  assert.match((await attacker.until('A')).at(-1)!, /^A NO \[LIMIT\]/);

  // A new session sees 128 keywords and no \*; the attacker's session still works too.
  const other = await RawImap.connect(port);
  t.after(() => other.close());
  await other.login('alice@example.org');
  const select = await other.command('O', 'SELECT INBOX');
  assert.equal(keywordsOf(select.find((l) => l.startsWith('* FLAGS '))!).length, 128);
  const permanent = select.find((l) => l.startsWith('* OK [PERMANENTFLAGS '))!;
  assert.ok(!permanent.includes('\\*'), permanent);
  assert.match(select.at(-1)!, /^O OK /);
  assert.match((await other.command('F', 'FETCH 1 FLAGS')).at(-1)!, /^F OK /);
  assert.match((await attacker.command('N', 'NOOP')).at(-1)!, /^N OK /);
  assert.equal((await store.messageStates((await store.getMailbox((await store.getAccount('alice@example.org'))!.id, 'INBOX'))!.id)).length, 1);
});
