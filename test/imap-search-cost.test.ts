import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { writeMessages } from '../src/delivery/deliver.ts';
import { MAX_SEARCH_KEYS } from '../src/imap/search-query.ts';
import { addAccount, RawImap, startImapServer } from './helpers/imap.ts';
import { message } from './helpers/store.ts';

const ALICE = 'alice@example.org';

/**
 * The attack of issue 13: a balanced OR tree of `leaves` BODY terms (no parentheses, so only 11 levels deep for 2,048).
 * Each term has two characters, which the full-text index cannot narrow (it keeps trigrams): every message is scanned.
 */
function orTree(leaves: number): string {
  let n = 0;
  const tree = (size: number): string => (size === 1 ? `BODY z${n++ % 10}` : `OR ${tree(size / 2)} ${tree(size / 2)}`);
  return tree(leaves);
}

async function mailbox(t: TestContext, count: number) {
  const env = await startImapServer(t, (config) => (config.store.sync = false));
  const account = await addAccount(env.store, ALICE);
  const inbox = (await env.store.getMailbox(account.id, 'INBOX'))!;
  const body = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet\r\n'.repeat(20);
  const messages = Array.from({ length: count }, (_, i) => ({ raw: message(`m${i}`, body), targets: [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags: [] }] }));
  for (let i = 0; i < count; i += 100) await writeMessages(env.store, messages.slice(i, i + 100), { enforceQuota: false, atomic: true });
  return env;
}

/** A raw session logged in as alice, with `select` selected. */
async function session(t: TestContext, port: number, select?: string): Promise<RawImap> {
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login(ALICE);
  if (select) await c.command('s', `SELECT ${select}`);
  return c;
}

test('the 2,048-leaf OR tree of BODY terms gets NO [LIMIT], and another session is served while it is scanned', async (t) => {
  // imap.search_cost at its default: 4,095 keys per message, and one more unit for each of the 2,048 BODY
  // keys scanning 1.3 KB of text, reach it after about 810 of these 1,000 messages.
  const { port } = await mailbox(t, 1000);
  const searcher = await session(t, port, 'INBOX');
  const other = await session(t, port);

  let answered = false;
  const search = searcher.command('x', `SEARCH ${orTree(2048)}`).then((lines) => {
    answered = true;
    return lines;
  });
  // One NOOP after another: each round trip needs the server's event loop, which a scan that never yields would hold.
  let roundTrips = 0;
  while (!answered) {
    assert.deepEqual(await other.command(`n${roundTrips}`, 'NOOP'), [`n${roundTrips} OK NOOP completed`]);
    roundTrips++;
  }
  assert.match((await search).at(-1)!, /^x NO \[LIMIT\] /);
  assert.ok(roundTrips >= 10, `only ${roundTrips} NOOPs were answered while the search ran`);
  // SORT and THREAD go through the same scan; a SEARCH with SAVE that hits the limit empties $.
  assert.match((await searcher.command('y', `SORT (DATE) UTF-8 ${orTree(2048)}`)).at(-1)!, /^y NO \[LIMIT\] /);
  assert.match((await searcher.command('z', `THREAD REFERENCES UTF-8 ${orTree(2048)}`)).at(-1)!, /^z NO \[LIMIT\] /);
  assert.deepEqual(await searcher.command('v', 'SEARCH RETURN (SAVE) 1:5'), ['v OK SEARCH completed']);
  assert.match((await searcher.command('w', `SEARCH RETURN (SAVE) ${orTree(2048)}`)).at(-1)!, /^w NO \[LIMIT\] /);
  assert.deepEqual(await searcher.command('u', 'SEARCH $'), ['* SEARCH', 'u OK SEARCH completed']);
  // An ordinary search of the same mailbox is answered.
  const found = await searcher.command('o', 'SEARCH OR OR FROM bob TO bob OR SUBJECT m999 BODY foxtrot');
  assert.equal(found[0]!.split(' ').length, 2 + 1000);
});

test('search keys are bounded when parsed: too many, or nested too deeply, is BAD', async (t) => {
  const { port } = await mailbox(t, 1);
  const c = await session(t, port, 'INBOX');
  assert.match((await c.command('a', `SEARCH ${'ALL '.repeat(MAX_SEARCH_KEYS)}ALL`)).at(-1)!, new RegExp(`^a BAD more than ${MAX_SEARCH_KEYS} search keys`));
  assert.match((await c.command('b', `SEARCH ${'NOT '.repeat(40)}ALL`)).at(-1)!, /^b BAD .*nested/);
  assert.deepEqual(await c.command('c', `SEARCH ${'ALL '.repeat(100)}ALL`), ['* SEARCH 1', 'c OK SEARCH completed']);
});
