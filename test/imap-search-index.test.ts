import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { headerLine, searchHeaders } from '../src/mime/search-terms.ts';
import { ALWAYS_RANGE, INDEX_STATE, MERGED_RANGE, PENDING_RANGE, SEGMENTS_RANGE } from '../src/store/level/search-index.ts';
import { openLevelStore, type LevelStore } from '../src/store/level/store.ts';
import { writeMessages } from '../src/delivery/deliver.ts';
import { tempDir } from './helpers/env.ts';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { message } from './helpers/store.ts';

const ALICE = 'alice@example.org';
const CORPUS = 'test/fixtures/corpus/messages';

/** Messages made for what the corpus lacks: compatibility forms, decomposed accents, encoded words, words run together. */
const CRAFTED = [
  'From: Zoë <zoe@example.net>\r\nTo: alice@example.org\r\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n\r\nDas ﬁnale Ｒｅｓｕｌｔａｔ steht fest.\r\n',
  'From: bob@example.net\r\nTo: alice@example.org\r\nCc: Carol <carol@example.org>\r\nSubject: cafe\r\n\r\nUn cafe\u0301 au lait, lorem ipsum dolor.\r\n',
  'From: bob@example.net\r\nTo: alice@example.org\r\nBcc: dave@example.org\r\nSubject: quarterly\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nQ3 =C3=9Cbersicht: Umsatz +12 % =E2=80=94 =CE=A3=CE=91=CE=A3\r\n',
  // More distinct trigrams than the index keeps per message: a candidate for every query.
  `From: bob@example.net\r\nTo: alice@example.org\r\nSubject: logs\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${Array.from({ length: 25_000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 30_000))).join('')} needleword\r\n`,
];

/** The searches compared: hand-picked ones, then substrings of every message's own header lines and text. */
function queries(texts: { headers: string[]; body: string }[]): string[] {
  const fixed = [
    'TEXT finale', 'BODY resultat', 'BODY ＲＥＳＵＬＴＡＴ', 'TEXT café', 'TEXT cafe', 'BODY "m ipsum d"', 'SUBJECT "üße au"', 'FROM zoë',
    'TEXT "delivered-to: alice"', 'HEADER Delivered-To ALICE', 'CC carol', 'BCC dave', 'TO "alice@"', 'BODY σας', 'BODY übersicht',
    'TEXT ü', 'BODY ab', 'OR BODY finale SUBJECT cafe', 'NOT BODY lorem', 'BODY lorem BODY dolor', 'BODY lorem NOT BODY xyzzy', 'TEXT xyzzyplugh',
    'OR BODY xyzzy ALL', 'SUBJECT ""', 'BODY "the "', 'BODY needleword', 'TEXT "d needle"',
  ];
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed >>> 8) % n;
  };
  const piece = (text: string) => {
    const points = Array.from(text.replace(/[\x00-\x1f"\\]/g, ' '));
    const start = random(Math.max(1, points.length - 3));
    const s = points.slice(start, start + 3 + random(8)).join('');
    return random(2) ? s.toUpperCase() : s;
  };
  const picked: string[] = [];
  for (const { headers, body } of texts) {
    if (body.trim()) picked.push(`${['BODY', 'TEXT'][random(2)]} "${piece(body)}"`);
    const line = headers[random(Math.max(1, headers.length))];
    const field = line?.slice(0, line.indexOf(':'));
    if (line) picked.push(['subject', 'from', 'to', 'cc'].includes(field!) ? `${field!.toUpperCase()} "${piece(line.slice(field!.length + 2))}"` : `TEXT "${piece(line)}"`);
  }
  return [...fixed, ...picked];
}

/** A search as a client sends it: non-ASCII text as UTF-8 literals (LITERAL+). */
function command(query: string): string {
  const literal = query.replace(/"([^"]*)"|(\S*[^\x00-\x7f]\S*)/g, (whole, quoted: string | undefined, bare: string | undefined) => {
    const text = quoted ?? bare ?? '';
    return /[^\x00-\x7f]/.test(text) ? `{${Buffer.byteLength(text)}+}\r\n${text}` : whole;
  });
  return `UID SEARCH CHARSET UTF-8 ${literal}`;
}

async function answers(c: RawImap, list: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, q] of list.entries()) {
    const lines = await c.command(`q${i}`, command(q));
    assert.match(lines.at(-1)!, new RegExp(`^q${i} OK`), `${q}: ${lines.at(-1)}`);
    out.push(`${q} => ${lines.find((l) => l.startsWith('* SEARCH')) ?? ''}`);
  }
  return out;
}

