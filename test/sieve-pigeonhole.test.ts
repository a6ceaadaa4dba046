import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { toCrlf } from '../src/delivery/line-endings.ts';
import type { SieveAction } from '../src/sieve/actions.ts';
import { interpret } from '../src/sieve/interpret.ts';
import { defaultSieveLimits } from '../src/sieve/limits.ts';
import { SieveMessage } from '../src/sieve/message.ts';
import { parseSieve } from '../src/sieve/parse.ts';
import { tempDir } from './helpers/env.ts';
import { requireTool } from './helpers/smtp.ts';
import { addAccount, testStore } from './helpers/store.ts';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, 'fixtures');
const SCRIPTS = join(FIXTURES, 'sieve', 'scripts');
/** Corpus messages of many shapes: plain, multipart, nested, encoded headers, a bounce, spam, broken ones. */
const CORPUS = [
  'mailparser-simple.eml',
  'mailparser-spam.eml',
  'mailparser-nodemailer.eml',
  'mailparser-delivery-status.eml',
  'mime4j-mimetools-testmsgs-german-qp.eml',
  'mime4j-mimetools-testmsgs-german.eml',
  'mime4j-mimetools-testmsgs-intl.eml',
  'mime4j-mimetools-testmsgs-multi-nested.eml',
  'mime4j-mimetools-testmsgs-multi-2gifs.eml',
  'mime4j-mimetools-testmsgs-multi-bad.eml',
  'mime4j-mimetools-testmsgs-multi-simple.eml',
  'mime4j-mimetools-testmsgs-re-fwd.eml',
  'mime4j-testmsgs-russian-headers.eml',
  'mime4j-testmsgs-malformedHeader-noheader.eml',
].map((name) => join(FIXTURES, 'corpus', 'messages', name));
const CRAFTED = readdirSync(join(FIXTURES, 'sieve', 'messages')).map((name) => join(FIXTURES, 'sieve', 'messages', name));
const FROM = 'bob@example.net';
const ORIGINAL_TO = 'alice+tag@example.org';
const ACCOUNT = 'alice@example.org';
const ROOT = process.getuid?.() === 0;
/** Dovecot does not give mail access to root: the comparison runs sieve-test as nobody then. */
const NOBODY = 65534;

/** A config for sieve-test alone, in its own directory, with the extensions Mailfold has that Pigeonhole leaves off by default. */
function pigeonholeConfig(dir: string): string {
  const uid = ROOT ? NOBODY : process.getuid!();
  const gid = ROOT ? NOBODY : process.getgid!();
  const file = join(dir, 'dovecot.conf');
  writeFileSync(
    file,
    [
      `first_valid_uid = 0`,
      `mail_uid = ${uid}`,
      `mail_gid = ${gid}`,
      `mail_home = ${dir}/home`,
      `mail_location = maildir:${dir}/home/Maildir`,
      `base_dir = ${dir}/run`,
      `log_path = /dev/stderr`,
      // With -e a vacation reply is "sent" by printing it.
      `sendmail_path = /bin/cat`,
      `plugin {`,
      `  sieve_extensions = +editheader +vacation-seconds +spamtest +spamtestplus`,
      `}`,
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * Pigeonhole's actions, or null when sieve-test itself crashed (its editheader asserts on
 * a message without a header). Pigeonhole decides whether a vacation reply goes out
 * (lists, recipients, senders) only when it executes the actions: that is asked with -e,
 * with a fresh duplicate database, so every message starts unanswered as in Mailfold's run.
 */
async function pigeonhole(dir: string, config: string, script: string, message: string): Promise<string[] | null> {
  const actions = await sieveTest(dir, ['-c', config, '-f', FROM, '-a', ORIGINAL_TO, '-r', ACCOUNT, script, message]);
  if (actions === null || !actions.includes('vacation')) return actions;
  rmSync(join(dir, 'home', '.dovecot.lda-dupes'), { force: true });
  const executed = await sieveTest(dir, ['-e', '-c', config, '-f', FROM, '-a', ORIGINAL_TO, '-r', ACCOUNT, script, message]);
  return executed === null ? null : actions.filter((a) => a !== 'vacation' || executed.includes('vacation sent'));
}

async function sieveTest(dir: string, args: string[]): Promise<string[] | null> {
  const [cmd, argv] = ROOT ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sieve-test', ...args]] : ['sieve-test', args];
  const { stdout, stderr } = await run(cmd, argv, { env: { HOME: join(dir, 'home'), PATH: process.env.PATH }, cwd: dir }).catch((err: { stdout: string; stderr: string }) => err);
  const out = `${stdout}\n${stderr}`;
  if (/Panic: /.test(out)) return null;
  if (/final result: failed; resolved with successful implicit keep/.test(out)) return ['store INBOX'];
  if (!/final result: success/.test(out)) throw new Error(`sieve-test ${args.join(' ')} failed:\n${out}`);
  const actions: { what: string; flags: string[] }[] = [];
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^ \* store message in folder: (.*)$/.exec(line))) actions.push({ what: `store ${m[1]}`, flags: [] });
    else if ((m = /^\s+\+ add IMAP flags: (.*)$/.exec(line))) actions.at(-1)!.flags.push(...m[1]!.split(' '));
    else if ((m = /^ \* redirect message to: <(.*)>$/.exec(line))) actions.push({ what: `redirect ${m[1]}`, flags: [] });
    else if (/^ \* send vacation message/.test(line)) actions.push({ what: 'vacation', flags: [] });
    else if (/vacation action: sent vacation response/.test(line)) actions.push({ what: 'vacation sent', flags: [] });
    else if ((m = /^ \* reject message with reason: (.*)$/.exec(line))) actions.push({ what: `reject ${m[1]}`, flags: [] });
    else if (/^ \* send notification with method 'mailto:'/.test(line)) actions.push({ what: 'notify', flags: [] });
    else if ((m = /^\s+\+ To: (.*)$/.exec(line))) actions.at(-1)!.what += ` ${m[1]}`;
  }
  return normalize(actions);
}

