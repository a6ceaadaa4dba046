import { setTimeout as delay } from 'node:timers/promises';
import { ImapClient } from './client/imap.ts';
import { Pop3Client } from './client/pop3.ts';
import { SmtpClient } from './client/smtp.ts';
import { makeMessage, RARE_WORD } from './messages.ts';
import { peakSampler, treeMemory } from './memory.ts';
import { address, nodePorts, PASSWORD, type Target } from './target.ts';

export interface Counts {
  /** 4 KB messages per ingest run; also the size of the IMAP and POP3 mailboxes. */
  messages: number;
  /** 100 KB messages per ingest run. */
  big: number;
  sessions: number;
  idle: number;
  pushes: number;
  logins: number;
  move: number;
  changes: number;
}

export interface Figure {
  key: string;
  unit: string;
  /** Which direction is better, for the target column. */
  better: 'higher' | 'lower';
  /** null: the server does not support it. */
  value: number | null;
  /** An absolute target for Mailfold (memory), instead of a comparison with the reference. */
  limit?: number;
  /** Compared by ratio with the reference (false for memory, whose process models differ). */
  compared?: false;
}

export const FROM = 'bench@example.net';

/** Every account a run needs. */
export function benchUsers(counts: Counts): string[] {
  const idle = Array.from({ length: counts.idle }, (_, i) => `idle${String(i + 1).padStart(4, '0')}`);
  return ['box1', 'box16', 'big1', 'big16', ...idle];
}

const median = (values: number[]) => percentile(values, 0.5);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

/** A logged-in session on node `node` (round-robin when several serve the store). */
async function imapSession(target: Target, user: string, node = 0): Promise<ImapClient> {
  const client = await ImapClient.connect(nodePorts(target, node).imap);
  await client.login(address(user), PASSWORD);
  return client;
}

/** Polls STATUS until `user`'s INBOX holds `count` messages (Postfix delivers after its 250). */
async function waitForCount(target: Target, user: string, count: number): Promise<void> {
  const client = await imapSession(target, user);
  const deadline = Date.now() + 15 * 60 * 1000;
  try {
    for (;;) {
      const { untagged } = await client.ok('STATUS INBOX (MESSAGES)', true);
      const messages = Number(/MESSAGES (\d+)/i.exec(untagged.join(' '))?.[1] ?? 0);
      if (messages >= count) return;
      if (Date.now() > deadline) throw new Error(`${user} has ${messages} of ${count} messages`);
      await delay(50);
    }
  } finally {
    client.close();
  }
}

/** Sends `count` messages of about `size` bytes to `user` over `sessions` sessions. */
async function ingest(target: Target, user: string, count: number, size: number, sessions: number): Promise<Figure[]> {
  const to = address(user);
  const rareAt = Math.floor(count / 2);
  const messages = Array.from({ length: count }, (_, n) => makeMessage(n, size, to, n === rareAt));
  const label = `SMTP ingest ${size >= 100000 ? '100 KB' : '4 KB'}, ${sessions} session${sessions > 1 ? 's' : ''}`;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: sessions }, async (_, session) => {
      const smtp = await SmtpClient.connect(nodePorts(target, session).smtp);
      while (next < count) {
        const reply = await smtp.sendMail(FROM, to, messages[next++]!);
        if (!reply.startsWith('250')) throw new Error(`${label}: ${reply}`);
      }
      await smtp.quit();
    }),
  );
  const acked = (performance.now() - started) / 1000;
  await waitForCount(target, user, count);
  const stored = (performance.now() - started) / 1000;
  return [
    { key: `${label}: until the last 250`, unit: 'msg/s', better: 'higher', value: count / acked },
    { key: `${label}: until all are in the mailbox`, unit: 'msg/s', better: 'higher', value: count / stored },
  ];
}

/**
 * The UIDs of the `* SEARCH` response among `untagged`: a slow command may get other lines
 * too (Mailfold's `* OK [INPROGRESS ...]` on a loaded machine), which are not UIDs.
 */
