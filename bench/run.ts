/**
 * `npm run bench [-- OPTIONS]`: every workload against Mailfold, then against
 * Dovecot+Postfix when they are installed (and we are root), with the same client and
 * data; prints one table with both figures and the ratio Mailfold/reference.
 *
 *   --quick            small counts, for a smoke run
 *   --large            a 100,000-message mailbox
 *   --messages N       4 KB messages per ingest run, also the IMAP/POP3 mailbox size (10000)
 *   --big N            100 KB messages per ingest run (1000)
 *   --sessions N       concurrent SMTP sessions of the parallel ingest (16)
 *   --idle N           IMAP sessions in IDLE (200)      --pushes N  deliveries timed to them (200)
 *   --logins N         LOGIN+SELECT repetitions (50)    --move N    messages in the UID MOVE (1000)
 *   --changes N        flag changes before the QRESYNC resync (100)
 *   --only mailfold|reference                          --json FILE  also write the figures as JSON
 *   --cpu-prof DIR     write a V8 CPU profile of Mailfold's serve process into DIR
 *   --workloads LIST   only these phases, comma-separated: smtp,imap,idle,pop3 (all);
 *                      without smtp, the mailboxes imap and pop3 read are filled first, untimed
 *   --auth-cache on|off  both servers' login caches (on: Mailfold's auth.cache_ttl of 1 hour,
 *                      Dovecot's auth_cache_size 10M and auth_cache_ttl 1 hour; off: neither)
 *   --store level|postgres  Mailfold's backend (level); postgres starts a throw-away
 *                      cluster (fsync, synchronous_commit on) as the tests do
 *   --nodes N          serve processes on the one PostgreSQL store (1); clients are
 *                      spread over them round-robin
 *   --pg-via tcp|socket  how the nodes reach PostgreSQL: loopback TCP (tcp, as a node on
 *                      another machine would) or its unix socket (as a node on the database's)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startMailfold } from './mailfold.ts';
import { referenceMissing, startReference } from './reference.ts';
import { benchUsers, PHASES, runWorkloads, type Counts, type Figure, type Phase } from './workloads.ts';
import type { Target } from './target.ts';

const COUNTS = ['messages', 'big', 'sessions', 'idle', 'pushes', 'logins', 'move', 'changes'] as const;
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    large: { type: 'boolean' },
    only: { type: 'string' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
    workloads: { type: 'string' },
    'auth-cache': { type: 'string', default: 'on' },
    store: { type: 'string' },
    nodes: { type: 'string' },
    'pg-via': { type: 'string', default: 'tcp' },
    ...Object.fromEntries(COUNTS.map((key) => [key, { type: 'string' as const }])),
  },
});

const defaults: Counts = values.quick
  ? { messages: 300, big: 30, sessions: 16, idle: 20, pushes: 20, logins: 5, move: 100, changes: 20 }
  : { messages: values.large ? 100000 : 10000, big: 1000, sessions: 16, idle: 200, pushes: 200, logins: 50, move: 1000, changes: 100 };
const counts: Counts = { ...defaults };
for (const key of COUNTS) {
  const given = (values as Record<string, unknown>)[key] as string | undefined;
  if (given === undefined) continue;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${key}: expected a positive integer, got ${given}`);
    process.exit(1);
  }
  counts[key] = n;
}
const phases = (values.workloads?.split(',') ?? PHASES) as Phase[];
const unknown = phases.filter((p) => !PHASES.includes(p));
if (unknown.length > 0) {
  console.error(`--workloads: unknown ${unknown.join(', ')} (expected some of ${PHASES.join(',')})`);
  process.exit(1);
}
const authCache = values['auth-cache'];
if (authCache !== 'on' && authCache !== 'off') {
  console.error(`--auth-cache: expected on or off, got ${authCache}`);
  process.exit(1);
}
const backend = values.store ?? 'level';
if (backend !== 'level' && backend !== 'postgres') {
  console.error(`--store: expected level or postgres, got ${backend}`);
  process.exit(1);
}
const pgVia = values['pg-via'];
if (pgVia !== 'tcp' && pgVia !== 'socket') {
  console.error(`--pg-via: expected tcp or socket, got ${pgVia}`);
  process.exit(1);
}
const nodes = Number(values.nodes ?? 1);
if (!Number.isInteger(nodes) || nodes < 1 || (nodes > 1 && backend !== 'postgres')) {
  console.error('--nodes: a positive integer, above 1 only with --store postgres');
  process.exit(1);
}
counts.move = Math.min(counts.move, counts.messages);
counts.changes = Math.min(counts.changes, counts.messages);

async function measure(start: () => Promise<Target>): Promise<{ name: string; figures: Figure[] }> {
  const target = await start();
  try {
    return { name: target.name, figures: await runWorkloads(target, counts, phases) };
  } catch (err) {
    // The log goes with the target's temp dir: its end says why a server closed a session.
    if (target.logFile) console.error(readFileSync(target.logFile, 'utf8').split('\n').filter((l) => !/"level":30/.test(l)).slice(-20).join('\n'));
    throw err;
  } finally {
    await target.stop();
  }
}

const users = benchUsers(counts);
const results: { name: string; figures: Figure[] }[] = [];
if (values.only !== 'reference') results.push(await measure(() => startMailfold(users, { cpuProfDir: values['cpu-prof'] as string | undefined, authCache: authCache === 'on', store: backend, nodes, pgVia })));
const missing = referenceMissing();
if (values.only !== 'mailfold') {
  if (missing) console.error(`reference skipped: ${missing}`);
  else results.push(await measure(() => startReference(users, { authCache: authCache === 'on' })));
}

const format = (value: number | null | undefined) =>
  value === null ? 'n/a' : value === undefined ? '-' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const [ours, reference] = results;
const rows = (ours ?? reference)!.figures.map((figure) => {
  const theirs = reference && ours ? reference.figures.find((f) => f.key === figure.key)?.value : undefined;
  const mine = ours ? figure.value : undefined;
  const ratio = typeof mine === 'number' && typeof theirs === 'number' && theirs > 0 ? mine / theirs : null;
  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  const met =
    figure.limit !== undefined && typeof mine === 'number'
      ? `${yes(mine < figure.limit)} (< ${figure.limit})`
      : ratio === null || figure.compared === false
        ? ''
        : yes(figure.better === 'higher' ? ratio >= 1 : ratio <= 1);
  return [figure.key, figure.unit, format(mine), format(theirs), ratio === null ? '' : ratio.toFixed(2), met];
});
const header = ['workload', 'unit', ours?.name ?? '-', reference?.name ?? 'reference', 'ratio', 'target met'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
console.log(`counts: ${JSON.stringify(counts)}, auth caches ${authCache}`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
for (const row of rows) console.log(line(row));
if (typeof values.json === 'string') writeFileSync(values.json, `${JSON.stringify({ counts, results }, null, 2)}\n`);