/** What a store written before the index existed looks like: no index keys, no built marker. */
async function dropIndex(store: LevelStore): Promise<void> {
  const doomed = [INDEX_STATE];
  for (const range of [SEGMENTS_RANGE, PENDING_RANGE, MERGED_RANGE, ALWAYS_RANGE]) doomed.push(...(await store.core.db.keys(range).all()));
  await store.core.db.batch(doomed.map((key) => ({ type: 'del' as const, key })));
}

async function session(t: TestContext, port: number): Promise<RawImap> {
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login(ALICE);
  await c.command('s', 'SELECT INBOX');
  return c;
}

test('SEARCH over the corpus: a store from before the index scans, store check --repair builds the index, and the answers stay the same', async (t) => {
  const dir = tempDir(t);
  const raws = [...readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(CORPUS, f))), ...CRAFTED.map((m) => Buffer.from(m))];
  const texts: { headers: string[]; body: string }[] = [];
  {
    const store = await openLevelStore(dir, { sync: false, chunkSize: 4096 });
    await addAccount(store, ALICE);
    for (const raw of raws) await deliver(store, ALICE, raw);
    const inbox = (await store.getMailbox((await store.getAccount(ALICE))!.id, 'INBOX'))!;
    for (const meta of await store.listMessages(inbox.id)) {
      // searchHeaders stops at the blank line, as SEARCH reads the header.
      const message = Buffer.concat([Buffer.from(meta.prefix), raws[meta.uid - 1]!]);
      texts.push({ headers: searchHeaders(message).map(headerLine), body: await store.getSearchText(meta.blobId) });
    }
    await dropIndex(store);
    await store.close();
  }
  const list = queries(texts);
  const env = await startImapServer(t, (config) => (config.data_dir = dir));
  const inbox = (await env.store.getMailbox((await env.store.getAccount(ALICE))!.id, 'INBOX'))!;
  const c = await session(t, env.port);

  // Without the index every search scans; the answers are the reference.
  assert.equal((await env.store.searchIndex.candidates(inbox.id, 'finale', 1000)).uids, null);
  const scanned = await answers(c, list);
  assert.ok(scanned.filter((a) => /SEARCH \d/.test(a)).length > list.length / 2, 'most searches find something');
  assert.ok(scanned.includes(`BODY needleword => * SEARCH ${raws.length}`));

  const problems = await env.store.check({ repair: true });
  assert.deepEqual(problems, [{ what: `search index: not built (repair builds it for ${raws.length} bodies; SEARCH scans meanwhile)`, repaired: true }]);
  assert.deepEqual(await env.store.check({ repair: false }), []);
  // Now the index narrows: a rare word has few candidates (its trigrams apart in other texts), a text too short for a trigram none.
  const rare = (await env.store.searchIndex.candidates(inbox.id, 'FINALE', 1000)).uids!;
  assert.ok(rare.has(raws.length - CRAFTED.length + 1) && rare.size < 6, `${[...rare]}`);
  assert.equal((await env.store.searchIndex.candidates(inbox.id, 'ab', 1000)).uids, null);
  assert.deepEqual(await answers(c, list), scanned);
});

/** Where a body is in the index (LevelDB keys: the SearchIndex role has no way to list them). */
async function stateOf(store: LevelStore, blobId: string): Promise<'pending' | 'merged' | 'none'> {
  if ((await store.core.db.get(`ftp/${blobId}`)) !== undefined) return 'pending';
  return (await store.core.db.get(`ftd/${blobId}`)) !== undefined ? 'merged' : 'none';
}

