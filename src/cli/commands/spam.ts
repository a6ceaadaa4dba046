import type { Command } from 'commander';
import { TRAIN_BATCH, type SpamStatus } from '../../admin/spam-admin.ts';
import type { AdminApi } from '../../admin/protocol.ts';
import type { LearnOutcome, SenderListEntry, SpamClass } from '../../store/types.ts';
import { progressReporter } from '../../transfer/progress.ts';
import { CliError, globals, output, withAdmin } from '../context.ts';
import { table } from '../format.ts';
import { countMessages, messagesAt } from '../spam-files.ts';

/** Bytes per training call: one synced batch, well under the control socket's body limit. */
const TRAIN_BYTES = 8 << 20;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function describeStatus(s: SpamStatus): string {
  return [
    `account:  ${s.account}`,
    `learned:  ${s.spam} spam, ${s.ham} ham`,
    `tokens:   ${s.tokens}`,
    `lists:    ${s.allowed} allowed, ${s.blocked} blocked`,
  ].join('\n');
}

function describeLists(entries: SenderListEntry[]): string {
  return entries.length === 0 ? 'no allowed or blocked senders' : table(['SENDER', 'LIST'], entries.map((e) => [e.sender, e.list]));
}

/** Sends the messages of every path to `spamTrain` in batches, reporting progress. */
async function train(admin: AdminApi, address: string, paths: { path: string; verdict: SpamClass }[], maxMessage: number, json: boolean): Promise<LearnOutcome & { messages: number }> {
  const reporter = await progressReporter({ label: 'spam train', unit: 'messages', json, lineEveryItems: 1000 });
  const total = await countMessages(paths.map((p) => p.path)).catch(() => undefined);
  const result = { learned: 0, unchanged: 0, messages: 0 };
  let bytes = 0;
  let batch: { verdict: SpamClass; raw: Buffer }[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const outcome = await admin.spamTrain({ address, verdicts: batch.map((m) => m.verdict), sizes: batch.map((m) => m.raw.length) }, Buffer.concat(batch.map((m) => m.raw)));
    result.learned += outcome.learned;
    result.unchanged += outcome.unchanged;
    result.messages += batch.length;
    bytes += batchBytes;
    batch = [];
    batchBytes = 0;
    reporter.update({ items: result.messages, bytes, ...(total ? { totalItems: total } : {}) });
  };
  const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);
  try {
    for (const { path, verdict } of paths) {
      for await (const raw of messagesAt(path, maxMessage, warn)) {
        if (batch.length >= TRAIN_BATCH || batchBytes + raw.length > Math.min(TRAIN_BYTES, maxMessage)) await flush();
        batch.push({ verdict, raw });
        batchBytes += raw.length;
      }
    }
    await flush();
  } catch (err) {
    reporter.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') throw new CliError(`cannot read ${(err as NodeJS.ErrnoException).path}: ${code === 'ENOENT' ? 'no such file or directory' : 'permission denied'}`);
    throw err;
  }
  reporter.done(result, `${address}: ${result.messages} messages read, ${result.learned} learned, ${result.unchanged} already learned`);
  return result;
}

export function spamCommands(program: Command): void {
  const spam = program.command('spam').description('train and inspect the spam filter of an account (docs/spam.md)');
  spam
    .command('train <account>')
    .description('learn messages as spam or ham: each PATH a message file, a directory of them, or an mbox')
    .option('--spam <path>', 'spam messages (repeatable)', collect, [])
    .option('--ham <path>', 'ham (good) messages (repeatable)', collect, [])
    .action(async (account: string, opts: { spam: string[]; ham: string[] }, cmd: Command) => {
      const paths = [...opts.spam.map((path) => ({ path, verdict: 'spam' as const })), ...opts.ham.map((path) => ({ path, verdict: 'ham' as const }))];
      if (paths.length === 0) throw new CliError('give at least one --spam or --ham PATH');
      await withAdmin(cmd, (admin, config) => train(admin, account, paths, config.limits.message_size, globals(cmd).json === true));
    });
  const statusCommand = (name: string, description: string, call: (admin: AdminApi, address: string) => Promise<SpamStatus>) =>
    spam
      .command(`${name} <account>`)
      .description(description)
      .action(async (account: string, _opts, cmd: Command) => {
        const status = await withAdmin(cmd, (admin) => call(admin, account));
        output(cmd, status, () => describeStatus(status));
      });
  statusCommand('status', 'what the filter learned for an account', (admin, address) => admin.spamStatus({ address }));
  statusCommand('forget', 'forget everything the classifier learned for an account (its allow and block lists stay)', (admin, address) => admin.spamForget({ address }));
  const listCommand = (name: string, description: string, list: 'allow' | 'block' | null) =>
    spam
      .command(`${name} <account> <sender>`)
      .description(description)
      .action(async (account: string, sender: string, _opts, cmd: Command) => {
        const entries = await withAdmin(cmd, (admin) => admin.spamSetList({ address: account, sender, list }));
        output(cmd, entries, () => describeLists(entries));
      });
  listCommand('allow', 'never junk mail from an address or a domain', 'allow');
  listCommand('block', 'always junk mail from an address or a domain', 'block');
  listCommand('unallow', 'take an address or domain off the allow list', null);
  listCommand('unblock', 'take an address or domain off the block list', null);
  spam
    .command('lists <account>')
    .description('the allowed and blocked senders of an account')
    .action(async (account: string, _opts, cmd: Command) => {
      const entries = await withAdmin(cmd, (admin) => admin.spamLists({ address: account }));
      output(cmd, entries, () => describeLists(entries));
    });
}
