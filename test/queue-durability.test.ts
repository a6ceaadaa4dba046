import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openLevelStore } from '../src/store/level/store.ts';
import { runCli, runUntilKilled, tempDir } from './helpers/env.ts';
import { collect, createStoreIn } from './helpers/store.ts';

const KILLS = 8;

test('queue entries survive SIGKILL at random moments: every accepted one is there, whole, until removed', async (t) => {
  const cwd = tempDir(t);
  const dataDir = join(cwd, 'data');
  const cli = (args: string[], input?: string) => runCli(['--data-dir', dataDir, ...args], { cwd, input });
  await createStoreIn(dataDir);
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', 'alice@example.org', '--password-stdin'], 'correct horse battery\n')).code, 0);
  assert.equal((await cli(['alias', 'add', 'friends@example.org', 'pal@remote.example', 'alice@example.org'])).code, 0);

  const queued = new Map<string, string>();
  const removed = new Set<string>();
  // A kill between the removal's commit and its DEL line leaves these either way.
  const removing = new Set<string>();
  for (let run = 0; run < KILLS; run++) {
    const wanted = 2 + ((run * 7) % 11);
    let acks = 0;
    await runUntilKilled('enqueue-loop.ts', [dataDir, String(run)], (line) => {
      const [kind, a, b] = line.split(' ');
      if (kind === 'ACK') {
        queued.set(b!, a!);
        acks++;
      } else if (kind === 'DEL') removed.add(a!);
      else if (kind === 'DELETING') removing.add(a!);
      return acks >= wanted;
    });

    const store = await openLevelStore(dataDir, { sync: true, chunkSize: 4096 });
    try {
      assert.deepEqual(await store.check({ repair: false }), [], `store check after kill ${run}`);
      const present = new Map((await store.listQueue()).map((e) => [e.id, e]));
      for (const [queueId, messageId] of queued) {
        if (removed.has(queueId)) {
          assert.ok(!present.has(queueId), `${queueId} was removed and stays removed`);
          continue;
        }
        const entry = present.get(queueId);
        if (!entry && removing.has(queueId)) continue;
        assert.ok(entry, `accepted ${messageId} (${queueId}) is queued`);
        const remote = entry.recipients.map((r) => r.address);
        assert.equal(remote.length, 2);
        assert.ok(remote.includes('pal@remote.example') && remote.some((a) => /^x\d+@remote\.example$/.test(a)));
        const body = await collect(store.readQueueMessage(queueId));
        assert.equal(body.length, entry.size);
        assert.match(body.toString('latin1', 0, 100), new RegExp(`^Message-ID: <${messageId}@`));
      }
    } finally {
      await store.close();
    }
  }
  assert.ok(queued.size >= KILLS * 2, `${queued.size} accepted messages checked`);
});
