import { resolve } from 'node:path';
import type { Command } from 'commander';
import { levelRecordKind, levelRestoreSink } from '../../store/level/records.ts';
import { writeBackup, type BackupResult } from '../../transfer/backup.ts';
import { receiveSnapshot } from '../../transfer/record-stream.ts';
import type { BackupManifest } from '../../transfer/backup-format.ts';
import { progressReporter, type ProgressReporter } from '../../transfer/progress.ts';
import { restoreBackups } from '../../transfer/restore.ts';
import { verifyBackup } from '../../transfer/verify.ts';
import { CliError, configFor, globals, withAdmin } from '../context.ts';
import { formatBytes } from '../format.ts';
import { interruptible } from '../interrupt.ts';

/** 128 + SIGINT, as shells report a command stopped by Ctrl-C. */
const EXIT_INTERRUPTED = 130;

const COUNT_NAMES: [keyof BackupManifest['counts'], string][] = [
  ['accounts', 'accounts'], ['domains', 'domains'], ['aliases', 'aliases'], ['mailboxes', 'mailboxes'], ['messages', 'messages'],
  ['queue', 'queued'], ['certificates', 'certificates'], ['dkimKeys', 'DKIM keys'],
];

const describeCounts = (counts: BackupManifest['counts']): string =>
  COUNT_NAMES.map(([kind, name]) => `${(counts[kind] ?? 0).toLocaleString('en')} ${name}`).join(', ');

/** Runs a long job with a progress display and Ctrl-C handling; `interrupted` is what to say then. */
async function longJob<T>(
  cmd: Command,
  label: string,
  job: (reporter: ProgressReporter, signal: AbortSignal) => Promise<T>,
  human: (result: T) => string,
  interrupted: string,
): Promise<void> {
  const reporter = await progressReporter({ label, unit: 'records', json: globals(cmd).json === true });
  const interrupt = interruptible();
  try {
    const result = await job(reporter, interrupt.signal);
    reporter.done(result, human(result));
  } catch (err) {
    reporter.stop();
    if (interrupt.signal.aborted) throw new CliError(`interrupted: ${interrupted}`, EXIT_INTERRUPTED);
    throw err;
  } finally {
    interrupt.dispose();
  }
}

function describeBackup(r: BackupResult): string {
  const what = r.kind === 'full' ? 'full backup' : `incremental backup: ${r.puts.toLocaleString('en')} records new or changed, ${r.deletes.toLocaleString('en')} removed`;
  return [
    `${r.file}: ${what}, ${formatBytes(r.fileBytes)} in ${r.seconds.toFixed(1)} s`,
    `  ${describeCounts(r.counts)} (${r.records.toLocaleString('en')} records)`,
  ].join('\n');
}

export function backupCommands(program: Command): void {
  const backup = program
    .command('backup')
    .description('write the whole store to FILE, while the server runs or from the stopped store; see docs/backup.md')
    .argument('<file>', 'the backup file to write; never overwritten')
    .option('--incremental <since>', 'write only what changed since this earlier backup (full or incremental)')
    .action(async (file: string, opts: { incremental?: string }, cmd: Command) => {
      const target = resolve(file);
      const since = opts.incremental === undefined ? undefined : resolve(opts.incremental);
      await longJob(
        cmd,
        'backup',
        (reporter, signal) =>
          withAdmin(cmd, (admin) => {
            const records = () => receiveSnapshot((send, stop) => admin.backupRecords({}, undefined, { send, signal: AbortSignal.any([signal, stop]) }), levelRecordKind);
            return writeBackup(records, { file: target, since, progress: reporter.update, signal });
          }),
        describeBackup,
        `no backup was written to ${target}; run the same command again`,
      );
    });
  backup
    .command('verify')
    .description('check every checksum and the manifest of a backup file, without restoring it')
    .argument('<file>', 'the backup file')
    .action(async (file: string, _opts, cmd: Command) => {
      await longJob(
        cmd,
        'verify',
        (reporter, signal) => verifyBackup(resolve(file), { progress: reporter.update, signal }),
        (r) => [
          `${r.file}: intact ${r.header.kind} backup of ${r.header.createdAt}${r.header.base ? ` (since backup ${r.header.base})` : ''}`,
          `  ${describeCounts(r.manifest.counts)} (${r.manifest.records.toLocaleString('en')} records)`,
        ].join('\n'),
        'the backup was not fully checked; run the same command again',
      );
    });
  program
    .command('restore')
    .description('restore a full backup, then its incremental backups in order, into an empty data dir')
    .argument('<files...>', 'the full backup, then each incremental one in the order they were taken')
    .action(async (files: string[], _opts, cmd: Command) => {
      const { data_dir: dataDir } = configFor(cmd);
      await longJob(
        cmd,
        'restore',
        (reporter, signal) => restoreBackups(files.map((f) => resolve(f)), () => levelRestoreSink(dataDir), { progress: reporter.update, signal }),
        (r) => [
          `restored ${r.files.length} backup file(s) into ${dataDir} in ${r.seconds.toFixed(1)} s`,
          `  ${describeCounts(r.counts)} (${r.records.toLocaleString('en')} records)`,
        ].join('\n'),
        `nothing was restored into ${dataDir}; run the same command again`,
      );
    });
}
