/**
 * Delivers messages forever through the real write path, several at a time, and
 * prints `ACK <id> <recipients>` only after a delivery reported success. The
 * durability test kills this process with SIGKILL at random moments.
 */
import { deliverMessage } from '../../src/delivery/deliver.ts';
import { openLevelStore } from '../../src/store/level/store.ts';

const [dataDir, run] = process.argv.slice(2) as [string, string];
const store = await openLevelStore(dataDir, { sync: true, chunkSize: 4096 });
const recipientSets = [['alice@example.org'], ['bob@example.org'], ['team@example.org'], ['alice@example.org', 'bob+tag@example.org']];
let seq = 0;

async function worker(): Promise<never> {
  for (;;) {
    const id = `r${run}-${seq++}`;
    const recipients = recipientSets[seq % recipientSets.length]!;
    const body = `line of ${id}\r\n`.repeat(1 + (seq % 7) * 300);
    const raw = Buffer.from(`Message-ID: <${id}@durability.test>\r\nSubject: ${id}\r\nFrom: load@example.net\r\n\r\n${body}`);
    const reports = await deliverMessage(store, { from: 'load@example.net', recipients, raw, subaddressSeparator: '+' });
    const delivered = reports.flatMap((r) => r.outcomes).filter((o) => o.status === 'delivered').map((o) => (o as { account: string }).account);
    process.stdout.write(`ACK ${id} ${delivered.join(',')}\n`);
  }
}

await Promise.all([worker(), worker(), worker(), worker()]);
