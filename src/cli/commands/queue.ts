import type { Command } from 'commander';
import type { QueueEntry } from '../../store/types.ts';
import { CliError, output, withAdmin } from '../context.ts';
import { formatBytes, table } from '../format.ts';

const time = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const sender = (from: string): string => (from === '' ? '<>' : from);
const pending = (e: QueueEntry) => e.recipients.filter((r) => r.state === 'pending');

/** When the entry is next tried: its earliest pending recipient, never while it is held. */
function nextTry(e: QueueEntry): string {
  if (e.heldAt !== undefined) return 'held';
  const times = pending(e).map((r) => r.nextAttempt);
  return times.length === 0 ? '-' : time(Math.min(...times));
}

function describe(e: QueueEntry): string {
  const lines = [
    `id:        ${e.id}`,
    `from:      ${sender(e.from)}`,
    `size:      ${formatBytes(e.size)}`,
    `queued:    ${time(e.createdAt)}`,
    `next try:  ${nextTry(e)}`,
  ];
  if (e.heldAt !== undefined) lines.push(`held:      since ${time(e.heldAt)} (queue release ${e.id})`);
  for (const r of e.recipients) {
    lines.push('', `recipient: ${r.address}`, `  state:   ${r.state}`, `  tries:   ${r.attempts}`);
    if (r.state === 'pending') lines.push(`  next:    ${time(r.nextAttempt)}`);
    if (r.lastAttempt) lines.push(`  last:    ${time(r.lastAttempt)}${r.remoteMta ? ` via ${r.remoteMta}` : ''}`);
    if (r.lastResult) lines.push(`  result:  ${r.lastResult}`);
  }
  return lines.join('\n');
}

/** `hold`/`release` act on one message or on --all, never both or neither. */
function target(id: string | undefined, opts: { all?: boolean }): { id: string } | { all: true } {
  if ((id === undefined) === (opts.all !== true)) throw new CliError('name one queued message, or --all');
  return id === undefined ? { all: true } : { id };
}

function summary(verb: 'hold' | 'release', done: string, ids: string[], id: string | undefined): string {
  if (id !== undefined) return ids.length > 0 ? `${done} ${id}` : `${id} was ${done} already`;
  return ids.length > 0 ? ids.map((x) => `${done} ${x}`).join('\n') : `no message to ${verb}`;
}

export function queueCommands(program: Command): void {
  const queue = program.command('queue').description('inspect and manage the outbound queue');
  queue
    .command('list')
    .description('list queued messages')
    .action(async (_opts, cmd: Command) => {
      const entries = await withAdmin(cmd, (admin) => admin.queueList());
      output(cmd, entries, () =>
        entries.length === 0
          ? 'the queue is empty'
          : table(
              ['ID', 'FROM', 'SIZE', 'PENDING', 'NEXT TRY', 'LAST RESULT'],
              entries.map((e) => {
                const last = pending(e).find((r) => r.lastResult)?.lastResult ?? '';
                return [e.id, sender(e.from), formatBytes(e.size), `${pending(e).length}/${e.recipients.length}`, nextTry(e), last];
              }),
            ),
      );
    });
  queue
    .command('show <id>')
    .description('a queued message with each recipient\'s state and last answer')
    .action(async (id: string, _opts, cmd: Command) => {
      const entry = await withAdmin(cmd, (admin) => admin.queueShow({ id }));
      output(cmd, entry, () => describe(entry));
    });
  queue
    .command('retry <id>')
    .description('try a queued message again now')
    .action(async (id: string, _opts, cmd: Command) => {
      const entry = await withAdmin(cmd, (admin) => admin.queueRetry({ id }));
      output(cmd, entry, () => `${entry.id}: ${pending(entry).length} recipient(s) due now`);
    });
  queue
    .command('delete <id>')
    .description('remove a queued message without telling its sender')
    .action(async (id: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.queueDelete({ id }));
      output(cmd, result, () => `deleted ${result.removed}`);
    });
  queue
    .command('hold [id]')
    .description('keep a queued message (or --all) from being tried, and from expiring, until released')
    .option('--all', 'every queued message')
    .action(async (id: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.queueHold(target(id, opts)));
      output(cmd, result, () => summary('hold', 'held', result.held, id));
    });
  queue
    .command('release [id]')
    .description('let a held message (or --all) be tried again, now')
    .option('--all', 'every held message')
    .action(async (id: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.queueRelease(target(id, opts)));
      output(cmd, result, () => summary('release', 'released', result.released, id));
    });
  queue
    .command('flush')
    .description('try every queued message again now')
    .action(async (_opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.queueFlush());
      output(cmd, result, () => `${result.entries} queued message(s) due now`);
    });
}
