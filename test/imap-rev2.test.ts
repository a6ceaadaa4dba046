import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { deliver, imapflow, PASSWORD, RawImap } from './helpers/imap.ts';
import { ALICE, assertAllBad, serverWithInbox } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

const run = promisify(execFile);
const untagged = (lines: string[]) => lines.filter((l) => l.startsWith('* '));
/** A string as it travels: UTF-8 bytes read one char per byte. */
const wire = (s: string) => Buffer.from(s).toString('latin1');

/** alice with m1..m3 in INBOX and "Projects/2026", whose parent "Projects" exists only through it. */
async function setup(t: TestContext) {
  const env = await serverWithInbox(t, 3);
  const account = (await env.store.getAccount(ALICE))!;
  await env.store.createMailbox(account.id, 'Projects/2026');
  return { ...env, account };
}

async function rawSession(t: TestContext, port: number): Promise<RawImap> {
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  return c;
}

test('ENABLE IMAP4rev2: advertised with IMAP4rev1, refused before login, malformed forms are BAD, a second ENABLE lists nothing', async (t) => {
  const env = await setup(t);
  const c = await rawSession(t, env.port);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, /^\* CAPABILITY IMAP4rev1 IMAP4rev2 /);
  // RFC 5161 3.1: only in the authenticated state.
  assert.deepEqual(await c.command('e', 'ENABLE IMAP4rev2'), ['e BAD ENABLE is not allowed before login']);
  await c.login(ALICE);
  await assertAllBad(c, ['ENABLE', 'ENABLE ', 'ENABLE (IMAP4rev2)', 'ENABLE "IMAP4rev2"', 'ENABLE IMAP4rev2  CONDSTORE', 'ENABLE {9}\r\nIMAP4rev2', `ENABLE ${'X'.repeat(70000)}`]);
  // None of those enabled anything: a plain SEARCH still answers SEARCH.
  await c.command('s', 'SELECT INBOX');
  assert.deepEqual(await c.command('q', 'SEARCH ALL'), ['* SEARCH 1 2 3', 'q OK SEARCH completed']);
  await c.command('u', 'UNSELECT');
  // Unknown names are ignored; names are case-insensitive and answered as advertised.
  assert.deepEqual(await c.command('e1', 'ENABLE imap4REV2 X-UNKNOWN CONDSTORE imap4rev2'), ['* ENABLED IMAP4rev2 CONDSTORE', 'e1 OK ENABLE completed']);
  assert.deepEqual(await c.command('e2', 'ENABLE IMAP4rev2 CONDSTORE'), ['* ENABLED', 'e2 OK ENABLE completed']);
  assert.deepEqual(await c.command('e3', 'ENABLE UTF8=ACCEPT'), ['* ENABLED UTF8=ACCEPT', 'e3 OK ENABLE completed']);
});

