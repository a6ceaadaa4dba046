import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { indexMessage } from '../src/mime/index.ts';
import { Parser } from '../src/imap/parser.ts';
import { sortEntries, type SortEntry } from '../src/imap/sort-order.ts';
import { parseSort, parseThread } from '../src/imap/sort-query.ts';
import { encodeThreads, orderedSubject, references } from '../src/imap/thread.ts';
import { addAccount, deliver, imapflow, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';

interface Spec {
  subject: string;
  from?: string;
  to?: string;
  cc?: string;
  date?: string;
  id?: string;
  refs?: string;
  inReplyTo?: string;
  body?: string;
}

/** The corpus: two reply chains, a forward gathered by subject, two replies to a message not here, one without a date. */
const SPECS: Spec[] = [
  { subject: 'Hello', from: 'Zed <zed@x.org>', to: 'anna@x.org', date: '3 Jan 2026 10:00:00 +0000', id: '<a@x>', body: 'a'.repeat(50) },
  { subject: 'Re: Hello', from: 'Bob <bob@x.org>', to: 'zed@x.org', date: '5 Jan 2026 10:00:00 +0000', id: '<b@x>', refs: '<a@x>', body: 'b'.repeat(10) },
  { subject: 'Another topic', from: 'Alvaro <alvaro@x.org>', cc: 'carl@x.org', date: '1 Jan 2026 10:00:00 +0000', id: '<c@x>', body: 'c'.repeat(300) },
  { subject: 'Re: Re: Hello', from: 'anna@x.org', to: 'bob@x.org', date: '4 Jan 2026 10:00:00 +0000', id: '<d@x>', refs: '<a@x> <b@x>', body: 'd' },
  { subject: '[list] Another topic (fwd)', from: 'Carl <carl@x.org>', cc: 'anna@x.org', date: '2 Jan 2026 10:00:00 +0000', id: '<e@x>', body: 'e'.repeat(100) },
  { subject: 'Lost parent', from: 'Dora <dora@x.org>', date: '6 Jan 2026 10:00:00 +0000', id: '<f@x>', refs: '<missing@x>', body: 'f'.repeat(20) },
  { subject: 'Re: Lost parent', from: 'Bob <bob@x.org>', date: '7 Jan 2026 10:00:00 +0000', id: '<g@x>', inReplyTo: '<missing@x>', body: 'g'.repeat(30) },
  { subject: 'No date', id: '<h@x>', body: 'h'.repeat(5) },
];

function raw(s: Spec): string {
  const lines = [`Subject: ${s.subject}`];
  if (s.from) lines.push(`From: ${s.from}`);
  if (s.to) lines.push(`To: ${s.to}`);
  if (s.cc) lines.push(`Cc: ${s.cc}`);
  if (s.date) lines.push(`Date: ${s.date}`);
  if (s.id) lines.push(`Message-ID: ${s.id}`);
  if (s.refs) lines.push(`References: ${s.refs}`);
  if (s.inReplyTo) lines.push(`In-Reply-To: ${s.inReplyTo}`);
  return `${lines.join('\r\n')}\r\n\r\n${s.body ?? ''}\r\n`;
}

/** Entries as the server builds them, from the same header parser delivery uses. */
function entries(specs: Spec[]): SortEntry[] {
  return specs.map((s, i) => {
    const text = raw(s);
    return { seq: i + 1, id: i + 1, size: text.length, internalDate: Date.UTC(2026, 1, i + 1), fields: indexMessage(Buffer.from(text, 'latin1')).fields };
  });
}

const EXPECTED_REFERENCES = '(3 5)(1 2 4)((6)(7))(8)';
const EXPECTED_ORDEREDSUBJECT = '(3 5)(1 (4)(2))(6 7)(8)';

test('SORT and THREAD arguments parse; malformed ones are refused', () => {
  const parse = (text: string) => parseSort(new Parser(Buffer.from(text)));
  const q = parse(' (REVERSE DATE subject displayfrom) utf-8 SUBJECT hello NOT SEEN');
  assert.deepEqual(q.criteria, [{ key: 'DATE', reverse: true }, { key: 'SUBJECT', reverse: false }, { key: 'DISPLAYFROM', reverse: false }]);
  assert.equal(q.charset, 'UTF-8');
  assert.equal(q.key.type, 'and');
  assert.deepEqual(parseThread(new Parser(Buffer.from(' references US-ASCII ALL'))), { algorithm: 'REFERENCES', charset: 'US-ASCII', key: { type: 'all' } });
  for (const bad of [' DATE UTF-8 ALL', ' () UTF-8 ALL', ' (FOO) UTF-8 ALL', ' (REVERSE) UTF-8 ALL', ' (REVERSE REVERSE DATE) UTF-8 ALL', ' (DATE)', ' (DATE) UTF-8', ' (DATE) UTF-8 CHARSET UTF-8 ALL', ' (DATE)UTF-8 ALL', ' (DATE) UTF-8 ALL ', ' (DATE UTF-8 ALL']) {
    assert.throws(() => parse(bad), { name: 'ParseError' }, bad);
  }
  for (const bad of [' FOO UTF-8 ALL', ' REFERENCES', ' REFERENCES UTF-8', ' (REFERENCES) UTF-8 ALL', ' ORDEREDSUBJECT UTF-8 ALL)']) {
    assert.throws(() => parseThread(new Parser(Buffer.from(bad))), { name: 'ParseError' }, bad);
  }
});

test('sort orders: every key, REVERSE per key, ties by message number', () => {
  const e = entries(SPECS);
  const order = (criteria: Parameters<typeof sortEntries>[1]) => sortEntries(e, criteria).map((x) => x.seq);
  assert.deepEqual(order([{ key: 'DATE', reverse: false }]), [3, 5, 1, 4, 2, 6, 7, 8]);
  assert.deepEqual(order([{ key: 'ARRIVAL', reverse: true }]), [8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual(order([{ key: 'SUBJECT', reverse: false }]), [3, 5, 1, 2, 4, 6, 7, 8]);
  assert.deepEqual(order([{ key: 'SUBJECT', reverse: false }, { key: 'DATE', reverse: true }]), [5, 3, 2, 4, 1, 7, 6, 8]);
  assert.deepEqual(order([{ key: 'FROM', reverse: false }]), [8, 3, 4, 2, 7, 5, 6, 1]);
  assert.deepEqual(order([{ key: 'DISPLAYFROM', reverse: false }]), [8, 3, 4, 2, 7, 5, 6, 1]);
  assert.deepEqual(order([{ key: 'TO', reverse: false }]), [3, 5, 6, 7, 8, 1, 4, 2]);
  assert.deepEqual(order([{ key: 'CC', reverse: false }]), [1, 2, 4, 6, 7, 8, 5, 3]);
  assert.deepEqual(order([{ key: 'SIZE', reverse: false }]), [...e].sort((a, b) => a.size - b.size || a.seq - b.seq).map((x) => x.seq));
});

test('THREAD: ORDEREDSUBJECT and REFERENCES trees and their encoding', () => {
  const e = entries(SPECS);
  assert.equal(encodeThreads(references(e)), EXPECTED_REFERENCES);
  assert.equal(encodeThreads(orderedSubject(e)), EXPECTED_ORDEREDSUBJECT);
  assert.equal(encodeThreads(references([])), '');
  // Loops in References, a message naming itself, and a duplicated Message-ID do not break the tree.
  const hostile = entries([
    { subject: 'x', id: '<p@x>', refs: '<q@x> <p@x>', date: '1 Jan 2026 00:00:00 +0000' },
    { subject: 'y', id: '<q@x>', refs: '<p@x> <q@x>', date: '2 Jan 2026 00:00:00 +0000' },
    { subject: 'z', id: '<p@x>', refs: '<p@x> <p@x> <p@x>', date: '3 Jan 2026 00:00:00 +0000' },
    { subject: 'w', id: '<r@x>', refs: '<r@x>', date: '4 Jan 2026 00:00:00 +0000' },
  ]);
  const threads = references(hostile);
  const seen: number[] = [];
  const walk = (n: { entry: SortEntry | null; children: typeof n[] }) => {
    if (n.entry) seen.push(n.entry.seq);
    n.children.forEach(walk);
  };
  threads.forEach(walk);
  assert.deepEqual(seen.sort(), [1, 2, 3, 4]);
  // 1's last reference is itself: the link to its first one, <q@x>, is broken (RFC 5256 step 1B), as
  // is 2's to <p@x>; 3 (the second <p@x>) goes below 1. Dovecot 2.3 answers the same.
  assert.equal(encodeThreads(threads), '(1 3)(2)(4)');
  // A chain of 10,000 replies is answered without deep recursion trouble in the encoder.
  const chain = entries(Array.from({ length: 10_000 }, (_, i) => ({ subject: 'chain', id: `<m${i}@x>`, refs: i > 0 ? `<m${i - 1}@x>` : undefined, date: '1 Jan 2026 00:00:00 +0000' })));
  assert.equal(encodeThreads(references(chain)), `(${chain.map((c) => c.seq).join(' ')})`);
});

async function populated(t: TestContext): Promise<{ port: number; client: ImapFlow }> {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  // One message delivered and expunged first, so that UIDs are message numbers plus one.
  await deliver(store, 'alice@example.org', raw({ subject: 'gone' }));
  const client = await imapflow(t, port, 'alice@example.org');
  await client.mailboxOpen('INBOX');
  await client.messageDelete('1');
  for (const [i, s] of SPECS.entries()) await client.append('INBOX', raw(s), [], new Date(Date.UTC(2026, 1, i + 1)));
  return { port, client };
}

/** SORT and THREAD through imapflow's own command writer and response parser (it has no SORT/THREAD helper). */
async function exec(client: ImapFlow, command: string, args: string[], untagged: string): Promise<string[]> {
  const out: string[] = [];
  const attrs = args.map((value) => (value.startsWith('(') ? value.slice(1, -1).split(' ').map((v) => ({ type: 'ATOM', value: v })) : { type: 'ATOM', value }));
  const collect = (list: unknown): string =>
    Array.isArray(list) ? `(${list.map(collect).join(' ')})` : String((list as { value: string }).value);
  const run = (client as unknown as { exec: (c: string, a: unknown[], o: unknown) => Promise<{ next: () => void }> }).exec;
  const response = await run.call(client, command, attrs, {
    untagged: {
      [untagged]: async (u: { attributes?: unknown[] }) => {
        out.push((u.attributes ?? []).map(collect).join(' '));
      },
    },
  });
  response.next();
  return out;
}

test('imapflow: SORT, UID SORT, THREAD and UID THREAD on the wire', async (t) => {
  const { client } = await populated(t);
  for (const cap of ['SORT', 'SORT=DISPLAY', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES']) assert.ok(client.capabilities.has(cap), cap);
  assert.deepEqual(await exec(client, 'SORT', ['(DATE)', 'UTF-8', 'ALL'], 'SORT'), ['3 5 1 4 2 6 7 8']);
  assert.deepEqual(await exec(client, 'UID SORT', ['(REVERSE ARRIVAL)', 'UTF-8', 'ALL'], 'SORT'), ['9 8 7 6 5 4 3 2']);
  assert.deepEqual(await exec(client, 'SORT', ['(SUBJECT REVERSE DATE)', 'UTF-8', 'SUBJECT', 'hello'], 'SORT'), ['2 4 1']);
  assert.deepEqual(await exec(client, 'SORT', ['(DISPLAYFROM)', 'US-ASCII', 'SUBJECT', 'nothing-matches'], 'SORT'), ['']);
  const [threads] = await exec(client, 'THREAD', ['REFERENCES', 'UTF-8', 'ALL'], 'THREAD');
  assert.equal(threads, '(3 5) (1 2 4) ((6) (7)) (8)');
  const [uidThreads] = await exec(client, 'UID THREAD', ['ORDEREDSUBJECT', 'UTF-8', 'ALL'], 'THREAD');
  assert.equal(uidThreads, '(4 6) (2 (5) (3)) (7 8) (9)');
});

test('Python imaplib: sort, thread and their UID forms', async (t) => {
  const { port } = await populated(t);
  const script = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('alice@example.org', sys.argv[2])
m.select('INBOX')
out = {}
out['date'] = m.sort('(DATE)', 'UTF-8', 'ALL')[1][0].decode()
out['from'] = m.sort('(FROM)', 'UTF-8', 'ALL')[1][0].decode()
out['size'] = m.sort('(REVERSE SIZE)', 'UTF-8', 'SINCE', '1-Jan-2026')[1][0].decode()
out['uid_subject'] = m.uid('SORT', '(SUBJECT)', 'UTF-8', 'ALL')[1][0].decode()
out['references'] = m.thread('REFERENCES', 'UTF-8', 'ALL')[1][0].decode()
out['orderedsubject'] = m.thread('ORDEREDSUBJECT', 'UTF-8', 'ALL')[1][0].decode()
out['uid_thread'] = m.uid('THREAD', 'REFERENCES', 'UTF-8', 'FROM', 'bob')[1][0].decode()
typ, data = m._simple_command('SORT', '(DATE)', 'KOI8-R', 'ALL')
out['badcharset'] = [typ, data[0].decode()[:10]]
out['noop'] = m.noop()[0]
m.logout()
print(json.dumps(out))
`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('python3', ['-c', script, String(port), PASSWORD], (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
  );
  const sizes = SPECS.map((s, i) => ({ seq: i + 1, size: raw(s).length }));
  assert.deepEqual(JSON.parse(stdout), {
    date: '3 5 1 4 2 6 7 8',
    from: '8 3 4 2 7 5 6 1',
    size: sizes.sort((a, b) => b.size - a.size || a.seq - b.seq).map((s) => s.seq).join(' '),
    uid_subject: '4 6 2 3 5 7 8 9',
    references: EXPECTED_REFERENCES,
    orderedsubject: EXPECTED_ORDEREDSUBJECT,
    uid_thread: '(3)(8)',
    badcharset: ['NO', '[BADCHARSE'],
    noop: 'OK',
  });
});

test('raw: malformed SORT and THREAD are BAD, the session goes on', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  for (const s of SPECS.slice(0, 3)) await deliver(store, 'alice@example.org', raw(s));
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  assert.match((await c.command('e', 'SORT (DATE) UTF-8 ALL')).at(-1)!, /^e BAD /);
  await c.command('s', 'SELECT INBOX');
  const bad = [
    'SORT DATE UTF-8 ALL',
    'SORT () UTF-8 ALL',
    'SORT (DATE) UTF-8',
    'SORT (BOGUS) UTF-8 ALL',
    'SORT (DATE) UTF-8 BOGUS',
    `SORT (DATE) UTF-8 ${'('.repeat(40)}ALL${')'.repeat(40)}`,
    'UID SORT',
    'THREAD',
    'THREAD BOGUS UTF-8 ALL',
    'THREAD REFERENCES UTF-8 ALL ALL)',
    'UID THREAD REFERENCES "UTF-8',
  ];
  for (const command of bad) {
    const lines = await c.command('b', command);
    assert.deepEqual([lines.length, lines[0]!.slice(0, 5)], [1, 'b BAD'], command);
  }
  assert.match((await c.command('n', 'THREAD REFERENCES ISO-2022-JP ALL')).at(-1)!, /^n NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/);
  assert.deepEqual(await c.command('o', 'SORT (DATE) "UTF-8" ALL'), ['* SORT 3 1 2', 'o OK SORT completed']);
  assert.deepEqual(await c.command('t', 'THREAD ORDEREDSUBJECT UTF-8 ALL'), ['* THREAD (3)(1 2)', 't OK THREAD completed']);
  assert.deepEqual(await c.command('u', 'UID THREAD REFERENCES UTF-8 SUBJECT nothing'), ['* THREAD', 'u OK THREAD completed']);
});
