import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openLevelStore } from '../src/store/level/store.ts';
import { runCli, runUntilKilled, tempDir } from './helpers/env.ts';
import { collect, createStoreIn } from './helpers/store.ts';

const KILLS = 24;
const PASSWORD = 'correct horse battery\n';

/** Runs the delivery loop and kills it with SIGKILL after `acks` acknowledgements. */
async function runLoop(dataDir: string, run: number, acks: number): Promise<Map<string, string[]>> {
  const acked = new Map<string, string[]>();
  await runUntilKilled('deliver-loop.ts', [dataDir, String(run)], (line) => {
    const [, id, accounts] = line.split(' ');
    acked.set(id!, accounts ? accounts.split(',') : []);
    return acked.size >= acks;
  });
  return acked;
}

test('deliveries survive SIGKILL at random moments: every acknowledged message is there exactly once', async (t) => {
  const cwd = tempDir(t);
  const dataDir = join(cwd, 'data');
  const cli = (args: string[], input?: string) => runCli(['--data-dir', dataDir, ...args], { cwd, input });
  await createStoreIn(dataDir);
  for (const args of [['domain', 'add', 'example.org'], ['alias', 'add', 'team@example.org', 'alice@example.org', 'bob@example.org']]) {
    assert.equal((await cli(args)).code, 0);
  }
  for (const user of ['alice@example.org', 'bob@example.org']) {
    assert.equal((await cli(['user', 'add', user, '--password-stdin'], PASSWORD)).code, 0);
  }

  const expected = new Map<string, string[]>();
  const uidOwner = new Map<string, string>();
  let seed = 0x2545f491;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let run = 0; run < KILLS; run++) {
    for (const [id, accounts] of await runLoop(dataDir, run, 1 + Math.floor(random() * 12))) expected.set(id, accounts);

    const check = await cli(['store', 'check']);
    assert.equal(check.code, 0, `store check after kill ${run}: ${check.stdout}${check.stderr}`);

    const store = await openLevelStore(dataDir, { sync: true, chunkSize: 4096 });
    try {
      const seen = new Map<string, string[]>();
      for (const account of await store.listAccounts()) {
        const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
        const uids = new Set<number>();
        for (const message of await store.listMessages(inbox.id)) {
          assert.ok(!uids.has(message.uid));
          uids.add(message.uid);
          const head = (await collect(store.readMessage(message, 0, 300))).toString();
          const id = /Message-ID: <([^@]+)@/.exec(head)![1]!;
          seen.set(id, [...(seen.get(id) ?? []), account.address]);
          const slot = `${account.address}/${message.uid}`;
          assert.equal(uidOwner.get(slot) ?? id, id, `UID ${slot} was reused`);
          uidOwner.set(slot, id);
        }
        assert.ok(inbox.uidNext > Math.max(0, ...uids));
      }
      for (const [id, accounts] of expected) {
        assert.deepEqual((seen.get(id) ?? []).sort(), [...accounts].sort(), `acknowledged ${id} must be present exactly once per recipient`);
      }
      for (const [id, accounts] of seen) {
        assert.equal(new Set(accounts).size, accounts.length, `${id} is not duplicated`);
      }
    } finally {
      await store.close();
    }
  }
  assert.ok(expected.size >= KILLS, `${expected.size} acknowledged deliveries checked`);
});
