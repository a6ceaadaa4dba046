import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { imapSource } from '../../transfer/imap-source.ts';
import { parseImapUrl } from '../../transfer/imap-url.ts';
import { runImport, type ImportResult } from '../../transfer/import-run.ts';
import { runExport, type ExportResult } from '../../transfer/export-run.ts';
import { isMaildir, maildirSource } from '../../transfer/maildir-source.ts';
import { mboxSource } from '../../transfer/mbox-source.ts';
import { progressReporter } from '../../transfer/progress.ts';
import type { ProgressSink } from '../../transfer/progress-update.ts';
import type { ImportSource, Warn } from '../../transfer/source.ts';
import { CliError, globals, withAdmin } from '../context.ts';
import { promptHidden, readFirstLine } from '../prompt.ts';

/** Bytes per import write: one synced batch, well under the control socket's body limit. */
const WRITE_BYTES = 8 << 20;
export const EXIT_INTERRUPTED = 130;
/** Without a terminal, a progress line each time this many more messages are done (and every ten seconds). */
const LINE_EVERY_MESSAGES = 1000;

const warn: Warn = (message) => process.stderr.write(`warning: ${message}\n`);

/**
 * Ctrl-C asks the command to stop after the batch it is writing (a second one stops
 * at once; what was written is committed either way).
 */
function stopOnInterrupt(endDisplay: () => void): { stopped: () => boolean; release: () => void } {
  let stopped = false;
  const onSignal = () => {
    // The bar ends first: it hid the cursor, and the line below must not be drawn over.
    endDisplay();
    if (stopped) process.exit(EXIT_INTERRUPTED);
    stopped = true;
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to stop now)\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped: () => stopped,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Runs an import or export with the one progress display and Ctrl-C handling; prints
 * the result (as the last JSON line with --json).
 */
async function reported<T>(cmd: Command, label: string, human: (result: T) => string, job: (progress: ProgressSink, stopped: () => boolean) => Promise<T>): Promise<T> {
  const reporter = await progressReporter({ label, unit: 'messages', json: globals(cmd).json === true, lineEveryItems: LINE_EVERY_MESSAGES });
  const interrupt = stopOnInterrupt(reporter.stop);
  try {
    const result = await job(reporter.update, interrupt.stopped);
    reporter.done(result, human(result));
    return result;
  } catch (err) {
    reporter.stop();
    throw err;
  } finally {
    interrupt.release();
  }
}

async function openSource(source: string, opts: { passwordStdin?: boolean; includeAllMail?: boolean; caFile?: string }, maxMessage: number): Promise<ImportSource> {
  let url;
  try {
    url = parseImapUrl(source);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (url) {
    const ca = opts.caFile === undefined ? undefined : await readFile(opts.caFile, 'utf8').catch((err: Error) => {
      throw new CliError(`--ca-file ${opts.caFile}: ${err.message}`);
    });
    if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`--ca-file ${opts.caFile} holds no PEM certificate`);
    if (!opts.passwordStdin && !process.stdin.isTTY) throw new CliError('no password given: use --password-stdin, or run on a terminal to be asked');
    const password = opts.passwordStdin ? await readFirstLine() : await promptHidden(`Password for ${url.user} at ${url.host}: `);
    try {
      return await imapSource(url, password, { includeVirtual: opts.includeAllMail === true, maxMessage, ca }, warn);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const info = await stat(source).catch(() => null);
  if (!info) throw new CliError(`${source}: no such file or directory (a source is an mbox file, a Maildir or imaps://USER@HOST)`);
  if (info.isDirectory()) {
    if (!(await isMaildir(source))) throw new CliError(`${source} is a directory but not a Maildir (it has no cur/ or new/)`);
    return maildirSource(source, maxMessage, warn);
  }
  if (!info.isFile()) throw new CliError(`${source} is neither a file nor a directory`);
  return mboxSource(source, maxMessage, warn);
}

function describeImport(r: ImportResult): string {
  const lines = r.folders.map((f) => `${f.source} -> ${f.mailbox}: ${f.imported} imported`);
  lines.push(`${r.imported} messages imported, ${r.alreadyThere} imported before, ${r.skipped} skipped`);
  return lines.join('\n');
}

function describeExport(r: ExportResult): string {
  return [...r.mailboxes.map((m) => `${m.name}: ${m.messages} messages in ${m.path}`), `${r.messages} messages exported`].join('\n');
}

export function transferCommands(program: Command): void {
  program
    .command('import')
    .description('import mail from an mbox file, a Maildir or an IMAP account (imaps://USER@HOST); run again to resume')
    .argument('<account>', 'the account to import into')
    .argument('<source>', 'an mbox file, a Maildir directory, or imaps://USER@HOST[:PORT] (imap:// with STARTTLS when offered)')
    .option('--mailbox <name>', 'an mbox goes into this mailbox (default INBOX); a Maildir or IMAP account below it')
    .option('--password-stdin', 'read the IMAP password from the first line of standard input')
    .option('--ca-file <file>', 'also trust the CA certificates (PEM) in this file for an IMAP source')
    .option('--include-all-mail', "also import virtual folders (Gmail's All Mail, Starred, Important), which duplicate the others")
    .action(async (account: string, source: string, opts: { mailbox?: string; passwordStdin?: boolean; includeAllMail?: boolean; caFile?: string }, cmd: Command) => {
      const result = await withAdmin(cmd, async (admin, config) => {
        // A missing account is said before a password is asked for.
        await admin.importSeen({ address: account, marks: [] });
        const from = await openSource(source, opts, config.limits.message_size);
        try {
          return await reported(cmd, 'import', describeImport, (progress, stopped) =>
            runImport(admin, from, { address: account, root: opts.mailbox, writeBytes: Math.min(WRITE_BYTES, config.limits.message_size), progress, warn, stopped }),
          );
        } finally {
          await from.close();
        }
      });
      if (result.interrupted) {
        process.stderr.write(`interrupted after ${result.imported} messages; run the same command again to import the rest\n`);
        process.exitCode = EXIT_INTERRUPTED;
      }
    });

  program
    .command('export')
    .description('export an account\'s mail to a Maildir++ tree or mbox files, readable by Dovecot and mutt')
    .argument('<account>', 'the account to export')
    .argument('<dir>', 'a new or empty directory')
    .requiredOption('--format <format>', 'maildir or mbox')
    .option('--mailbox <name>', 'only this mailbox')
    .action(async (account: string, dir: string, opts: { format: string; mailbox?: string }, cmd: Command) => {
      if (opts.format !== 'mbox' && opts.format !== 'maildir') throw new CliError(`--format is mbox or maildir, not ${JSON.stringify(opts.format)}`);
      const format = opts.format;
      const result = await withAdmin(cmd, async (admin) => {
        try {
          return await reported(cmd, 'export', describeExport, (progress, stopped) =>
            runExport(admin, { address: account, dir, format, mailbox: opts.mailbox, progress, warn, stopped }),
          );
        } catch (err) {
          if (err instanceof Error && /is not empty/.test(err.message)) throw new CliError(err.message);
          throw err;
        }
      });
      if (result.interrupted) {
        process.stderr.write(`interrupted after ${result.messages} messages; the export in ${dir} is incomplete: remove it and run the command again\n`);
        process.exitCode = EXIT_INTERRUPTED;
      }
    });
}