function searchUids(untagged: string[]): number[] {
  const line = untagged.find((l) => /^\* SEARCH\b/i.test(l)) ?? '* SEARCH';
  return line.replace(/^\* SEARCH ?/i, '').trim().split(/\s+/).filter(Boolean).map(Number);
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

/** The IMAP workloads on `user`'s INBOX of `count` messages; the last one moves messages away. */
async function imapWorkloads(target: Target, user: string, counts: Counts): Promise<Figure[]> {
  const figures: Figure[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < counts.logins; i++) {
    const { ms, result } = await timed(async () => {
      const client = await imapSession(target, user, i);
      await client.ok('SELECT INBOX');
      return client;
    });
    latencies.push(ms);
    result.close();
  }
  figures.push({ key: 'IMAP connect+LOGIN+SELECT (p50)', unit: 'ms', better: 'lower', value: median(latencies) });

  const client = await imapSession(target, user);
  const caps = await client.capabilities();
  const select = await client.ok('SELECT INBOX', true);
  const exists = Number(/\* (\d+) EXISTS/.exec(select.untagged.join('\n'))?.[1]);
  if (exists !== counts.messages) throw new Error(`${user} holds ${exists} messages, expected ${counts.messages}`);

  const meta = await timed(() => client.ok('FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)'));
  if (meta.result.count < exists) throw new Error(`FETCH returned ${meta.result.count} of ${exists}`);
  figures.push({ key: `FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE), ${exists} msgs`, unit: 'ms', better: 'lower', value: meta.ms });

  const bodies = await timed(() => client.ok('FETCH 1:* BODY.PEEK[]'));
  process.stderr.write(` [FETCH BODY.PEEK[]: ${(bodies.result.literalBytes / 1e6).toFixed(1)} MB]`);
  figures.push({ key: `FETCH 1:* BODY.PEEK[], ${exists} msgs`, unit: 'ms', better: 'lower', value: bodies.ms });

  const search = await timed(() => client.ok(`UID SEARCH TEXT ${RARE_WORD}`, true));
  const hits = searchUids(search.result.untagged);
  if (hits.length !== 1) throw new Error(`UID SEARCH TEXT found ${hits.length} messages, expected 1`);
  figures.push({ key: 'UID SEARCH TEXT <rare word>', unit: 'ms', better: 'lower', value: search.ms });

  figures.push({ key: `QRESYNC resync after ${counts.changes} changes`, unit: 'ms', better: 'lower', value: caps.includes('QRESYNC') ? await qresync(target, user, counts.changes) : null });

  const store = await timed(() => client.ok('UID STORE 1:* +FLAGS (\\Seen)'));
  figures.push({ key: 'UID STORE 1:* +FLAGS (\\Seen)', unit: 'ms', better: 'lower', value: store.ms });

  if (caps.includes('MOVE')) {
    await client.command('CREATE Archive');
    const { untagged } = await client.ok('UID SEARCH ALL', true);
    const uids = searchUids(untagged);
    const last = uids[Math.min(counts.move, uids.length) - 1]!;
    const move = await timed(() => client.ok(`UID MOVE ${uids[0]}:${last} Archive`));
    figures.push({ key: `UID MOVE of ${counts.move} msgs`, unit: 'ms', better: 'lower', value: move.ms });
  } else figures.push({ key: `UID MOVE of ${counts.move} msgs`, unit: 'ms', better: 'lower', value: null });
  client.close();
  return figures;
}

/** IMAP commands per round of the mix. */
const MIX = 4;

/**
 * `sessions` clients at once on one mailbox, each in a loop of what a mail client does
 * while the user reads: a page of headers, a body, a flag set, a NOOP. Commands per
 * second over all of them: the figure that more nodes on one store should raise.
 */
async function imapMix(target: Target, user: string, counts: Counts): Promise<Figure[]> {
  const rounds = Math.max(1, Math.floor(counts.logins * 2));
  // Logged in one after the other: 16 password checks at once are what the guessing throttle refuses.
  const clients: ImapClient[] = [];
  for (let session = 0; session < counts.sessions; session++) {
    const client = await imapSession(target, user, session);
    await client.ok('SELECT INBOX');
    clients.push(client);
  }
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, session) => {
      for (let r = 0; r < rounds; r++) {
        const uid = 1 + (((session * rounds + r) * 7919) % (counts.messages - 10));
        await client.ok(`UID FETCH ${uid}:${uid + 9} (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`);
        await client.ok(`UID FETCH ${uid} BODY.PEEK[]`);
        await client.ok(`UID STORE ${uid} +FLAGS (\\Flagged)`);
        await client.ok('NOOP');
      }
      client.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return [{ key: `IMAP mix, ${counts.sessions} sessions (FETCH 10 headers, FETCH a body, STORE, NOOP)`, unit: 'cmd/s', better: 'higher', value: (counts.sessions * rounds * MIX) / seconds }];
}

/** A client that was away resyncs with QRESYNC after `changes` flag changes made elsewhere. */
async function qresync(target: Target, user: string, changes: number): Promise<number> {
  const away = await imapSession(target, user);
  await away.ok('ENABLE QRESYNC');
  const state = (await away.ok('SELECT INBOX', true)).untagged.join('\n');
  const uidValidity = /UIDVALIDITY (\d+)/.exec(state)![1];
  const modSeq = /HIGHESTMODSEQ (\d+)/.exec(state)![1];
  away.close();

  // With two nodes the changes are made on the other node than the one the client comes back to.
  const other = await imapSession(target, user, 1);
  await other.ok('SELECT INBOX');
  const { untagged } = await other.ok('UID SEARCH ALL', true);
  const uids = searchUids(untagged);
  for (let i = 0; i < changes; i++) await other.ok(`UID STORE ${uids[Math.floor((i * uids.length) / changes)]} +FLAGS (\\Flagged)`);
  other.close();

  const back = await imapSession(target, user);
  await back.ok('ENABLE QRESYNC');
  const { ms, result } = await timed(() => back.ok(`SELECT INBOX (QRESYNC (${uidValidity} ${modSeq}))`, true));
  const fetched = result.untagged.filter((line) => / FETCH /.test(line)).length;
  back.close();
  if (fetched < changes) throw new Error(`QRESYNC reported ${fetched} of ${changes} changes`);
  return ms;
}

/** `idle` sessions in IDLE on as many accounts; latency from the SMTP 250 to the EXISTS push. */
async function idleWorkload(target: Target, counts: Counts, onIdle: (figures: Figure[]) => void): Promise<Figure[]> {
  const users = benchUsers(counts).filter((u) => u.startsWith('idle'));
  const sessions: ImapClient[] = new Array(users.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < users.length) {
        const i = next++;
        const client = await imapSession(target, users[i]!, i);
        await client.ok('SELECT INBOX');
        await client.idle();
        sessions[i] = client;
      }
    }),
  );
  const memory = treeMemory(target.roots());
  onIdle([
    { key: `RSS with ${users.length} idle IMAP sessions`, unit: 'MB', better: 'lower', value: memory.rss, compared: false },
    { key: `PSS with ${users.length} idle IMAP sessions`, unit: 'MB', better: 'lower', value: memory.pss, compared: false },
  ]);

  const smtp = await SmtpClient.connect(target.ports.smtp);
  const latencies: number[] = [];
  for (let k = 0; k < counts.pushes; k++) {
    const i = k % users.length;
    const session = sessions[i]!;
    const pushed = new Promise<number>((resolve) => {
      session.onUntagged = (line) => {
        if (/^\* \d+ EXISTS/.test(line)) resolve(performance.now());
      };
    });
    const reply = await smtp.sendMail(FROM, address(users[i]!), makeMessage(k, 2000, address(users[i]!)));
    const acked = performance.now();
    if (!reply.startsWith('250')) throw new Error(`IDLE push delivery: ${reply}`);
    const at = await Promise.race([pushed, delay(60000).then(() => Promise.reject(new Error(`no EXISTS for ${users[i]} within 60 s`)))]);
    session.onUntagged = null;
    // A server that pushes before it answers 250 counts as 0.
    latencies.push(Math.max(0, at - acked));
  }
  await smtp.quit();
  for (const session of sessions) session.close();
  return [
    { key: `IDLE push latency p50 (${users.length} sessions)`, unit: 'ms', better: 'lower', value: percentile(latencies, 0.5) },
    { key: `IDLE push latency p99 (${users.length} sessions)`, unit: 'ms', better: 'lower', value: percentile(latencies, 0.99) },
  ];
}

