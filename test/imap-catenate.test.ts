import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { badUrlCode, MAX_CATENATE_PARTS, parseCatenate, parseMessageUrl } from '../src/imap/catenate.ts';
import { Parser } from '../src/imap/parser.ts';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { ALICE, assertAllBad } from './helpers/imap-inbox.ts';
import { collect } from './helpers/store.ts';

const BOB = 'bob@example.org';
const HEADER = 'From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n';
const PART1_MIME = 'Content-Type: text/plain\r\n\r\n';
const PART2 = `second part ${'y'.repeat(400)}`;
const MULTIPART = `${HEADER}--b\r\n${PART1_MIME}first part\r\n--b\r\nContent-Type: text/plain\r\n\r\n${PART2}\r\n--b--\r\n`;
/** Delivery puts these lines first; they belong to the top-level header as served. */
const TRACE = 'Return-Path: <sender@example.net>\r\nDelivered-To: alice@example.org\r\n';
const lit = (s: string) => `{${Buffer.byteLength(s)}+}\r\n${s}`;

async function setup(t: TestContext, messageSize?: number) {
  const env = await startImapServer(t, (config) => {
    if (messageSize) config.limits.message_size = messageSize;
  });
  for (const user of [ALICE, BOB]) await addAccount(env.store, user);
  await deliver(env.store, ALICE, MULTIPART);
  await deliver(env.store, BOB, 'Subject: secret of bob\r\n\r\nbob only\r\n');
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  const account = (await env.store.getAccount(ALICE))!;
  const box = async (name: string) => (await env.store.getMailbox(account.id, name))!;
  const inbox = await box('INBOX');
  const drafts = await box('Drafts');
  const stored = async () => Promise.all((await env.store.listMessages(drafts.id)).map(async (m) => (await collect(env.store.readMessage(m))).toString()));
  return { ...env, c, inbox, drafts, stored };
}

test('CATENATE parsers: parts, URLs, the BADURL code', () => {
  const me = 'alice@example.org';
  const p = (s: string) => new Parser(Buffer.from(s));
  assert.deepEqual(parseCatenate(p('(TEXT {2}\r\nab URL "/INBOX/;UID=1")')), [{ type: 'text', bytes: Buffer.from('ab') }, { type: 'url', url: '/INBOX/;UID=1' }]);
  for (const bad of ['()', '(TEXT "ab")', '(URL)', '(FILE "x")', `(${'URL "/INBOX/;UID=1" '.repeat(MAX_CATENATE_PARTS)}URL "/INBOX/;UID=1")`]) {
    assert.throws(() => parseCatenate(p(bad)), bad);
  }
  assert.deepEqual(parseMessageUrl('/INBOX;UIDVALIDITY=7/;UID=20/;SECTION=1.2.MIME/;PARTIAL=5.10', me), {
    mailbox: 'INBOX', uidValidity: 7, uid: 20, path: [1, 2], text: 'MIME', partial: { offset: 5, length: 10 },
  });
  assert.deepEqual(parseMessageUrl('imap://alice%40example.org@mail.example.org/Work%2FSub%20x/;UID=3/;SECTION=TEXT', me), {
    mailbox: 'Work/Sub x', uidValidity: null, uid: 3, path: [], text: 'TEXT', partial: null,
  });
  assert.equal((parseMessageUrl(';UID=4', me) as { mailbox: null }).mailbox, null);
  for (const bad of [
    'imap://bob%40example.org@mail.example.org/INBOX/;UID=1',
    'imap://mail.example.org/INBOX/;UID=1',
    '/INBOX',
    '/INBOX/;UID=0',
    '/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(From)',
    '/INBOX/;UID=1/;SECTION=0',
    '/INBOX/;UID=1/;EXPIRE=2030-01-01T00:00:00Z/;URLAUTH=anonymous:internal:0123',
    '/%FF/;UID=1',
    '/a%00b/;UID=1',
    'http://example.org/',
  ]) {
    assert.equal(typeof parseMessageUrl(bad, me), 'string', bad);
  }
  assert.equal(badUrlCode('/x]\r\n* BYE\\'), 'BADURL /x%5D%0D%0A* BYE%5C');
});

