import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzSessions } from './helpers/fuzz.ts';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { message } from './helpers/store.ts';

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
  const sent = await fuzzSessions({
    port,
    good,
    valid: VALID,
    seed: 4242,
    rounds: 20,
    perRound: 150,
    // Logged in and selected, so the noise reaches the parsers of every state.
    prepare: async (fuzz) => {
      await fuzz.login('alice@example.org');
      await fuzz.command('s', 'SELECT INBOX');
    },
  });
  assert.equal(sent, 3000);
});