async function mailfold(store: Awaited<ReturnType<typeof testStore>>['store'], accountId: number, scriptText: string, raw: Buffer): Promise<string[]> {
  const parsed = parseSieve(scriptText);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const env = {
    store,
    account: { id: accountId, address: ACCOUNT },
    from: FROM,
    to: ORIGINAL_TO,
    subaddressSeparator: '+',
    spam: null,
    ownAddresses: [ACCOUNT],
    senderUnverified: false,
    now: Date.now(),
  };
  try {
    const { actions } = await interpret(parsed.script, new SieveMessage(raw), env, defaultSieveLimits);
    return normalize(actions.map(describe).filter((a) => a !== null));
  } catch {
    return ['store INBOX'];
  }
}

function describe(a: SieveAction): { what: string; flags: string[] } | null {
  switch (a.type) {
    case 'keep': return { what: 'store INBOX', flags: a.flags };
    case 'fileinto': return { what: `store ${a.mailbox}`, flags: a.flags };
    case 'redirect': return { what: `redirect ${a.address}`, flags: [] };
    case 'vacation': return { what: 'vacation', flags: [] };
    case 'reject': return { what: `reject ${a.reason}`, flags: [] };
    case 'notify': return { what: `notify ${a.notification.to.join(' ')}`, flags: [] };
    case 'discard': return null;
  }
}

/** One line per distinct action; stores into one mailbox merged, flags lower-cased and sorted. */
function normalize(actions: { what: string; flags: string[] }[]): string[] {
  const merged = new Map<string, Set<string>>();
  for (const { what, flags } of actions) {
    const set = merged.get(what) ?? new Set();
    for (const f of flags) set.add(f.toLowerCase());
    merged.set(what, set);
  }
  return [...merged].map(([what, flags]) => (flags.size ? `${what} [${[...flags].sort().join(' ')}]` : what)).sort();
}

test('Mailfold takes the same actions as Pigeonhole\'s sieve-test for every script and message of the set', async (t) => {
  if (!requireTool(t, 'sieve-test')) return;
  const dir = tempDir(t, 'mf-sieve-');
  chmodSync(dir, 0o777);
  for (const sub of ['home', 'run', 'in']) {
    mkdirSync(join(dir, sub));
    chmodSync(join(dir, sub), 0o777);
  }
  const config = pigeonholeConfig(dir);
  const { store } = await testStore(t);
  const account = await addAccount(store, ACCOUNT);
  const scripts = readdirSync(SCRIPTS).sort();
  // Both read the message with CRLF line ends, as delivery hands it over.
  const messages = [...CORPUS, ...CRAFTED].map((path, i) => {
    const copy = join(dir, 'in', `${i}.eml`);
    writeFileSync(copy, toCrlf(readFileSync(path)), { mode: 0o644 });
    return { name: path.split('/').at(-1)!, copy, raw: readFileSync(copy) };
  });
  const mismatches: string[] = [];
  const crashed: string[] = [];
  const kinds = new Set<string>();
  let compared = 0;
  for (const name of scripts) {
    const scriptCopy = join(dir, 'in', name);
    const text = readFileSync(join(SCRIPTS, name), 'utf8');
    writeFileSync(scriptCopy, text, { mode: 0o644 });
    for (const message of messages) {
      const [theirs, ours] = await Promise.all([pigeonhole(dir, config, scriptCopy, message.copy), mailfold(store, account.id, text, message.raw)]);
      if (theirs === null) {
        crashed.push(`${name} × ${message.name}`);
        continue;
      }
      compared++;
      for (const action of ours) kinds.add(action.split(' ')[0]!);
      if (JSON.stringify(theirs) !== JSON.stringify(ours)) mismatches.push(`${name} × ${message.name}:\n  pigeonhole ${JSON.stringify(theirs)}\n  mailfold   ${JSON.stringify(ours)}`);
    }
  }
  assert.equal(compared + crashed.length, scripts.length * messages.length);
  assert.deepEqual([...kinds].sort(), ['notify', 'redirect', 'reject', 'store', 'vacation'], 'the set exercises every kind of action');
  assert.ok(crashed.length <= 1, `sieve-test crashed on ${crashed.join(', ')}`);
  assert.deepEqual(mismatches, [], `${mismatches.length} of ${compared} differ:\n${mismatches.join('\n')}`);
});