test('CATENATE: text and URL parts (sections, partial, imap://, relative) make one message', async (t) => {
  const { c, inbox, drafts, stored } = await setup(t);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, / CATENATE/);
  const v = inbox.uidValidity;
  const lines = await c.command('a', `APPEND Drafts (\\Draft) CATENATE (URL "/INBOX;UIDVALIDITY=${v}/;UID=1/;SECTION=HEADER" TEXT ${lit('--b\r\n')} URL "/INBOX/;UID=1/;SECTION=1.MIME" URL "/INBOX/;UID=1/;SECTION=1" TEXT ${lit('\r\n--b--\r\n')})`);
  assert.deepEqual(lines, [`a OK [APPENDUID ${drafts.uidValidity} 1] APPEND completed`]);
  assert.equal((await stored())[0], `${TRACE}${HEADER}--b\r\n${PART1_MIME}first part\r\n--b--\r\n`);
  // The user's own address in an imap:// URL; PARTIAL; a relative URL in the selected mailbox; several messages (MULTIAPPEND).
  await c.command('s', 'SELECT INBOX');
  const own = `imap://alice%40example.org@localhost/INBOX/;UID=1/;SECTION=TEXT/;PARTIAL=0.5`;
  assert.match((await c.command('b', `APPEND Drafts CATENATE (TEXT ${lit('Subject: x\r\n\r\n')} URL "${own}") CATENATE (URL ";UID=1/;SECTION=2")`)).at(-1)!, /^b OK \[APPENDUID \d+ 2:3\]/);
  assert.deepEqual((await stored()).slice(1), ['Subject: x\r\n\r\n--b\r\n', PART2]);
  // REPLACE takes CATENATE too.
  await c.command('sd', 'SELECT Drafts');
  assert.match((await c.command('r', `UID REPLACE 3 Drafts CATENATE (URL "/Drafts/;UID=2" TEXT ${lit('more\r\n')})`)).join('\n'), /VANISHED|EXPUNGE/);
  assert.deepEqual((await stored()).slice(1), ['Subject: x\r\n\r\n--b\r\n', 'Subject: x\r\n\r\n--b\r\nmore\r\n']);
});

test('CATENATE hostile: other users, URLAUTH, missing messages, the size bound, injected codes; nothing is stored', async (t) => {
  const { c, inbox, stored } = await setup(t, 1024);
  const refused = async (parts: string, code: RegExp) => {
    const last = (await c.command('x', `APPEND Drafts CATENATE (${parts})`)).at(-1)!;
    assert.match(last, code, parts);
  };
  await refused('URL "imap://bob%40example.org@localhost/INBOX/;UID=1"', /^x NO \[BADURL imap:\/\/bob%40example.org@localhost\/INBOX\/;UID=1\] Bad URL: the URL names another user/);
  await refused('URL "/bob@example.org/INBOX/;UID=1"', /^x NO \[BADURL .*no such mailbox/);
  await refused('URL "/Other Users/bob/INBOX/;UID=1"', /^x NO \[BADURL /);
  await refused('URL "/INBOX/;UID=1/;EXPIRE=2030-01-01T00:00:00Z/;URLAUTH=anonymous:internal:01234567"', /^x NO \[BADURL .*URLAUTH/);
  await refused(`URL "/INBOX;UIDVALIDITY=${inbox.uidValidity + 1}/;UID=1"`, /^x NO \[BADURL .*UIDVALIDITY/);
  await refused('URL "/INBOX/;UID=99"', /^x NO \[BADURL .*no such message/);
  await refused('URL "/INBOX/;UID=1/;SECTION=7"', /^x NO \[BADURL .*no such section/);
  await refused('URL ";UID=1"', /^x NO \[BADURL .*no such mailbox/);
  // A URL sent as a literal cannot break the response line.
  await refused(`URL ${lit('/x]\r\n* BYE ha')}`, /^x NO \[BADURL \/x%5D%0D%0A\* BYE ha\] /);
  // The bound (limits.message_size, here 1024) over all parts of all messages of the command.
  const size = Buffer.byteLength(TRACE + MULTIPART);
  assert.ok(size < 1024 && size * 2 > 1024);
  await refused('URL "/INBOX/;UID=1" URL "/INBOX/;UID=1"', /^x NO \[TOOBIG\]/);
  assert.match((await c.command('m', 'APPEND Drafts CATENATE (URL "/INBOX/;UID=1") CATENATE (URL "/INBOX/;UID=1")')).at(-1)!, /^m NO \[TOOBIG\]/);
  await refused(`TEXT ${lit('x'.repeat(900))} URL "/INBOX/;UID=1"`, /^x NO \[TOOBIG\]/);
  assert.deepEqual(await stored(), []);
  await assertAllBad(c, [
    'APPEND Drafts CATENATE ()',
    'APPEND Drafts CATENATE (TEXT "inline")',
    'APPEND Drafts CATENATE (URL)',
    `APPEND Drafts CATENATE (${'URL "/INBOX/;UID=1" '.repeat(MAX_CATENATE_PARTS)}URL "/INBOX/;UID=1")`,
    'APPEND Drafts CATENATE (URL "/INBOX/;UID=1"',
    'APPEND Drafts CATENATE URL "/INBOX/;UID=1"',
  ]);
  assert.deepEqual(await stored(), []);
});
