import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessage } from '../src/delivery/deliver.ts';
import { blobHead, LevelBodyReader, type ReadDb } from '../src/store/level/body-reader.ts';
import { decode, encode } from '../src/store/level/codec.ts';
import { keys } from '../src/store/level/keys.ts';
import type { LevelStore } from '../src/store/level/store.ts';
import type { BlobMeta, MessageMeta } from '../src/store/types.ts';
import { addAccount, collect, message, testLevelStore } from './helpers/store.ts';

/** A store whose INBOX holds messages of these body sizes, stored in 4 KB chunks. */
async function filled(t: Parameters<typeof testLevelStore>[0], sizes: number[]): Promise<{ store: LevelStore; messages: MessageMeta[] }> {
  const { store } = await testLevelStore(t, 4096);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  for (const [i, size] of sizes.entries()) {
    const body = Buffer.alloc(size, 'abcdefghij'.charAt(i % 10)).toString();
    await writeMessage(store, message(`m${i}`, body), [{ accountId: alice.id, mailboxId: inbox.id, prefix: `Delivered-To: n${i}@example.org\r\n`, flags: [] }], { enforceQuota: false });
  }
  return { store, messages: await store.listMessages(inbox.id) };
}

/** Counts the round trips a reader makes. */
function counting(store: LevelStore): ReadDb & { gets: number; getManys: number } {
  const db = {
    gets: 0,
    getManys: 0,
    get: (key: string) => (db.gets++, store.core.db.get(key)),
    getMany: (keys: string[]) => (db.getManys++, store.core.db.getMany(keys)),
  };
  return db;
}

test('a body reader returns exactly what readMessage does, for whole messages and ranges', async (t) => {
  const { store, messages } = await filled(t, [10, 5000, 20_000, 0, 9000, 300]);
  const ranges = messages.map((m, i) => ({ message: m, start: i % 2 ? 40 : 0, end: i % 3 ? m.size : 4200 }));
  const reader = store.bodyReader(ranges);
  for (const { message: m, start, end } of ranges) {
    assert.deepEqual(await collect(reader.read(m, start, end)), await collect(store.readMessage(m, start, end)), `uid ${m.uid} ${start}-${end}`);
    // Ranges other than the planned one, and the same message again, come out right too.
    for (const [s, e] of [[0, 5], [3, 4097], [4096 + 30, 9000], [0, Infinity]] as const) {
      assert.deepEqual(await collect(reader.read(m, s, e)), await collect(store.readMessage(m, s, e)), `uid ${m.uid} ${s}-${e}`);
    }
  }
  // Out of order, and a reader with nothing planned.
  for (const m of [...messages].reverse()) assert.deepEqual(await collect(reader.read(m)), await collect(store.readMessage(m)));
  assert.deepEqual(await collect(store.bodyReader([]).read(messages[2]!)), await collect(store.readMessage(messages[2]!)));
});

test('a body reader loads the next messages together, within its byte budget', async (t) => {
  const { store, messages } = await filled(t, Array.from({ length: 30 }, () => 1000));
  const db = counting(store);
  const blobSize = (await store.getBlob(messages[0]!.blobId))!.size;
  const reader = new LevelBodyReader(db, messages.map((m) => ({ message: m, start: 0, end: m.size })), { maxBytes: 10.5 * blobSize, maxRanges: 100 });
  for (const m of messages) assert.deepEqual(await collect(reader.read(m)), await collect(store.readMessage(m)));
  assert.equal(db.gets, 0, 'no point reads');
  // 30 one-chunk bodies, 10 per window: 3 windows of two getMany each.
  assert.equal(db.getManys, 6);
});

test('ranges that carry their blob record are read with one getMany per window, for the chunks only', async (t) => {
  const { store, messages } = await filled(t, Array.from({ length: 12 }, () => 700));
  const db = counting(store);
  const blobs = await store.getBlobs(messages.map((m) => m.blobId));
  const ranges = messages.map((m, i) => ({ message: m, start: 0, end: m.size, blob: blobs[i]! }));
  const reader = new LevelBodyReader(db, ranges, { maxBytes: 1 << 20, maxRanges: 5 });
  for (const m of messages) assert.deepEqual(await collect(reader.read(m)), await collect(store.readMessage(m)));
  assert.equal(db.gets, 0, 'no point reads');
  // 12 ranges, 5 per window: 3 windows, each one getMany of chunks.
  assert.equal(db.getManys, 3);
});

