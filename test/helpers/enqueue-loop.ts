/**
 * Accepts messages for local and remote recipients forever (local copies plus a
 * queue entry), and removes queued ones as a runner would, several at a time. It
 * prints `ACK <message id> <queue id>` once a message is accepted, `DELETING <queue id>`
 * before an entry is removed and `DEL <queue id>` once it is. The queue durability test kills it with SIGKILL.
 */
import { OutboundQueue } from '../../src/queue/outbound.ts';
import { acceptMessage } from '../../src/queue/accept.ts';
import { openLevelStore } from '../../src/store/level/store.ts';

const [dataDir, run] = process.argv.slice(2) as [string, string];
const store = await openLevelStore(dataDir, { sync: true, chunkSize: 4096 });
const queue = new OutboundQueue(store);
let seq = 0;

async function sender(): Promise<never> {
  for (;;) {
    const id = `r${run}-${seq++}`;
    const raw = Buffer.from(`Message-ID: <${id}@durability.test>\r\nSubject: ${id}\r\n\r\n${`line of ${id}\r\n`.repeat(1 + (seq % 5) * 400)}`);
    const reports = await acceptMessage(queue, { from: 'alice@example.org', recipients: ['alice@example.org', `x${seq}@remote.example`, 'friends@example.org'], raw, subaddressSeparator: '+' });
    const queued = reports.flatMap((r) => r.outcomes).find((o) => o.status === 'queued');
    process.stdout.write(`ACK ${id} ${queued && 'queueId' in queued ? queued.queueId : '-'}\n`);
  }
}

async function remover(): Promise<never> {
  for (;;) {
    const entries = await queue.list();
    const victim = entries[Math.floor(entries.length / 2)];
    if (!victim) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    process.stdout.write(`DELETING ${victim.id}\n`);
    if (await store.removeQueueEntry(victim.id)) process.stdout.write(`DEL ${victim.id}\n`);
  }
}

await Promise.all([sender(), sender(), sender(), remover()]);