async function pop3Workload(target: Target, user: string, count: number): Promise<Figure[]> {
  const pop = await Pop3Client.connect(target.ports.pop3);
  await pop.login(address(user), PASSWORD);
  const stat = await pop.command('STAT');
  if (Number(stat.status.split(' ')[1]) !== count) throw new Error(`POP3 STAT: ${stat.status}, expected ${count}`);
  let bytes = 0;
  const { ms } = await timed(async () => {
    for (let n = 1; n <= count; n++) {
      const reply = await pop.command(`RETR ${n}`, true);
      if (!reply.status.startsWith('+OK')) throw new Error(`RETR ${n}: ${reply.status}`);
      bytes += reply.bytes;
    }
  });
  await pop.command('QUIT');
  pop.close();
  process.stderr.write(` [RETR: ${(bytes / 1e6).toFixed(1)} MB]`);
  return [{ key: `POP3 RETR of all ${count} msgs`, unit: 'msg/s', better: 'higher', value: count / (ms / 1000) }];
}

/** `user`'s mailbox filled as the 4 KB ingest fills it, over all of its sessions, untimed. */
async function fill(target: Target, user: string, counts: Counts): Promise<void> {
  process.stderr.write(`${target.name}: filling ${user}...`);
  const started = performance.now();
  await ingest(target, user, counts.messages, 4096, counts.sessions);
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

export const PHASES = ['smtp', 'imap', 'idle', 'pop3'] as const;
export type Phase = (typeof PHASES)[number];

/** Runs the workloads of `phases` against one target, printing progress to stderr. */
export async function runWorkloads(target: Target, counts: Counts, phases: readonly Phase[] = PHASES): Promise<Figure[]> {
  const figures: Figure[] = [];
  const idle = treeMemory(target.roots());
  figures.push(
    { key: 'start-up to listening (restart)', unit: 'ms', better: 'lower', value: target.startupMs },
    { key: 'RSS idle after start', unit: 'MB', better: 'lower', value: idle.rss, limit: 80 },
    { key: 'PSS idle after start', unit: 'MB', better: 'lower', value: idle.pss, compared: false },
  );
  const phase = async (name: string, run: () => Promise<Figure[]>) => {
    if (!phases.includes(name.split(' ')[0]!.toLowerCase() as Phase)) return;
    process.stderr.write(`${target.name}: ${name}...`);
    const started = performance.now();
    const sampler = peakSampler(() => target.roots());
    figures.push(...(await run()));
    process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    figures.push({ key: `peak RSS during ${name}`, unit: 'MB', better: 'lower', value: sampler.stop().rss, compared: false });
  };
  // IMAP and POP3 read the mailboxes the ingest fills: without it, they are filled first, untimed.
  if (!phases.includes('smtp')) {
    if (phases.includes('imap')) await fill(target, 'box1', counts);
    if (phases.includes('pop3')) await fill(target, 'box16', counts);
  }
  await phase('SMTP ingest', async () => [
    ...(await ingest(target, 'box1', counts.messages, 4096, 1)),
    ...(await ingest(target, 'box16', counts.messages, 4096, counts.sessions)),
    ...(await ingest(target, 'big1', counts.big, 100 * 1024, 1)),
    ...(await ingest(target, 'big16', counts.big, 100 * 1024, counts.sessions)),
  ]);
  await phase('IMAP', async () => [...(await imapWorkloads(target, 'box1', counts)), ...(await imapMix(target, 'box16', counts))]);
  await phase('IDLE', () => idleWorkload(target, counts, (memory) => figures.push(...memory)));
  await phase('POP3', () => pop3Workload(target, 'box16', counts.messages));
  return figures;
}