test('index entries are written with the body, merged into segments, removed with its last message; store check --repair restores missing ones and drops stale ones', async (t) => {
  const env = await startImapServer(t);
  const account = await addAccount(env.store, ALICE);
  await env.store.createMailbox(account.id, 'Keep');
  const inbox = (await env.store.getMailbox(account.id, 'INBOX'))!;
  const keep = (await env.store.getMailbox(account.id, 'Keep'))!;
  await deliver(env.store, ALICE, message('plover', 'The quuxwort grows here.\r\n'));
  await deliver(env.store, ALICE, message('other', 'Nothing rare: zanzibarite.\r\n'));
  const [first] = await env.store.listMessages(inbox.id);
  assert.equal(await stateOf(env.store, first!.blobId), 'pending');
  // A merge (normally once 64 bodies are pending) moves both into a segment; a third body stays pending.
  await env.store.core.searchIndex.merge();
  assert.equal(await stateOf(env.store, first!.blobId), 'pending');
  await env.store.core.searchIndex.mergeLocked(true);
  assert.equal(await stateOf(env.store, first!.blobId), 'merged');
  await deliver(env.store, ALICE, message('third', 'Another quuxwort, pending.\r\n'));
  const third = (await env.store.listMessages(inbox.id))[2]!;
  assert.equal(await stateOf(env.store, third.blobId), 'pending');

  const c = await session(t, env.port);
  assert.deepEqual(await c.command('a', 'UID SEARCH TEXT QUUXWORT'), ['* SEARCH 1 3', 'a OK SEARCH completed']);
  assert.deepEqual([...(await env.store.searchIndex.candidates(inbox.id, 'quuxwort', 10)).uids!].sort(), [1, 3]);
  // SORT and THREAD select through the same search.
  assert.deepEqual(await c.command('b', 'UID SORT (REVERSE ARRIVAL) UTF-8 BODY quuxwort'), ['* SORT 3 1', 'b OK SORT completed']);
  assert.deepEqual(await c.command('c', 'UID THREAD REFERENCES UTF-8 BODY zanzibar'), ['* THREAD (2)', 'c OK THREAD completed']);

  // The copy shares the body: expunging the original keeps its entries, expunging the copy too removes them.
  await c.command('d', 'UID COPY 1,3 Keep');
  await c.command('e', 'UID STORE 1,3 +FLAGS.SILENT (\\Deleted)');
  await c.command('f', 'EXPUNGE');
  assert.deepEqual(await c.command('g', 'UID SEARCH TEXT quuxwort'), ['* SEARCH', 'g OK SEARCH completed']);
  assert.deepEqual([...(await env.store.searchIndex.candidates(keep.id, 'quuxwort', 10)).uids!].sort(), [1, 2]);
  assert.equal(await stateOf(env.store, first!.blobId), 'merged');
  await env.store.expunge(keep.id, [1, 2]);
  assert.equal(await stateOf(env.store, first!.blobId), 'none');
  assert.equal(await stateOf(env.store, third.blobId), 'none');
  assert.deepEqual([...(await env.store.searchIndex.candidates(keep.id, 'quuxwort', 10)).uids!], []);
  assert.deepEqual(await env.store.check({ repair: false }), []);

  // A lost entry (the index is trusted to narrow, so SEARCH misses the message) is found and rebuilt.
  await deliver(env.store, ALICE, message('fourth', 'A zanzibarite too.\r\n'));
  const fourth = (await env.store.listMessages(inbox.id)).at(-1)!;
  await env.store.core.db.del(`ftp/${fourth.blobId}`);
  assert.deepEqual(await c.command('n', 'NOOP'), ['* 2 EXISTS', '* 2 RECENT', 'n OK NOOP completed']);
  assert.deepEqual(await c.command('h', 'UID SEARCH BODY zanzibar'), ['* SEARCH 2', 'h OK SEARCH completed']);
  // An entry of a body that is gone.
  await env.store.core.db.put('ftd/00000000ffffffffffffffff', Buffer.from('00000001'));
  assert.deepEqual(await env.store.check({ repair: true }), [
    { what: 'search index: 1 bodies no longer stored are still indexed', repaired: true },
    { what: 'search index: 1 bodies are not indexed', repaired: true },
  ]);
  assert.deepEqual(await c.command('i', 'UID SEARCH BODY zanzibar'), [`* SEARCH 2 ${fourth.uid}`, 'i OK SEARCH completed']);
  assert.deepEqual(await env.store.check({ repair: false }), []);
});

test('the 2,048-leaf OR tree of three-character BODY terms is answered from the index, under the cost limit a scan would pass', async (t) => {
  const env = await startImapServer(t, (config) => (config.store.sync = false));
  const account = await addAccount(env.store, ALICE);
  const inbox = (await env.store.getMailbox(account.id, 'INBOX'))!;
  const body = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet\r\n'.repeat(20);
  const messages = Array.from({ length: 1000 }, (_, i) => ({ raw: message(`m${i}`, body), targets: [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags: [] }] }));
  for (let i = 0; i < messages.length; i += 100) await writeMessages(env.store, messages.slice(i, i + 100), { enforceQuota: false, atomic: true });
  let n = 0;
  const tree = (size: number): string => (size === 1 ? `BODY zz${n++}` : `OR ${tree(size / 2)} ${tree(size / 2)}`);
  const c = await session(t, env.port);
  // test/imap-search-cost.test.ts: the same tree of two-character terms, which the index cannot narrow, gets NO [LIMIT].
  assert.deepEqual(await c.command('a', `SEARCH ${tree(2048)}`), ['* SEARCH', 'a OK SEARCH completed']);
  assert.deepEqual(await c.command('b', 'SEARCH OR BODY zz1 BODY "foxtrot golf"'), [`* SEARCH ${Array.from({ length: 1000 }, (_, i) => i + 1).join(' ')}`, 'b OK SEARCH completed']);
});
