import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { message } from './helpers/store.ts';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const VALID = [
  'a NOOP',
  'b SELECT INBOX',
  'c FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODYSTRUCTURE)',
  'd UID SEARCH OR (FROM x SINCE 1-Jan-2026) NOT (LARGER 10 UID 1:*)',
  'e STORE 1 +FLAGS (\\Seen)',
  'f LIST "" "*"',
  'g STATUS INBOX (MESSAGES UIDNEXT)',
  'h APPEND INBOX (\\Seen) {5+}\r\nhello',
  'i UID COPY 1:* Archive',
  'j CREATE "a/b"',
  'k AUTHENTICATE PLAIN',
  'l ID ("name" "fuzz")',
  'm UID SORT (REVERSE DATE SUBJECT) UTF-8 YOUNGER 60',
  'n THREAD REFERENCES UTF-8 NOT SAVEDBEFORE 1-Jan-2026',
  'o FETCH 1 (BINARY.PEEK[1]<0.9> BINARY.SIZE[1] PREVIEW (LAZY) EMAILID THREADID SAVEDATE)',
  'p SEARCH EMAILID M1 THREADID T2 OLDER 5',
];
const ALPHABET = '()[]{}<>"\\*%+-.:, \r\n0123456789ABCDEFabcdef\x00\xff';

function mutate(next: () => number): Buffer {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  if (next() < 0.2) return Buffer.from(Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256)));
  const bytes = [...Buffer.from(pick(VALID), 'latin1')];
  for (let n = Math.floor(next() * 6); n > 0; n--) {
    const at = Math.floor(next() * (bytes.length + 1));
    const what = next();
    if (what < 0.4) bytes.splice(at, 1);
    else if (what < 0.8) bytes.splice(at, 0, ALPHABET.charCodeAt(Math.floor(next() * ALPHABET.length)));
    else bytes.splice(at, 0, ...Buffer.from(pick(['{99999999}', '{3}', '(((((((((', '*:*', '"', ' UID ', 'BODY[1.2.3.4.5]<0.1>'])));
  }
  return Buffer.from(bytes);
}

test('thousands of random and mutated commands get answers, and a second session keeps being served', async (t) => {
  const { store, port } = await startImapServer(t, (config) => {
    config.limits.message_size = 1000;
    config.limits.line_length = 2000;
  });
  await addAccount(store, 'alice@example.org');
  await deliver(store, 'alice@example.org', message('fuzzed', 'Hello.\r\n'));
  const good = await RawImap.connect(port);
  t.after(() => good.close());
  await good.login('alice@example.org');
  await good.command('g0', 'SELECT INBOX');
  const next = random(4242);
  let sent = 0;
  for (let round = 0; round < 20; round++) {
    const fuzz = await RawImap.connect(port);
    // Logged in and selected, so the noise reaches the parsers of every state.
    await fuzz.login('alice@example.org');
    await fuzz.command('s', 'SELECT INBOX');
    for (let i = 0; i < 150; i++, sent++) fuzz.send(Buffer.concat([mutate(next), Buffer.from('\r\n')]));
    // Enough line ends to complete any literal the noise announced (at most 1000 bytes), then a probe.
    fuzz.send(`${'\r\n'.repeat(600)}zz NOOP\r\n`);
    let answered = false;
    for (let line = await fuzz.line(); line !== null; line = await fuzz.line()) {
      if (line.startsWith('zz ')) {
        answered = true;
        break;
      }
    }
    // Either the probe was answered, or the server ended a stream it could no longer frame.
    assert.ok(answered || fuzz.closed);
    fuzz.close();
    assert.equal((await good.command(`g${round + 1}`, 'NOOP')).at(-1), `g${round + 1} OK NOOP completed`);
  }
  assert.equal(sent, 3000);
});
