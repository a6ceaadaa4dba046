import type { AdminApi } from '../admin/protocol.ts';
import { cleanFlags } from './flags.ts';
import { targetFor } from './folder-map.ts';
import { importMark } from './import-marks.ts';
import type { ImportedMessage } from './import-service.ts';
import type { ProgressSink } from './progress-update.ts';
import type { ImportSource, SourceEntry, Warn } from './source.ts';

export type ImportApi = Pick<AdminApi, 'importMailbox' | 'importSeen' | 'importWrite'>;

/** Messages per write: each write is one synced batch, with its marks. */
const WRITE_MESSAGES = 100;
/** The JSON of a write's metadata stays well under the control socket's request line limit (64 KiB). */
const WRITE_META_CHARS = 40_000;

export interface ImportOptions {
  address: string;
  /** --mailbox: everything goes below (an mbox: into) this mailbox. */
  root?: string;
  /** Bytes per write; at most the server's message size limit (the control socket's body limit). */
  writeBytes: number;
  /** Told after each write: messages and bytes so far (the total is unknown). */
  progress: ProgressSink;
  warn: Warn;
  /** Set by Ctrl-C: the batch being written is finished, then the import stops. */
  stopped: () => boolean;
}

export interface ImportResult {
  imported: number;
  alreadyThere: number;
  skipped: number;
  folders: { source: string; mailbox: string; imported: number }[];
  interrupted: boolean;
}

/**
 * Copies every folder of `source` into the account: messages already imported by an
 * earlier run (their marks are in the store) are not read again, the rest are written
 * in batches through delivery's write path with their flags and internal dates.
 */
export async function runImport(api: ImportApi, source: ImportSource, opts: ImportOptions): Promise<ImportResult> {
  const result: ImportResult = { imported: 0, alreadyThere: 0, skipped: 0, folders: [], interrupted: false };
  let bytes = 0;
  for await (const folder of source.folders()) {
    if (opts.stopped()) break;
    const target = targetFor(folder, opts.root);
    const { name } = await api.importMailbox({ address: opts.address, name: target.name, specialUse: target.specialUse });
    const report = { source: folder.path.join('/') || 'INBOX', mailbox: name, imported: 0 };
    result.folders.push(report);
    let pending: { message: ImportedMessage; raw: Buffer }[] = [];
    let pendingBytes = 0;
    let pendingMeta = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      pendingMeta = 0;
      await api.importWrite({ address: opts.address, mailbox: name, messages: batch.map((p) => p.message) }, Buffer.concat(batch.map((p) => p.raw)));
      report.imported += batch.length;
      result.imported += batch.length;
      bytes += batch.reduce((n, p) => n + p.raw.length, 0);
      opts.progress({ items: result.imported, bytes });
    };
    for await (const entries of folder.entries()) {
      // The target is part of the folder's identity: the same mbox imported into another mailbox is a new import.
      const marks = entries.map((e) => importMark(source.id, `${opts.root ?? ''}\0${folder.id}`, e.key));
      const seen = await api.importSeen({ address: opts.address, marks });
      const todo: SourceEntry[] = [];
      const markOf = new Map<SourceEntry, string>();
      entries.forEach((entry, i) => {
        if (seen[i]) result.alreadyThere++;
        else todo.push(entry) && markOf.set(entry, marks[i]!);
      });
      for await (const { entry, raw } of folder.bodies(todo)) {
        if (!raw || raw.length === 0) {
          result.skipped++;
          continue;
        }
        const { flags, dropped } = cleanFlags(entry.flags);
        if (dropped.length > 0) {
          const named = dropped.slice(0, 5).join(' ') + (dropped.length > 5 ? ` and ${dropped.length - 5} more` : '');
          opts.warn(`${report.source} ${entry.key}: flags ${named} are not IMAP flags or too many; left out`);
        }
        const message: ImportedMessage = { mark: markOf.get(entry)!, length: raw.length, flags, internalDate: entry.internalDate };
        const meta = JSON.stringify(message).length;
        if (pending.length > 0 && (pendingBytes + raw.length > opts.writeBytes || pendingMeta + meta > WRITE_META_CHARS || pending.length >= WRITE_MESSAGES)) await flush();
        pending.push({ message, raw });
        pendingBytes += raw.length;
        pendingMeta += meta;
        if (opts.stopped()) break;
      }
      await flush();
      if (opts.stopped()) {
        result.interrupted = true;
        break;
      }
    }
    if (result.interrupted) break;
  }
  if (opts.stopped()) result.interrupted = true;
  return result;
}
