import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { decodedRange, decodedSize } from '../src/imap/binary-body.ts';
import { binaryLabel, parseFetch, type BinaryItem } from '../src/imap/fetch-query.ts';
import { chunkDecoder, transferDecode } from '../src/mime/decode.ts';
import { binaryHandling } from '../src/imap/message-parts.ts';
import { Parser } from '../src/imap/parser.ts';
import { addAccount, deliver, imapflow, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';

const BYTES = Buffer.from([0, 1, 2, 3, 0, 255, 13, 10, 0x41]);
const MESSAGE = [
  'From: bob@example.net',
  'To: alice@example.org',
  'Subject: binary parts',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="B"',
  '',
  '--B',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=C3=A9 au lait, soft=',
  ' break.',
  '--B',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  BYTES.toString('base64'),
  '--B',
  'Content-Type: application/x-odd',
  'Content-Transfer-Encoding: x-uuencode',
  '',
  'begin 644 f',
  '--B',
  'Content-Type: text/plain',
  '',
  'plain seven bit',
  '--B--',
  '',
].join('\r\n');
const QP_DECODED = Buffer.from('Café au lait, soft break.');

const items = (text: string) => parseFetch(new Parser(Buffer.from(text))).items;

test('BINARY items parse: sections, PEEK, SIZE, partials; bad forms are refused', () => {
  assert.deepEqual(items(' (BINARY[1.2]<0.10> BINARY.PEEK[] BINARY.SIZE[3])'), [
    { type: 'binary', peek: false, size: false, part: [1, 2], partial: { start: 0, count: 10 } },
    { type: 'binary', peek: true, size: false, part: [], partial: null },
    { type: 'binary', peek: true, size: true, part: [3], partial: null },
  ]);
  assert.equal(binaryLabel(items(' BINARY.PEEK[1.2]<5.3>')[0] as BinaryItem), 'BINARY[1.2]<5>');
  assert.equal(binaryLabel(items(' BINARY.SIZE[4]')[0] as BinaryItem), 'BINARY.SIZE[4]');
  for (const bad of [' BINARY', ' BINARY[1.HEADER]', ' BINARY[0]', ' BINARY[1.]', ' BINARY[TEXT]', ' BINARY.SIZE[1]<0.1>', ' BINARY[1]<1>', ' BINARY[1', ' BINARY.PEEK', ' BINARY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32.33.34.35.36.37.38.39.40.41.42.43.44.45.46.47.48.49.50.51.52.53.54.55.56.57.58.59.60.61.62.63.64.65.66.67.68.69.70.71.72.73.74.75.76.77.78.79.80.81.82.83.84.85.86.87.88.89.90.91.92.93.94.95.96.97.98.99.100.101]']) {
    assert.throws(() => items(bad), { name: 'ParseError' }, bad);
  }
  assert.equal(binaryHandling('7bit'), 'identity');
  assert.equal(binaryHandling('binary'), 'identity');
  assert.equal(binaryHandling('base64'), 'decode');
  assert.equal(binaryHandling('quoted-printable'), 'decode');
  assert.equal(binaryHandling('x-uuencode'), 'unknown');
});

/** The bytes cut at random places, as the store's chunks would be. */
async function* chunked(data: Buffer, seed: number): AsyncGenerator<Buffer> {
  let state = seed;
  for (let at = 0; at < data.length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (state % 7);
    yield data.subarray(at, at + size);
    at += size;
  }
}

test('chunked decoding gives the bytes whole decoding gives, windows and sizes included', async () => {
  const payload = randomBytes(3000);
  const base64 = Buffer.from(payload.toString('base64').replace(/.{76}/g, '$&\r\n'));
  const qpText = Buffer.from('Caf=C3=A9 =3D equals, soft=\r\nbreak, spaces =  \r\nand a bare = sign, =4 trailing \t \r\nx=20 \t\r\n', 'latin1');
  const qp = Buffer.concat(Array.from({ length: 40 }, () => qpText));
  for (const [encoding, encoded] of [['base64', base64], ['quoted-printable', qp], ['8bit', qp]] as const) {
    const whole = transferDecode(encoded, encoding);
    for (const seed of [1, 2, 3]) {
      const parts: Buffer[] = [];
      const decoder = chunkDecoder(encoding);
      for await (const chunk of chunked(encoded, seed)) parts.push(decoder.push(chunk));
      parts.push(decoder.end());
      assert.deepEqual(Buffer.concat(parts), whole, `${encoding} seed ${seed}`);
      assert.equal(await decodedSize(chunked(encoded, seed), encoding), whole.length);
      assert.equal(await decodedSize(chunked(encoded, seed), encoding, 100), 100);
      const windowParts: Buffer[] = [];
      for await (const part of decodedRange(chunked(encoded, seed), encoding, 1000, 1500)) windowParts.push(part);
      assert.deepEqual(Buffer.concat(windowParts), whole.subarray(1000, 1500));
    }
  }
  assert.deepEqual(transferDecode(base64, 'base64'), payload);
});

test('quoted-printable drops whitespace before a hard line break, also where a store chunk ends inside it (RFC 2045 6.7 rule 3)', async (t) => {
  const chunk = 4096;
  const { store, port } = await startImapServer(t, (config) => (config.store.chunk_size = chunk));
  await addAccount(store, 'alice@example.org');
  const head = 'Subject: qp\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
  const line = `${'x'.repeat(70)}\r\n`;
  const trailing = 'end of line  \t \r\n';
  // The chunk edge falls 2 bytes into the whitespace, on its last byte, between CR and LF, and just after the LF.
  const cases = [2, 4, 5, 6].map((into) => {
    const before = chunk - into - 'end of line'.length - head.length;
    const filler = line.repeat(Math.floor(before / line.length)) + 'y'.repeat(before % line.length);
    const body = `${filler}${trailing}last=20 line \t\r\n${'x'.repeat(chunk)} \t`;
    assert.equal(head.length + filler.length + 'end of line'.length + into, chunk);
    return { raw: Buffer.from(head + body), want: `${filler}end of line\r\nlast  line\r\n${'x'.repeat(chunk)}` };
  });
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  for (const { raw } of cases) {
    assert.match((await c.exchange('a', Buffer.concat([Buffer.from(`APPEND INBOX {${raw.length}+}\r\n`), raw]))).at(-1)!, /^a OK/);
  }
  await c.command('s', 'EXAMINE INBOX');
  for (const [i, { want }] of cases.entries()) {
    const [answer, done] = await c.exchange('f', `FETCH ${i + 1} (BINARY.SIZE[1] BINARY.PEEK[1])`);
    const head = `* ${i + 1} FETCH (BINARY.SIZE[1] ${want.length} BINARY[1] ~{${want.length}}\r\n`;
    assert.equal(answer!.slice(0, head.length), head, `case ${i + 1}`);
    assert.ok(answer!.slice(head.length) === `${want})`, `case ${i + 1}: ${JSON.stringify(answer!.slice(head.length + want.length - 4200, head.length + want.length - 4080))}`);
    assert.match(done!, /^f OK/);
  }
  // SEARCH reads the same decoded text.
  assert.deepEqual(await c.exchange('q', 'SEARCH BODY "last  line"'), ['* SEARCH 1 2 3 4', 'q OK SEARCH completed']);
});

async function populated(t: import('node:test').TestContext) {
  const env = await startImapServer(t);
  await addAccount(env.store, 'alice@example.org');
  await deliver(env.store, 'alice@example.org', MESSAGE);
  return env;
}

test('imapflow: BINARY fetch and download decode on the server; APPEND of NUL bytes as literal8', async (t) => {
  const { port } = await populated(t);
  const client = await imapflow(t, port, 'alice@example.org');
  assert.ok(client.capabilities.has('BINARY'));
  const lock = await client.getMailboxLock('INBOX');
  t.after(() => lock.release());
  const msg = await client.fetchOne('1', { bodyParts: ['1', '2'] }, { binary: true });
  assert.ok(msg);
  assert.deepEqual(msg.bodyParts?.get('1'), QP_DECODED);
  assert.deepEqual(msg.bodyParts?.get('2'), BYTES);
  assert.deepEqual([...(msg.binaryParts ?? [])].sort(), ['1', '2']);

  const { content } = await client.download('1', '2', { binary: true });
  assert.ok(content);
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk as Buffer);
  assert.deepEqual(Buffer.concat(chunks), BYTES);

  const raw = Buffer.concat([Buffer.from('Subject: nul\r\nContent-Transfer-Encoding: binary\r\n\r\n'), BYTES, Buffer.from('\r\n')]);
  const appended = await client.append('INBOX', raw);
  assert.ok(appended && appended.uid);
  const back = await client.fetchOne(String(appended.uid), { bodyParts: ['1'] }, { uid: true, binary: true });
  assert.ok(back);
  assert.deepEqual(back.bodyParts?.get('1'), Buffer.concat([BYTES, Buffer.from('\r\n')]));
  // A large attachment comes in 64 KiB BINARY partials, each decoded chunk by chunk on the server.
  const big = randomBytes(600_000);
  const bigRaw = `Subject: big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${big.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`;
  const bigUid = await client.append('INBOX', bigRaw);
  assert.ok(bigUid && bigUid.uid);
  const download = await client.download(String(bigUid.uid), '1', { uid: true, binary: true, chunkSize: 65536 });
  const got: Buffer[] = [];
  assert.ok(download.content);
  for await (const chunk of download.content) got.push(chunk as Buffer);
  assert.deepEqual(Buffer.concat(got), big);
  // Nothing above set \Seen: imapflow peeks.
  assert.deepEqual(await client.search({ seen: true }), []);
});

