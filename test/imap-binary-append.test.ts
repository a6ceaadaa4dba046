/**
 * BINARY APPEND (RFC 3516 4.4, issue 14 item 3): a part in the binary transfer
 * encoding, sent in a literal8, keeps every octet (NULs, bare LFs, CRs) for BINARY[],
 * and is stored base64-encoded so that BODY[] and BODYSTRUCTURE describe an encoding
 * IMAP can carry, byte for byte as Dovecot answers. No plain literal carries a NUL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { startDovecot } from './helpers/dovecot.ts';
import { addAccount, RawImap, startImapServer } from './helpers/imap.ts';

const PAYLOAD = Buffer.from('ab\0cd\nef\r\ngh\rij\0', 'latin1');
const LARGE = randomBytes(5000);

const MESSAGE = Buffer.concat([
  Buffer.from(
    'From: a@example.org\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n' +
      '--XX\r\nContent-Type: text/plain\r\n\r\nline1\nline2\r\n' +
      '--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-Disposition: attachment\r\n\r\n',
    'latin1',
  ),
  PAYLOAD,
  Buffer.from('\r\n--XX\r\nContent-Transfer-Encoding: BINARY\r\nContent-Type: image/x-raw\r\n\r\n', 'latin1'),
  LARGE,
  Buffer.from('\r\n--XX--\r\n', 'latin1'),
]);

async function session(t: TestContext, port: number, user: string): Promise<RawImap> {
  const client = await RawImap.connect(port);
  t.after(() => client.close());
  assert.match((await client.exchange('L', `LOGIN ${user} "correct horse battery"`)).at(-1)!, /^L OK/);
  return client;
}

async function appendBinary(client: RawImap, raw: Buffer): Promise<void> {
  const done = await client.exchange('A', Buffer.concat([Buffer.from(`APPEND INBOX ~{${raw.length}+}\r\n`), raw]));
  assert.match(done.at(-1)!, /^A OK/, done.at(-1));
}

async function fetch(client: RawImap, items: string): Promise<string> {
  const responses = await client.exchange('F', `FETCH 1 (${items})`);
  assert.match(responses.at(-1)!, /^F OK/, responses.at(-1));
  return responses.slice(0, -1).join('\r\n');
}

/** The octets of the literal that follows `label` in a response. */
function literalAfter(response: string, label: string): Buffer {
  const at = response.indexOf(`${label} `);
  const m = /^~?\{(\d+)\}\r\n/.exec(response.slice(at + label.length + 1));
  assert.ok(at >= 0 && m, `${label} in ${response.slice(0, 200)}`);
  const start = at + label.length + 1 + m[0].length;
  return Buffer.from(response.slice(start, start + Number(m[1])), 'latin1');
}

test('a binary part APPENDed in a literal8 comes back whole by BINARY[], and as base64 by BODY[], as from Dovecot', async (t) => {
  const dovecot = await startDovecot(t);
  if (!dovecot) return;
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const ours = await session(t, port, 'alice@example.org');
  const theirs = await session(t, dovecot.port, 'alice');
  for (const c of [ours, theirs]) {
    await appendBinary(c, MESSAGE);
    assert.match((await c.exchange('S', 'SELECT INBOX')).at(-1)!, /^S OK/);
  }
  for (const items of ['RFC822.SIZE BODYSTRUCTURE BODY', 'BODY.PEEK[]', 'BODY.PEEK[2] BODY.PEEK[2.MIME] BINARY.SIZE[2] BINARY.PEEK[2]', 'BODY.PEEK[3] BINARY.SIZE[3] BINARY.PEEK[3]']) {
    assert.equal(await fetch(ours, items), await fetch(theirs, items), items);
  }
  const answer = await fetch(ours, 'BINARY.PEEK[2] BINARY.PEEK[3] BODY.PEEK[2]');
  assert.deepEqual(literalAfter(answer, 'BINARY[2]'), PAYLOAD);
  assert.deepEqual(literalAfter(answer, 'BINARY[3]'), LARGE);
  assert.deepEqual(literalAfter(answer, 'BODY[2]'), Buffer.from(PAYLOAD.toString('base64')));
});

test('NULs outside a binary part: BINARY[] gives them, a plain literal never carries one', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await session(t, port, 'alice@example.org');
  const raw = Buffer.from('Subject: nul\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n\r\nli\0ne\r\n', 'latin1');
  await appendBinary(c, raw);
  await c.exchange('S', 'EXAMINE INBOX');
  const answer = await fetch(c, 'RFC822.SIZE BODY.PEEK[] BODY.PEEK[TEXT] BINARY.PEEK[1] BODY.PEEK[HEADER.FIELDS (SUBJECT)]');
  assert.ok(answer.startsWith(`* 1 FETCH (RFC822.SIZE ${raw.length} `), answer);
  assert.deepEqual(literalAfter(answer, 'BODY[]'), Buffer.from(raw.toString('latin1').replace('\0', '\x80'), 'latin1'));
  assert.deepEqual(literalAfter(answer, 'BODY[TEXT]'), Buffer.from('li\x80ne\r\n', 'latin1'));
  assert.deepEqual(literalAfter(answer, 'BINARY[1]'), Buffer.from('li\0ne\r\n', 'latin1'));
  assert.match(answer, /BINARY\[1\] ~\{7\}\r\n/);
  for (const plain of answer.matchAll(/(?<!~)\{(\d+)\}\r\n/g)) {
    const start = plain.index + plain[0].length;
    assert.ok(!answer.slice(start, start + Number(plain[1])).includes('\0'), 'a NUL in a plain literal');
  }
});
