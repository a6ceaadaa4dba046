import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzSessions } from './helpers/fuzz.ts';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { ALICE } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

/** The commands of QRESYNC, ESEARCH, SEARCHRES, LIST-EXTENDED, QUOTA, MULTIAPPEND, UTF8=ACCEPT, IMAP4rev2, MESSAGELIMIT and UIDBATCHES, mutated. */
const VALID = [
  'a ENABLE QRESYNC UTF8=ACCEPT',
  'b SELECT INBOX (QRESYNC (1 2 1:5 (1:2 1,3)))',
  'c UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)',
  'd UID SEARCH RETURN (MIN MAX COUNT ALL SAVE) UNSEEN',
  'e FETCH $ (UID)',
  'f LIST (SUBSCRIBED RECURSIVEMATCH) "" ("*" INBOX) RETURN (STATUS (MESSAGES DELETED) SPECIAL-USE)',
  'g CREATE "x" (USE (\\Sent))',
  'h GETQUOTAROOT INBOX',
  'i SETQUOTA "" (STORAGE 10 MESSAGE 2)',
  'j APPEND INBOX (\\Seen) {5+}\r\nhello (\\Flagged) "01-Jan-2026 10:00:00 +0000" UTF8 (~{5+}\r\nworld)',
  'k UID EXPUNGE $',
  'l EXAMINE INBOX (CONDSTORE QRESYNC (1 1))',
  'm ENABLE IMAP4rev2 CONDSTORE',
  // Strings here are bytes (latin1): a decomposed é in UTF-8.
  'n RENAME "x" "y/Cafe\xcc\x81"',
  'o SEARCH RETURN () OR SUBJECT a NOT $',
  'p STATUS INBOX (SIZE DELETED MESSAGES)',
  'q UIDBATCHES 500 1:3',
  'r UID SEARCH UIDAFTER 1 UIDBEFORE 3 UNDELETED',
];

test('mutated commands of the new extensions get answers, and a second session keeps being served', async (t) => {
  const { store, port } = await startImapServer(t, (config) => {
    config.limits.message_size = 1000;
    config.limits.line_length = 2000;
  });
  await addAccount(store, ALICE, { messages: 50 });
  for (let i = 0; i < 3; i++) await deliver(store, ALICE, message(`fuzzed${i}`));
  const good = await RawImap.connect(port);
  t.after(() => good.close());
  await good.login(ALICE);
  await good.command('g0', 'SELECT INBOX');
  const sent = await fuzzSessions({
    port,
    good,
    valid: VALID,
    seed: 7162,
    rounds: 10,
    perRound: 150,
    prepare: async (fuzz) => {
      await fuzz.login(ALICE);
      await fuzz.command('e', 'ENABLE QRESYNC IMAP4rev2');
      await fuzz.command('s', 'SELECT INBOX');
    },
  });
  assert.equal(sent, 1500);
});