test('Python imaplib: BINARY, BINARY.PEEK, BINARY.SIZE, partials, \\Seen', async (t) => {
  const { port } = await populated(t);
  const script = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('alice@example.org', sys.argv[2])
out = {'caps': 'BINARY' in m.capabilities}
m.select('INBOX')
typ, data = m.fetch('1', '(BINARY.PEEK[2] BINARY.SIZE[2] BINARY.SIZE[1])')
out['peek'] = [data[0][0].decode('latin1'), list(data[0][1]), data[1].decode()]
typ, data = m.fetch('1', '(FLAGS)')
out['unseen'] = data[0].decode()
typ, data = m.fetch('1', '(BINARY[1]<5.3>)')  # after the two bytes of the decoded é
out['partial'] = data[0][1].decode('utf-8')
typ, data = m.fetch('1', '(FLAGS)')
out['seen'] = data[0].decode()
typ, data = m.fetch('1', '(BINARY[3])')
out['unknown'] = [typ, data[0].decode()[:13]]
typ, data = m.fetch('1', '(BINARY[4] BINARY[9])')
out['seven_bit'] = [data[0][1].decode(), data[1].decode()]
try:
    m.fetch('1', '(BINARY[1.MIME])')
except imaplib.IMAP4.error as e:
    out['bad'] = str(e)[:24]
out['noop'] = m.noop()[0]
m.logout()
print(json.dumps(out))
`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('python3', ['-c', script, String(port), PASSWORD], (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
  );
  const out = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(out, {
    caps: true,
    peek: [`1 (BINARY[2] ~{${BYTES.length}}`, [...BYTES], ` BINARY.SIZE[2] ${BYTES.length} BINARY.SIZE[1] ${QP_DECODED.length})`],
    unseen: '1 (FLAGS (\\Recent))',
    partial: ' au',
    seen: '1 (FLAGS (\\Recent \\Seen))',
    unknown: ['NO', '[UNKNOWN-CTE]'],
    seven_bit: ['plain seven bit', ' BINARY[9] NIL)'],
    bad: 'FETCH command error: BAD',
    noop: 'OK',
  });
});

test('raw: UNKNOWN-CTE, literal8 in APPEND, malformed BINARY is BAD and the session goes on', async (t) => {
  const { port } = await populated(t);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login('alice@example.org');
  await c.command('s', 'SELECT INBOX');
  assert.match((await c.command('u', 'FETCH 1 (UID BINARY.PEEK[3])')).at(-1)!, /^u NO \[UNKNOWN-CTE\] /);
  assert.match((await c.command('z', 'FETCH 1 BINARY.SIZE[3]')).at(-1)!, /^z NO \[UNKNOWN-CTE\] /);
  for (const bad of ['BINARY[1.TEXT]', 'BINARY[', 'BINARY[x]', 'BINARY.SIZE[1]<0.2>', '(BINARY[1] BINARY.GARBAGE[1])', 'BINARY[1]<2.0>', 'BINARY[4294967296]']) {
    const lines = await c.command('b', `FETCH 1 ${bad}`);
    assert.deepEqual([lines.length, lines[0]!.slice(0, 5)], [1, 'b BAD'], bad);
  }
  // APPEND with literal8: the NUL bytes are stored and come back byte for byte.
  const raw = Buffer.concat([Buffer.from('Subject: raw\r\n\r\n'), BYTES]);
  c.send(Buffer.concat([Buffer.from(`a APPEND INBOX ~{${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]));
  assert.match((await c.until('a')).at(-1)!, /^a OK \[APPENDUID \d+ 2\]/);
  c.send('f UID FETCH 2 (BINARY.PEEK[] BINARY.SIZE[])\r\n');
  assert.equal(await c.line(), `* 2 FETCH (UID 2 BINARY[] ~{${raw.length}}`);
  const rest = (await c.until('f')).join('\r\n');
  assert.ok(rest.startsWith(`${raw.toString('latin1')} BINARY.SIZE[] ${raw.length})`), JSON.stringify(rest));
  assert.match(rest, /f OK/);
  assert.match((await c.command('q', 'APPEND INBOX ~"not a literal"')).at(-1)!, /^q BAD /);
  assert.match((await c.command('n', 'NOOP')).at(-1)!, /^n OK/);
});