test('IMAP4rev2 session (raw): SELECT without RECENT and with LIST, ESEARCH for every SEARCH, $, STATUS, \\NonExistent, OLDNAME', async (t) => {
  const env = await setup(t);
  const c = await rawSession(t, env.port);
  await c.login(ALICE);
  await c.command('e', 'ENABLE IMAP4rev2');
  const select = await c.command('s', 'SELECT INBOX');
  assert.deepEqual(select.filter((l) => /RECENT|UNSEEN/.test(l)), [], 'no RECENT response, no UNSEEN code');
  assert.ok(select.includes('* 3 EXISTS'), select.join('\n'));
  assert.ok(select.includes('* LIST (\\HasNoChildren) "/" "INBOX"'), select.join('\n'));
  assert.match(select.at(-1)!, /^s OK \[READ-WRITE\]/);

  assert.deepEqual(await c.command('a', 'SEARCH ALL'), ['* ESEARCH (TAG "a") ALL 1:3', 'a OK SEARCH completed']);
  assert.deepEqual(await c.command('b', 'UID SEARCH SUBJECT m2'), ['* ESEARCH (TAG "b") UID ALL 2', 'b OK SEARCH completed']);
  assert.deepEqual(await c.command('n', 'SEARCH SUBJECT nothing-matches'), ['* ESEARCH (TAG "n")', 'n OK SEARCH completed']);
  assert.deepEqual(await c.command('k', 'SEARCH RETURN (COUNT MIN) NOT SUBJECT m1'), ['* ESEARCH (TAG "k") MIN 2 COUNT 2', 'k OK SEARCH completed']);
  assert.deepEqual(await c.command('v', 'SEARCH RETURN (SAVE) SUBJECT m3'), ['v OK SEARCH completed']);
  assert.deepEqual(await c.command('w', 'SEARCH $'), ['* ESEARCH (TAG "w") ALL 3', 'w OK SEARCH completed']);
  assert.deepEqual(await c.command('f', 'FETCH $ (UID FLAGS)'), ['* 3 FETCH (UID 3 FLAGS ())', 'f OK FETCH completed']);
  const modseq = await c.command('m', 'SEARCH MODSEQ 1');
  // SEARCH MODSEQ enables CONDSTORE: HIGHESTMODSEQ first (RFC 7162 3.1).
  assert.match(modseq[0]!, /^\* OK \[HIGHESTMODSEQ \d+\] Highest$/);
  assert.match(modseq[1]!, /^\* ESEARCH \(TAG "m"\) ALL 1:3 MODSEQ \d+$/);

  // BINARY is part of IMAP4rev2.
  c.send('y FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])\r\n');
  assert.deepEqual(await c.until('y'), ['* 1 FETCH (BINARY.SIZE[1] 8 BINARY[1] ~{8}', 'Hello.', ')', 'y OK FETCH completed']);

  await c.command('d', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
  const status = await c.command('t', 'STATUS INBOX (MESSAGES SIZE DELETED UNSEEN)');
  assert.match(status[0]!, /^\* STATUS "INBOX" \(MESSAGES 3 SIZE \d+ DELETED 1 UNSEEN 3\)$/);
  const size = (await env.store.getMailbox(env.account.id, 'INBOX'))!.size;
  assert.equal(status[0], `* STATUS "INBOX" (MESSAGES 3 SIZE ${size} DELETED 1 UNSEEN 3)`);

  // A name only its children imply does not exist (RFC 9051 7.3.1).
  const list = await c.command('l', 'LIST "" "Projects*"');
  assert.deepEqual(untagged(list), ['* LIST (\\NonExistent \\HasChildren) "/" "Projects"', '* LIST (\\HasNoChildren) "/" "Projects/2026"']);
  assert.match((await c.command('x', 'SELECT Projects')).at(-1)!, /^x NO \[NONEXISTENT\]/);
  assert.deepEqual(await c.command('r', 'RENAME Projects/2026 Projects/2025'), ['* LIST (\\HasNoChildren) "/" "Projects/2025" ("OLDNAME" ("Projects/2026"))', 'r OK RENAME completed']);

  // Mailbox names are UTF-8; one sent decomposed is created in NFC and the answer says so.
  const decomposed = 'Cafe\u0301';
  c.send(`c CREATE "${decomposed}"\r\n`);
  const created = await c.until('c');
  assert.deepEqual(created.slice(0, 3), [
    `* LIST (\\HasNoChildren) "/" {${Buffer.byteLength('Café')}}`,
    `${wire('Café')} ("OLDNAME" ({${Buffer.byteLength(decomposed)}}`,
    `${wire(decomposed)}))`,
  ]);
  assert.match(created.at(-1)!, /^c OK \[MAILBOXID \(\w+\)\] CREATE completed$/);
  assert.ok(await env.store.getMailbox(env.account.id, 'Café'));
  assert.ok(!(await env.store.getMailbox(env.account.id, decomposed)));
  c.send(`o EXAMINE "${decomposed}"\r\n`);
  const examined = await c.until('o');
  assert.ok(examined.includes(`${wire(decomposed)}))`), examined.join('\n'));
  assert.match(examined.at(-1)!, /^o OK \[READ-ONLY\]/);

  // Only Net-Unicode names can be created (RFC 9051 5.1): not bytes that are not UTF-8, no control characters.
  c.send(Buffer.concat([Buffer.from('c1 CREATE {3}\r\n'), Buffer.from([0x61, 0xff, 0x62]), Buffer.from('\r\n')]));
  assert.deepEqual(await c.until('c1'), ['+ Ready for literal data', 'c1 NO [CANNOT] Mailbox names must be valid UTF-8 without control characters']);
  c.send('c2 RENAME INBOX {3+}\r\na\x01b\r\n');
  assert.deepEqual(await c.until('c2'), ['c2 NO [CANNOT] Mailbox names must be valid UTF-8 without control characters']);

  assert.deepEqual(await c.command('u', 'UNSELECT'), ['u OK UNSELECT completed']);
  assert.deepEqual(await c.command('ns', 'NAMESPACE'), ['* NAMESPACE (("" "/")) NIL NIL', 'ns OK NAMESPACE completed']);
  // LITERAL- (part of IMAP4rev2): a non-synchronizing literal up to 4096 octets.
  const msg = 'Subject: rev2\r\n\r\nbody\r\n';
  c.send(`p APPEND INBOX {${msg.length}+}\r\n${msg}\r\n`);
  assert.match((await c.until('p')).at(-1)!, /^p OK \[APPENDUID \d+ 4\]/);
});

test('IMAP4rev2 with two sessions: new mail and expunges reach the other without RECENT; UID EXPUNGE', async (t) => {
  const env = await setup(t);
  const a = await rawSession(t, env.port);
  const b = await rawSession(t, env.port);
  for (const c of [a, b]) {
    await c.login(ALICE);
    await c.command('e', 'ENABLE IMAP4rev2');
    await c.command('s', 'SELECT INBOX');
  }
  await deliver(env.store, ALICE, message('m4'));
  assert.deepEqual(await b.command('b1', 'STORE 1 +FLAGS.SILENT (\\Deleted)'), ['* 4 EXISTS', 'b1 OK STORE completed']);
  assert.deepEqual(await b.command('b2', 'UID EXPUNGE 1'), ['* 1 EXPUNGE', 'b2 OK UID EXPUNGE completed']);
  assert.deepEqual(await a.command('a1', 'NOOP'), ['* 1 EXPUNGE', '* 3 EXISTS', 'a1 OK NOOP completed']);
  assert.deepEqual(await a.command('a2', 'SEARCH ALL'), ['* ESEARCH (TAG "a2") ALL 1:3', 'a2 OK SEARCH completed']);
});

test('IMAP4rev2 with imapflow: it enables rev2 by itself; search, status, list, rename, create, download', async (t) => {
  const env = await setup(t);
  const client = await imapflow(t, env.port, ALICE);
  assert.ok(client.enabled.has('IMAP4REV2'), [...client.enabled].join(' '));
  const box = await client.mailboxOpen('INBOX');
  assert.equal(box.exists, 3);
  assert.deepEqual(await client.search({ subject: 'm2' }), [2]);
  assert.deepEqual(await client.search({ all: true }, { uid: true }), [1, 2, 3]);
  assert.deepEqual(await client.search({ subject: 'nothing-matches' }), []);
  await client.messageFlagsAdd('3', ['\\Deleted']);
  // SIZE and DELETED are IMAP4rev2 STATUS items (imapflow's types predate them).
  const status = (await client.status('INBOX', { messages: true, unseen: true, size: true, deleted: true } as Parameters<typeof client.status>[1])) as unknown as Record<string, number>;
  const size = (await env.store.getMailbox(env.account.id, 'INBOX'))!.size;
  assert.deepEqual([status.messages, status.unseen, status.size, status.deleted], [3, 3, size, 1]);
  const projects = (await client.list()).find((m) => m.path === 'Projects');
  assert.ok(projects?.flags.has('\\NonExistent') && projects.flags.has('\\Noselect'), JSON.stringify([...(projects?.flags ?? [])]));
  assert.ok(await client.mailboxRename('Projects/2026', 'Projects/2025'));
  assert.ok(await env.store.getMailbox(env.account.id, 'Projects/2025'));
  await client.mailboxCreate('Cafe\u0301/Te\u0301');
  assert.ok(await env.store.getMailbox(env.account.id, 'Café/Té'));
  const { content } = await client.download('1', '1');
  assert.ok(content);
  const parts: Buffer[] = [];
  for await (const chunk of content) parts.push(chunk as Buffer);
  assert.equal(Buffer.concat(parts).toString(), 'Hello.\r\n');
});

test('IMAP4rev2 with Python imaplib: ENABLE, ESEARCH for SEARCH and UID SEARCH, SELECT without RECENT, LIST, UNSELECT', async (t) => {
  const env = await setup(t);
  const script = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {'caps': [c for c in m.capabilities if c.startswith('IMAP4')]}
m.login('alice@example.org', sys.argv[2])
typ, data = m._simple_command('ENABLE', 'IMAP4rev2')
out['enable'] = [typ, [d.decode() for d in m._untagged_response(typ, data, 'ENABLED')[1]]]
typ, data = m.select('INBOX')
out['exists'] = data[0].decode()
out['recent'] = [d.decode() for d in m.response('RECENT')[1] if d]
out['list'] = [d.decode() for d in m.response('LIST')[1] if d]
typ, data = m._simple_command('SEARCH', 'NOT', 'SUBJECT', 'm1')
out['search'] = [typ, [d.decode() for d in m._untagged_response(typ, data, 'ESEARCH')[1]]]
typ, data = m._simple_command('UID', 'SEARCH', 'SUBJECT', 'm3')
out['uid_search'] = [typ, [d.decode() for d in m._untagged_response(typ, data, 'ESEARCH')[1]]]
typ, data = m.list('""', 'Projects*')
out['projects'] = [d.decode() for d in data]
typ, data = m._simple_command('UNSELECT')
out['unselect'] = typ
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;
  const { stdout } = await run('python3', ['-c', script, String(env.port), PASSWORD]);
  const out = JSON.parse(stdout) as { search: [string, string[]]; uid_search: [string, string[]] } & Record<string, unknown>;
  // The tag inside ESEARCH is imaplib's own; it only has to be a quoted tag.
  assert.match(out.search[1][0]!, /^\(TAG "[A-Z]+\d+"\) ALL 2:3$/);
  assert.match(out.uid_search[1][0]!, /^\(TAG "[A-Z]+\d+"\) UID ALL 3$/);
  assert.deepEqual({ ...out, search: out.search[0], uid_search: out.uid_search[0] }, {
    caps: ['IMAP4REV1', 'IMAP4REV2'],
    enable: ['OK', ['IMAP4rev2']],
    exists: '3',
    recent: [],
    list: ['(\\HasNoChildren) "/" "INBOX"'],
    search: 'OK',
    uid_search: 'OK',
    projects: ['(\\NonExistent \\HasChildren) "/" "Projects"', '(\\HasNoChildren) "/" "Projects/2026"'],
    unselect: 'OK',
    logout: 'BYE',
  });
});
