import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keys } from '../src/store/level/keys.ts';
import type { LevelStore } from '../src/store/level/store.ts';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';

const PREFIX = 'Return-Path: <sender@example.net>\r\nDelivered-To: alice@example.org\r\n';

const INNER_HEADER = 'From: carol@example.org\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary="in"\r\n\r\n';
const INNER_PLAIN = 'plain inner';
const INNER_BODY = `--in\r\nContent-Type: text/plain\r\n\r\n${INNER_PLAIN}\r\n--in\r\nContent-Type: text/html\r\n\r\n<p>inner</p>\r\n--in--\r\n`;
const TOP_HEADER = 'From: bob@example.net\r\nTo: alice@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="out"\r\n\r\n';
const PART1_HEADER = 'Content-Type: text/plain; charset=us-ascii\r\n\r\n';
const PART1 = 'first part text';
const PART2_HEADER = 'Content-Type: message/rfc822\r\n\r\n';
const TOP_BODY = `--out\r\n${PART1_HEADER}${PART1}\r\n--out\r\n${PART2_HEADER}${INNER_HEADER}${INNER_BODY}\r\n--out--\r\n`;
const RAW = TOP_HEADER + TOP_BODY;

/** The literal a FETCH response carries for `label`, read from the raw response text. */
function literal(response: string, label: string): string | null {
  const at = response.indexOf(`${label} `);
  if (at === -1) throw new Error(`${label} missing in ${response.slice(0, 300)}`);
  const rest = response.slice(at + label.length + 1);
  if (rest.startsWith('NIL')) return null;
  const m = /^\{(\d+)\}\r\n/.exec(rest);
  if (!m) throw new Error(`no literal after ${label}: ${rest.slice(0, 40)}`);
  return rest.slice(m[0].length, m[0].length + Number(m[1]));
}

async function fetchRaw(c: RawImap, tag: string, command: string): Promise<string> {
  c.send(`${tag} ${command}\r\n`);
  let text = '';
  for (;;) {
    const line = await c.line();
    if (line === null) throw new Error('closed');
    text += `${line}\r\n`;
    if (line.startsWith(`${tag} `)) return text;
  }
}

test('BODY[section]<partial>: every section kind is the exact byte range, prefix included at the top', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  await deliver(store, 'alice@example.org', RAW);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  await c.command('s', 'EXAMINE INBOX');
  const cases: [string, string | null][] = [
    ['BODY[]', PREFIX + RAW],
    ['BODY[HEADER]', PREFIX + TOP_HEADER],
    ['BODY[TEXT]', TOP_BODY],
    ['BODY[1]', PART1],
    ['BODY[1.MIME]', PART1_HEADER],
    ['BODY[2]', INNER_HEADER + INNER_BODY],
    ['BODY[2.MIME]', PART2_HEADER],
    ['BODY[2.HEADER]', INNER_HEADER],
    ['BODY[2.TEXT]', INNER_BODY],
    ['BODY[2.1]', INNER_PLAIN],
    ['BODY[2.2.MIME]', 'Content-Type: text/html\r\n\r\n'],
    ['BODY[3]', null],
    ['BODY[1.5]', null],
    ['BODY[HEADER.FIELDS (SUBJECT DELIVERED-TO)]', 'Delivered-To: alice@example.org\r\nSubject: nested\r\n\r\n'],
    ['BODY[HEADER.FIELDS.NOT (FROM TO SUBJECT MIME-VERSION CONTENT-TYPE RETURN-PATH)]', 'Delivered-To: alice@example.org\r\n\r\n'],
    ['BODY[2.HEADER.FIELDS (SUBJECT)]', 'Subject: inner\r\n\r\n'],
    ['BODY[]<5>', (PREFIX + RAW).slice(5, 15)],
    ['BODY[TEXT]<0>', TOP_BODY.slice(0, 6)],
    ['BODY[1]<100000>', ''],
    ['RFC822.HEADER', PREFIX + TOP_HEADER],
    ['RFC822.TEXT', TOP_BODY],
    ['RFC822', PREFIX + RAW],
  ];
  for (const [i, [label, expected]] of cases.entries()) {
    const request = label === 'BODY[]<5>' ? 'BODY.PEEK[]<5.10>' : label === 'BODY[TEXT]<0>' ? 'BODY.PEEK[TEXT]<0.6>' : label === 'BODY[1]<100000>' ? 'BODY.PEEK[1]<100000.5>' : label.replace('BODY[', 'BODY.PEEK[');
    const response = await fetchRaw(c, `f${i}`, `FETCH 1 (${request})`);
    assert.match(response, new RegExp(`f${i} OK`), response);
    assert.equal(literal(response, label), expected, label);
  }
  const sizes = await c.command('z', 'FETCH 1 (RFC822.SIZE UID)');
  assert.equal(sizes[0], `* 1 FETCH (RFC822.SIZE ${Buffer.byteLength(PREFIX + RAW)} UID 1)`);
  // EXAMINE is read-only: BODY[] without PEEK does not set \Seen.
  await fetchRaw(c, 'y', 'FETCH 1 BODY[1]');
  // No SELECT claimed it yet, so it is \\Recent, and EXAMINE leaves it so (RFC 3501 6.3.2).
  assert.equal((await c.command('x', 'FETCH 1 FLAGS'))[0], '* 1 FETCH (FLAGS (\\Recent))');
  await c.command('w', 'SELECT INBOX');
  const seen = await fetchRaw(c, 'v', 'FETCH 1 BODY[1]');
  assert.match(seen, /FLAGS \(\\Recent \\Seen\)/, 'the \\Seen it set is reported with the data');
});

