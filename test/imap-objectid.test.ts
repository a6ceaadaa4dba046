import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { emailId, mailboxId, threadId } from '../src/imap/object-id.ts';
import { parseFetch } from '../src/imap/fetch-query.ts';
import { Parser } from '../src/imap/parser.ts';
import { parseSearch } from '../src/imap/search-query.ts';
import { indexMessage } from '../src/mime/index.ts';
import { addAccount, deliver, imapflow, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';

const FIRST = 'From: Bob <bob@x.org>\r\nSubject: plan\r\nMessage-ID: <root@x>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nHello there,\r\n  the plan   is ready.\r\n';
const REPLY = 'From: Ann <ann@x.org>\r\nSubject: Re: plan\r\nMessage-ID: <reply@x>\r\nIn-Reply-To: <root@x>\r\nReferences: <root@x>\r\n\r\nThanks!\r\n';
const OLD = 'From: Old <old@x.org>\r\nSubject: old\r\n\r\nFrom long ago.\r\n';
const PREVIEW = indexMessage(Buffer.from(FIRST)).preview;

test('object ids, WITHIN, SAVEDATE and PREVIEW parse; bad arguments are refused', () => {
  assert.equal(mailboxId({ id: 7 }), 'F7');
  assert.equal(emailId({ blobId: 'abc123' }), 'Mabc123');
  const fields = indexMessage(Buffer.from(REPLY)).fields;
  assert.equal(threadId(fields, { blobId: 'a' }), threadId(indexMessage(Buffer.from(FIRST)).fields, { blobId: 'b' }));
  assert.equal(threadId(indexMessage(Buffer.from(OLD)).fields, { blobId: 'zz' }), 'Tzz');
  assert.match(threadId(fields, { blobId: 'a' }), /^T[0-9a-f]{24}$/);
  const key = (text: string) => parseSearch(new Parser(Buffer.from(text))).key;
  assert.deepEqual(key(' OLDER 60'), { type: 'age', op: 'older', seconds: 60 });
  assert.deepEqual(key(' YOUNGER 1'), { type: 'age', op: 'younger', seconds: 1 });
  assert.deepEqual(key(' SAVEDON 1-Feb-2026'), { type: 'date', of: 'saved', op: 'on', day: Date.UTC(2026, 1, 1) });
  assert.deepEqual(key(' SAVEDATESUPPORTED'), { type: 'all' });
  assert.deepEqual(key(' EMAILID M1_a-b'), { type: 'objectid', of: 'email', id: 'M1_a-b' });
  assert.deepEqual(key(' THREADID T1'), { type: 'objectid', of: 'thread', id: 'T1' });
  for (const bad of [' OLDER 0', ' OLDER', ' YOUNGER x', ' OLDER 99999999999', ' EMAILID', ' EMAILID a.b', ` THREADID ${'x'.repeat(256)}`, ' SAVEDBEFORE 30-Feb-2026', ' SAVEDSINCE']) {
    assert.throws(() => key(bad), { name: 'ParseError' }, bad);
  }
  const items = (text: string) => parseFetch(new Parser(Buffer.from(text)));
  assert.deepEqual(items(' (PREVIEW (LAZY) SAVEDATE EMAILID THREADID)').items.map((i) => i.type === 'simple' && i.name), ['PREVIEW', 'SAVEDATE', 'EMAILID', 'THREADID']);
  assert.deepEqual(items(' PREVIEW (CHANGEDSINCE 4)').changedSince, 4);
  assert.deepEqual(items(' PREVIEW (LAZY)').items.length, 1);
  for (const bad of [' (PREVIEW (FOO))', ' (PREVIEW (LAZY)', ' PREVIEW (LAZY FOO)', ' PREVIEW ()', ' (SAVEDATE[])']) {
    assert.throws(() => items(bad), { name: 'ParseError' }, bad);
  }
});

async function populated(t: TestContext) {
  const env = await startImapServer(t);
  await addAccount(env.store, 'alice@example.org');
  await deliver(env.store, 'alice@example.org', FIRST);
  await deliver(env.store, 'alice@example.org', REPLY);
  return env;
}

test('imapflow: MAILBOXID on CREATE and SELECT, EMAILID and THREADID in FETCH and SEARCH, WITHIN for dates', async (t) => {
  const { port } = await populated(t);
  const client = await imapflow(t, port, 'alice@example.org');
  for (const cap of ['WITHIN', 'SAVEDATE', 'OBJECTID', 'PREVIEW']) assert.ok(client.capabilities.has(cap), cap);
  await client.append('INBOX', OLD, [], new Date('2020-01-01T00:00:00Z'));
  const created = await client.mailboxCreate('Projects');
  assert.match(String(created.mailboxId), /^F\d+$/);
  const inbox = await client.mailboxOpen('INBOX');
  assert.match(String(inbox.mailboxId), /^F\d+$/);
  assert.notEqual(inbox.mailboxId, created.mailboxId);

  const messages = await client.fetchAll('1:*', { uid: true, threadId: true });
  const [first, reply, old] = messages;
  assert.ok(first && reply && old);
  assert.match(String(first.emailId), /^M[0-9a-f]+$/);
  assert.equal(new Set(messages.map((m) => m.emailId)).size, 3);
  assert.equal(first.threadId, reply.threadId);
  assert.notEqual(first.threadId, old.threadId);

  // COPY keeps the EMAILID; the copy is found by it in its new mailbox.
  await client.messageCopy('1', 'Projects');
  assert.deepEqual(await client.search({ emailId: first.emailId! }), [1]);
  assert.deepEqual(await client.search({ threadId: first.threadId! }), [1, 2]);
  // imapflow turns SINCE and BEFORE into YOUNGER and OLDER when WITHIN is offered.
  assert.deepEqual(await client.search({ since: new Date(Date.now() - 3_600_000) }), [1, 2]);
  assert.deepEqual(await client.search({ before: new Date(Date.now() - 30 * 86_400_000) }), [3]);
  await client.mailboxOpen('Projects');
  const copy = await client.fetchOne('1', { threadId: true });
  assert.ok(copy);
  assert.deepEqual([copy.emailId, copy.threadId], [first.emailId, first.threadId]);
  // A renamed mailbox keeps its MAILBOXID.
  await client.mailboxClose();
  await client.mailboxRename('Projects', 'Work');
  const work = await client.mailboxOpen('Work');
  assert.equal(work.mailboxId, created.mailboxId);
});

test('Python imaplib: PREVIEW, SAVEDATE, EMAILID, THREADID, STATUS MAILBOXID, OLDER/YOUNGER, SAVED*', async (t) => {
  const { port } = await populated(t);
  const script = `
import imaplib, json, sys, time
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('alice@example.org', sys.argv[2])
out = {}
m.append('INBOX', None, imaplib.Time2Internaldate(time.mktime((2020, 1, 1, 0, 0, 0, 0, 0, 0))), b'Subject: old\\r\\n\\r\\nFrom long ago.\\r\\n')
typ, data = m.create('Work')
out['create'] = data[0].decode().split(']')[0] + ']'
m.select('INBOX')
out['mailboxid'] = m.untagged_responses.get('OK', [])
typ, data = m.fetch('1:2', '(PREVIEW SAVEDATE EMAILID THREADID)')
out['fetch'] = [d.decode() for d in data]
typ, data = m.fetch('1', '(PREVIEW (LAZY))')
out['lazy'] = data[0].decode()
out['older'] = m.search(None, 'OLDER', '86400')[1][0].decode()
out['younger'] = m.search(None, 'YOUNGER', '3600')[1][0].decode()
out['saved'] = m.search(None, 'SAVEDSINCE', time.strftime('%d-%b-%Y', time.gmtime(time.time() - 86400)))[1][0].decode()
out['saved_before'] = m.search(None, 'SAVEDBEFORE', '1-Jan-2000')[1][0].decode()
out['supported'] = m.search(None, 'SAVEDATESUPPORTED')[1][0].decode()
out['status'] = m.status('Work', '(MAILBOXID MESSAGES)')[1][0].decode()
m.logout()
print(json.dumps(out, default=lambda b: b.decode()))
`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('python3', ['-c', script, String(port), PASSWORD], (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
  );
  const out = JSON.parse(stdout) as Record<string, unknown>;
  const created = /^\[MAILBOXID \((F\d+)\)\]$/.exec(out.create as string);
  assert.ok(created, String(out.create));
  assert.ok((out.mailboxid as string[]).some((line) => /^\[MAILBOXID \(F\d+\)\] /.test(line)), JSON.stringify(out.mailboxid));
  const fetched = out.fetch as string[];
  const fetchLine = /^(\d) \(PREVIEW "([^"]*)" SAVEDATE "([^"]+)" EMAILID \((M[0-9a-f]+)\) THREADID \((T[0-9a-f]+)\)\)$/;
  const [a, b] = fetched.map((line) => fetchLine.exec(line));
  assert.ok(a && b, JSON.stringify(fetched));
  assert.equal(a[2], PREVIEW);
  assert.equal(PREVIEW, 'Hello there, the plan is ready.');
  assert.equal(b[2], 'Thanks!');
  assert.ok(Math.abs(Date.parse(a[3]!.replace(/^ /, '').replace(/-/g, ' ')) - Date.now()) < 86_400_000, a[3]);
  assert.notEqual(a[4], b[4]);
  assert.equal(a[5], b[5]);
  assert.equal(out.lazy, `1 (PREVIEW "${PREVIEW}")`);
  assert.deepEqual([out.older, out.younger, out.saved, out.saved_before, out.supported], ['3', '1 2', '1 2 3', '', '1 2 3']);
  assert.equal(out.status, `"Work" (MAILBOXID (${created[1]}) MESSAGES 0)`);
});

test('raw: malformed WITHIN, OBJECTID, SAVEDATE and PREVIEW arguments are BAD, the session goes on', async (t) => {
  const { port } = await populated(t);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  const created = await c.command('c', 'CREATE Box');
  assert.match(created.at(-1)!, /^c OK \[MAILBOXID \(F\d+\)\] /);
  assert.match((await c.command('st', 'STATUS Box (MAILBOXID FOO)')).at(-1)!, /^st BAD /);
  const selected = await c.command('s', 'SELECT INBOX');
  assert.ok(selected.some((l) => /^\* OK \[MAILBOXID \(F\d+\)\]/.test(l)), selected.join('\n'));
  for (const command of [
    'SEARCH OLDER 0',
    'SEARCH YOUNGER -5',
    'SEARCH OLDER',
    'UID SEARCH EMAILID "M 1"',
    'SEARCH THREADID T1!',
    `SEARCH EMAILID ${'M'.repeat(300)}`,
    'SEARCH SAVEDON 2026-01-01',
    'FETCH 1 (PREVIEW (FOO))',
    'FETCH 1 (PREVIEW (LAZY)',
    'FETCH 1 (SAVEDATE EMAILID[1])',
    'FETCH 1 THREADID.PEEK',
  ]) {
    const lines = await c.command('b', command);
    assert.deepEqual([lines.length, lines[0]!.slice(0, 5)], [1, 'b BAD'], command);
  }
  assert.deepEqual(await c.command('e', 'SEARCH EMAILID Mnothere'), ['* SEARCH', 'e OK SEARCH completed']);
  assert.deepEqual(await c.command('q', 'SEARCH EMAILID "Mnothere"'), ['* SEARCH', 'q OK SEARCH completed']);
  const modified = await c.command('p', 'FETCH 1:* PREVIEW (CHANGEDSINCE 1)');
  assert.match(modified[0]!, /^\* OK \[HIGHESTMODSEQ \d+\] Highest$/, 'CHANGEDSINCE enables CONDSTORE (RFC 7162 3.1)');
  assert.match(modified[1]!, /^\* 1 FETCH \(PREVIEW "Hello there, the plan is ready\." MODSEQ \(\d+\)\)$/);
  assert.match(modified.at(-1)!, /^p OK/);
});