test('a body larger than the budget is streamed: loaded in part, the rest read chunk by chunk', async (t) => {
  const { store, messages } = await filled(t, [100_000, 500]);
  const db = counting(store);
  const reader = new LevelBodyReader(db, messages.map((m) => ({ message: m, start: 0, end: m.size })), { maxBytes: 16_384, maxRanges: 100 });
  const [big, small] = messages;
  let largest = 0;
  for await (const chunk of reader.read(big!)) largest = Math.max(largest, chunk.length);
  assert.ok(largest <= 4096, 'chunk-sized pieces');
  assert.deepEqual(await collect(reader.read(big!)), await collect(store.readMessage(big!)));
  const pointReads = db.gets;
  assert.ok(pointReads > 0 && pointReads < 2 * 25, `the part past the budget read by point reads (${pointReads})`);
  assert.deepEqual(await collect(reader.read(small!)), await collect(store.readMessage(small!)));
  assert.equal(db.gets, pointReads, 'the small message came from its own window');
});

test('a missing body is reported as readMessage reports it; getBlobs and getSearchTexts keep the order asked', async (t) => {
  const { store, messages } = await filled(t, [100, 200]);
  const gone: MessageMeta = { ...messages[0]!, blobId: 'f'.repeat(24) };
  const reader = store.bodyReader([gone, messages[1]!].map((m) => ({ message: m, start: 0, end: m.size })));
  await assert.rejects(collect(reader.read(gone)), /body f+ is missing/);
  assert.deepEqual(await collect(reader.read(messages[1]!)), await collect(store.readMessage(messages[1]!)));
  const blobs = await store.getBlobs([messages[1]!.blobId, gone.blobId, messages[0]!.blobId]);
  assert.deepEqual(blobs.map((b) => b?.id ?? null), [messages[1]!.blobId, null, messages[0]!.blobId]);
  const texts = await store.getSearchTexts([messages[1]!.blobId, gone.blobId, messages[0]!.blobId]);
  assert.deepEqual(texts, [await store.getSearchText(messages[1]!.blobId), '', await store.getSearchText(messages[0]!.blobId)]);
  assert.ok(texts[0]!.length > 0);
});

test('blobHead reads the sizes of a stored blob record without its index, and any record in full', async (t) => {
  const { store, messages } = await filled(t, [70_000]);
  const record = (await store.core.db.get(keys.blob(messages[0]!.blobId)))!;
  const { id, size, chunkSize, chunks, headerEnd, index } = (await store.getBlob(messages[0]!.blobId))!;
  assert.deepEqual(blobHead(record), { id, size, chunkSize, chunks, headerEnd });
  assert.equal(chunks, 18);
  assert.equal(headerEnd, index.root.header.end);
  const full = decode<BlobMeta>(record);
  assert.deepEqual(await store.getBlob(id), full, 'the index, parsed when it is read, is the stored one');
  assert.deepEqual((await store.getBlobs([id]))[0]!.index, full.index);
  assert.deepEqual(JSON.parse(JSON.stringify(await store.getBlob(id))), full);
  // Members in another order (a record written some other way) are found all the same.
  assert.deepEqual(blobHead(encode({ chunks, index: {}, chunkSize, size, id })), { id, size, chunkSize, chunks });
  // Nested values are stepped over whatever they hold: brackets and quotes in strings, non-ASCII text.
  const tricky = { a: ['}', '{"x":1}', 'q\\"}', { b: [1, { c: 'é€😀' }] }], headerEnd: 7 };
  assert.deepEqual(blobHead(encode({ index: tricky, id, size, chunkSize, chunks, headerEnd: 9 })), { id, size, chunkSize, chunks, headerEnd: 9 });
  // A record from before headerEnd was kept.
  assert.deepEqual(blobHead(encode({ id, size, chunkSize, chunks, index: {} })), { id, size, chunkSize, chunks });
});
