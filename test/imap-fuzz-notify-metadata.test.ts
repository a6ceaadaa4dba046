import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzSessions } from './helpers/fuzz.ts';
import type { RawImap } from './helpers/imap.ts';
import { ALICE, aliceSession } from './helpers/imap-inbox.ts';

/** The commands of METADATA, REPLACE, CATENATE, MULTISEARCH and NOTIFY, mutated. */
const VALID = [
  'a SETMETADATA INBOX (/private/comment "x" /shared/a/b {3+}\r\nabc /private/gone NIL)',
  'b GETMETADATA (MAXSIZE 10 DEPTH infinity) "" (/private/comment /shared/a)',
  'c REPLACE 1 INBOX (\\Seen) "01-Jan-2026 10:00:00 +0000" {13+}\r\nSubject: r\r\n\r\n',
  'd UID REPLACE 2 Drafts CATENATE (URL "/INBOX/;UID=1/;SECTION=1.MIME" TEXT {2+}\r\nhi)',
  'e APPEND Drafts CATENATE (URL "imap://alice%40example.org@h/INBOX;UIDVALIDITY=1/;UID=1/;SECTION=TEXT/;PARTIAL=0.5" URL ";UID=1")',
  'f ESEARCH IN (personal subtree-one (INBOX Drafts) mailboxes "x") RETURN (MIN COUNT) OR SUBJECT a NOT FROM b',
  'g NOTIFY SET STATUS (selected-delayed (MessageNew MessageExpunge FlagChange)) (subtree INBOX (MailboxName))',
  'h NOTIFY NONE',
];

test('mutated METADATA, REPLACE, CATENATE, MULTISEARCH and NOTIFY commands get answers, and a second session keeps being served', async (t) => {
  const { port, c } = await aliceSession(t, 3);
  await c.command('g0', 'SELECT INBOX');
  await c.command('g1', 'NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge MailboxName))');
  const sent = await fuzzSessions({
    port,
    good: c,
    valid: VALID,
    seed: 5465,
    rounds: 6,
    perRound: 120,
    prepare: async (fuzz: RawImap) => {
      await fuzz.login(ALICE);
      await fuzz.command('s', 'SELECT INBOX');
    },
  });
  assert.equal(sent, 720);
});
