import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { imapSource } from '../../transfer/imap-source.ts';
import { parseImapUrl } from '../../transfer/imap-url.ts';
import { importProgress } from '../../transfer/import-progress.ts';
import { runImport, type ImportResult } from '../../transfer/import-run.ts';
import { runExport, type ExportResult } from '../../transfer/export-run.ts';
import { isMaildir, maildirSource } from '../../transfer/maildir-source.ts';
import { mboxSource } from '../../transfer/mbox-source.ts';
import type { ImportSource, Warn } from '../../transfer/source.ts';
import { CliError, globals, output, withAdmin } from '../context.ts';
import { promptHidden, readFirstLine } from '../prompt.ts';

/** Bytes per import write: one synced batch, well under the control socket's body limit. */
const WRITE_BYTES = 8 << 20;
export const EXIT_INTERRUPTED = 130;

const warn: Warn = (message) => process.stderr.write(`warning: ${message}\n`);

/**
 * Ctrl-C asks the command to stop after the batch it is writing (a second one stops
 * at once; what was written is committed either way).
 */
function stopOnInterrupt(): { stopped: () => boolean; release: () => void } {
  let stopped = false;
  const onSignal = () => {
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

async function openSource(source: string, opts: { passwordStdin?: boolean; includeAllMail?: boolean }, maxMessage: number): Promise<ImportSource> {
  let url;
  try {
    url = parseImapUrl(source);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (url) {
    if (!opts.passwordStdin && !process.stdin.isTTY) throw new CliError('no password given: use --password-stdin, or run on a terminal to be asked');
    const password = opts.passwordStdin ? await readFirstLine() : await promptHidden(`Password for ${url.user} at ${url.host}: `);
    try {
      return await imapSource(url, password, { includeVirtual: opts.includeAllMail === true, maxMessage }, warn);
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
    .option('--include-all-mail', "also import virtual folders (Gmail's All Mail, Starred, Important), which duplicate the others")
    .action(async (account: string, source: string, opts: { mailbox?: string; passwordStdin?: boolean; includeAllMail?: boolean }, cmd: Command) => {
      const result = await withAdmin(cmd, async (admin, config) => {
        // A missing account is said before a password is asked for.
        await admin.importSeen({ address: account, marks: [] });
        const from = await openSource(source, opts, config.limits.message_size);
        const interrupt = stopOnInterrupt();
        try {
          return await runImport(admin, from, {
            address: account,
            root: opts.mailbox,
            writeBytes: Math.min(WRITE_BYTES, config.limits.message_size),
            progress: importProgress({ json: globals(cmd).json === true, verb: 'imported' }),
            warn,
            stopped: interrupt.stopped,
          });
        } finally {
          interrupt.release();
          await from.close();
        }
      });
      output(cmd, result, () => describeImport(result));
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
        const interrupt = stopOnInterrupt();
        try {
          return await runExport(admin, {
            address: account,
            dir,
            format,
            mailbox: opts.mailbox,
            progress: importProgress({ json: globals(cmd).json === true, verb: 'exported' }),
            warn,
            stopped: interrupt.stopped,
          });
        } catch (err) {
          if (err instanceof Error && /is not empty/.test(err.message)) throw new CliError(err.message);
          throw err;
        } finally {
          interrupt.release();
        }
      });
      output(cmd, result, () => describeExport(result));
      if (result.interrupted) {
        process.stderr.write(`interrupted after ${result.messages} messages; the export in ${dir} is incomplete: remove it and run the command again\n`);
        process.exitCode = EXIT_INTERRUPTED;
      }
    });
}
