/**
 * Sieve cost per message: `node bench/sieve.ts [--runs 2000]`. Parses a filter script
 * of the kind client editors write (lists, spam, flags, vacation), then runs it over a
 * 4 KB message (bench/messages.ts), and times a hostile `:matches` on a 60 KB header.
 * The store is a LevelDB one in a temp dir (the vacation check reads it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { interpret } from '../src/sieve/interpret.ts';
import { defaultSieveLimits } from '../src/sieve/limits.ts';
import { SieveMessage } from '../src/sieve/message.ts';
import { parseSieve, type SieveScript } from '../src/sieve/parse.ts';
import { openLevelStore } from '../src/store/level/store.ts';
import { makeMessage } from './messages.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' } } });
const runs = Number(values.runs);

const SCRIPT = `require ["fileinto", "mailbox", "variables", "imap4flags", "spamtest", "relational", "comparator-i;ascii-numeric", "vacation", "body"];
if header :matches "List-Id" "*<*.*>*" { fileinto :create "Lists/\${2}"; stop; }
if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; stop; }
if address :domain :is "from" ["example.com", "example.net", "example.org"] { addflag "$Known"; }
if anyof (header :contains "subject" ["invoice", "receipt", "order"], body :text :contains "invoice") { fileinto :create "Receipts"; }
if header :contains ["to", "cc"] "team@" { fileinto "Team"; }
vacation :days 7 :subject "Away" "I am away until Monday.";
`;

function time(label: string, n: number, fn: () => unknown): Promise<void> {
  return (async () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`${label}: ${(ms / n).toFixed(3)} ms each (${n} runs, ${(n / (ms / 1000)).toFixed(0)}/s)`);
  })();
}

const dir = mkdtempSync(join(tmpdir(), 'mf-bench-sieve-'));
const store = await openLevelStore(dir, { sync: true, chunkSize: 65536 });
try {
  await store.addDomain('example.org');
  const account = await store.addAccount({ address: 'alice@example.org', passwordHash: 'x', quotaBytes: 0, quotaMessages: 0 });
  const raw = makeMessage(1, 4096, 'alice@example.org');
  const env = {
    store,
    account: { id: account.id, address: account.address },
    from: 'bob@example.net',
    to: 'alice@example.org',
    subaddressSeparator: '+',
    spam: { score: 2, threshold: 5 },
    ownAddresses: ['alice@example.org'],
    senderUnverified: false,
    now: Date.now(),
  };
  const script: SieveScript = (parseSieve(SCRIPT) as { ok: true; script: SieveScript }).script;
  console.log(`script ${Buffer.byteLength(SCRIPT)} bytes, message ${raw.length} bytes`);
  await time('parse', runs, () => parseSieve(SCRIPT));
  await time('run (parse of the message header included)', runs, () => interpret(script, new SieveMessage(raw), env, defaultSieveLimits));
  const hostile = new SieveMessage(Buffer.from(`Subject: ${'a'.repeat(60_000)}\r\n\r\nx\r\n`));
  const matches = (parseSieve(`if header :matches "subject" "${'*a'.repeat(30)}*b" { stop; }`) as { ok: true; script: SieveScript }).script;
  await time('hostile :matches (60 KB value, 31 stars)', 20, () => interpret(matches, hostile, env, defaultSieveLimits));
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
