/**
 * `node bench/select-scale.ts [--sizes 1000,10000,100000] [--rounds 20]`: how SELECT
 * grows with the mailbox (docs/performance.md, "Mailbox index"). For each size, a
 * Mailfold store is filled through the store API (4 KB messages, a few hundred per
 * batch: much faster than SMTP), then `mailfold serve` runs as the benchmark runs it
 * and one IMAP client times, each the median of `rounds`: connect+LOGIN+SELECT, SELECT
 * alone on a logged-in session, STATUS (MESSAGES UNSEEN SIZE DELETED), a QRESYNC
 * SELECT after 100 flag changes, and once `UID STORE 1:* +FLAGS (\Seen)`.
 */
import { parseArgs } from 'node:util';
import { writeMessages } from '../src/delivery/deliver.ts';
import { ImapClient } from './client/imap.ts';
import { startMailfold } from './mailfold.ts';
import { makeMessage } from './messages.ts';
import { address, PASSWORD, type Target } from './target.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string' }, rounds: { type: 'string' } } });
const sizes = (values.sizes ?? '1000,10000,100000').split(',').map(Number);
const rounds = Number(values.rounds ?? 20);
const USER = 'scale';
const BATCH = 500;

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function session(target: Target): Promise<ImapClient> {
  const client = await ImapClient.connect(target.ports.imap);
  await client.login(address(USER), PASSWORD);
  return client;
}

async function measure(target: Target, count: number): Promise<Record<string, number>> {
  const login: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let client: ImapClient | null = null;
    login.push(
      await timed(async () => {
        client = await session(target);
        await client.ok('SELECT INBOX');
      }),
    );
    client!.close();
  }
  const client = await session(target);
  const select: number[] = [];
  const status: number[] = [];
  for (let i = 0; i < rounds; i++) {
    select.push(await timed(() => client.ok('SELECT INBOX')));
    await client.ok('UNSELECT');
    status.push(await timed(() => client.ok('STATUS INBOX (MESSAGES UNSEEN SIZE DELETED)')));
  }
  await client.ok('ENABLE QRESYNC');
  const state = (await client.ok('SELECT INBOX', true)).untagged.join('\n');
  const uidValidity = /UIDVALIDITY (\d+)/.exec(state)![1];
  const modSeq = /HIGHESTMODSEQ (\d+)/.exec(state)![1];
  for (let i = 0; i < 100; i++) await client.ok(`UID STORE ${1 + Math.floor((i * count) / 100)} +FLAGS (\\Flagged)`);
  await client.ok('UNSELECT');
  const qresync: number[] = [];
  for (let i = 0; i < Math.min(rounds, 5); i++) {
    qresync.push(await timed(() => client.ok(`SELECT INBOX (QRESYNC (${uidValidity} ${modSeq}))`)));
    await client.ok('UNSELECT');
  }
  await client.ok('SELECT INBOX');
  const store = await timed(() => client.ok('UID STORE 1:* +FLAGS (\\Seen)'));
  client.close();
  return { login: median(login), select: median(select), status: median(status), qresync: median(qresync), store };
}

const rows: string[] = [];
for (const count of sizes) {
  const filling = performance.now();
  const target = await startMailfold([USER], {
    fill: async (store) => {
      const account = (await store.getAccount(address(USER)))!;
      const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
      for (let n = 0; n < count; n += BATCH) {
        const items = Array.from({ length: Math.min(BATCH, count - n) }, (_, k) => ({
          raw: makeMessage(n + k, 4096, address(USER)),
          targets: [{ accountId: account.id, mailboxId: inbox.id, prefix: `Delivered-To: ${address(USER)}\r\n`, flags: [] }],
        }));
        await writeMessages(store, items, { enforceQuota: false, atomic: false });
      }
    },
  });
  process.stderr.write(`${count}: filled and started in ${((performance.now() - filling) / 1000).toFixed(0)} s\n`);
  try {
    const r = await measure(target, count);
    const f = (ms: number) => ms.toFixed(1);
    rows.push(`| ${count.toLocaleString('en')} | ${f(r.login!)} | ${f(r.select!)} | ${f(r.status!)} | ${f(r.qresync!)} | ${f(r.store!)} |`);
    process.stderr.write(`${rows.at(-1)}\n`);
  } finally {
    await target.stop();
  }
}
console.log(`rounds: ${rounds} (medians, ms)`);
console.log('| messages | connect+LOGIN+SELECT | SELECT | STATUS | QRESYNC SELECT after 100 changes | UID STORE 1:* +FLAGS (\\Seen) |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