test('ENVELOPE, BODY and BODYSTRUCTURE of a nested message', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  await deliver(store, 'alice@example.org', RAW);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  await c.command('s', 'EXAMINE INBOX');
  const [envelope] = await c.command('e', 'FETCH 1 (ENVELOPE)');
  assert.match(envelope!, /^\* 1 FETCH \(ENVELOPE \(NIL "nested" \(\(NIL NIL "bob" "example.net"\)\) /);
  const [structure] = await c.command('b', 'FETCH 1 (BODYSTRUCTURE)');
  assert.match(structure!, /^\* 1 FETCH \(BODYSTRUCTURE \(\("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" 15 0 /i);
  assert.match(structure!, /"message" "rfc822" NIL NIL NIL "7bit" \d+ \(NIL "inner" /i);
  assert.match(structure!, /"mixed" \("boundary" "out"\) NIL NIL NIL\)\)$/i);
  const [body] = await c.command('c', 'FETCH 1 (BODY)');
  assert.match(body!, /"mixed"\)\)$/i, 'BODY has no extension data');
});

test('ENVELOPE, BODY and BODYSTRUCTURE come from the stored summary, and the same from the index of a body stored without one', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  await deliver(store, 'alice@example.org', RAW);
  await deliver(store, 'alice@example.org', RAW);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  await c.command('s', 'SELECT INBOX');
  const items = 'FETCH 1:2 (ENVELOPE BODY BODYSTRUCTURE)';
  const before = await fetchRaw(c, 'a', items);
  // As a store written before summaries were kept: the second message's is gone.
  const [, second] = await store.listMessages((await store.getMailbox((await store.getAccount('alice@example.org'))!.id, 'INBOX'))!.id);
  await (store as LevelStore).core.commit([{ type: 'del', key: keys.blobSummary(second!.blobId) }]);
  const after = await fetchRaw(c, 'b', items);
  assert.equal(after.replace(/^b /m, 'a '), before);
  const [one, two] = before.split('\r\n');
  assert.ok(one!.startsWith('* 1 FETCH (ENVELOPE (NIL "nested" ((NIL NIL "bob" "example.net")) '), one);
  assert.equal(two!.replace(/^\* 2/, '* 1'), one);
  // The parts of a multipart follow each other with no space (RFC 3501 body-type-mpart).
  assert.ok(one!.includes(' BODY (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 0)("message" "rfc822" '), one);
  assert.ok(one!.endsWith(' "mixed" ("boundary" "out") NIL NIL NIL))'), one);

  // An expunged body leaves no summary behind, and the store check finds nothing to fix.
  await c.command('d', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)');
  await c.command('e', 'EXPUNGE');
  assert.deepEqual(await (store as LevelStore).core.db.keys({ gte: 'bls/', lt: 'bls/\xff' }).all(), []);
  assert.deepEqual(await store.check({ repair: false }), []);
});
