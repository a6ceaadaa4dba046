import { mkdir, open, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AdminApi } from '../admin/protocol.ts';
import { encodeMailboxName } from '../imap/utf7.ts';
import { formatDovecotKeywords, maildirInfo } from './maildir-flags.ts';
import { mboxEntry } from './mbox-writer.ts';
import type { ExportedMessage } from './export-service.ts';
import type { ProgressSink } from './progress-update.ts';
import type { Warn } from './source.ts';

export type ExportApi = Pick<AdminApi, 'exportMailboxes' | 'exportList' | 'exportRead'>;

export interface ExportOptions {
  address: string;
  dir: string;
  format: 'mbox' | 'maildir';
  mailbox?: string;
  progress: ProgressSink;
  warn: Warn;
  stopped: () => boolean;
}

export interface ExportResult {
  mailboxes: { name: string; path: string; messages: number }[];
  messages: number;
  interrupted: boolean;
}

/**
 * Writes an account's mailboxes to DIR, which must be empty or new: as a Maildir++
 * tree (INBOX at the top, `.Parent.Child` folders, flags in file names, keywords in
 * dovecot-keywords, internal dates as mtimes) or as one mboxrd file per mailbox.
 */
export async function runExport(api: ExportApi, opts: ExportOptions): Promise<ExportResult> {
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  if ((await readdir(opts.dir)).length > 0) throw new Error(`${opts.dir} is not empty; export into a new or empty directory`);
  const result: ExportResult = { mailboxes: [], messages: 0, interrupted: false };
  const mailboxes = await api.exportMailboxes({ address: opts.address, mailbox: opts.mailbox });
  const totalItems = mailboxes.reduce((n, m) => n + m.messages, 0);
  let items = 0;
  let bytes = 0;
  const writer = opts.format === 'maildir' ? maildirWriter(opts) : mboxWriter(opts);
  for (const mailbox of mailboxes) {
    if (opts.stopped()) break;
    const list = await api.exportList({ address: opts.address, mailbox: mailbox.name });
    const folder = await writer.open(mailbox.name, list);
    const byUid = new Map(list.map((m) => [m.uid, m]));
    let rest = list.map((m) => m.uid);
    while (rest.length > 0 && !opts.stopped()) {
      const read = await api.exportRead({ address: opts.address, mailbox: mailbox.name, uids: rest.slice(0, 500) });
      if (read.length === 0) break;
      const done = new Set(read.map((r) => r.uid));
      for (const { uid, data } of read) {
        const raw = Buffer.from(data, 'base64');
        await folder.write(byUid.get(uid)!, raw);
        bytes += raw.length;
        opts.progress({ items: ++items, bytes, totalItems });
      }
      // Expunged meanwhile: not in the answer, and not asked for again.
      const asked = rest.slice(0, 500);
      const lastRead = asked.findIndex((uid) => uid === read.at(-1)!.uid);
      rest = [...asked.slice(lastRead + 1).filter((uid) => !done.has(uid)), ...rest.slice(500)];
    }
    const count = await folder.close();
    result.mailboxes.push({ name: mailbox.name, path: folder.path, messages: count });
    result.messages += count;
  }
  result.interrupted = opts.stopped();
  return result;
}

interface FolderWriter {
  path: string;
  write(message: ExportedMessage, raw: Buffer): Promise<void>;
  close(): Promise<number>;
}

/** A name's levels, each a file name part: modified UTF-7 as Dovecot writes it, `.` (the Maildir++ separator) as `_`. */
const levels = (name: string): string[] => name.split('/').map((l) => encodeMailboxName(l).replace(/\./g, '_'));

function maildirWriter(opts: ExportOptions) {
  const host = hostname().replace(/[/:.]/g, '_') || 'mailfold';
  // Names start with the export's time and a fixed-width counter: readers (Dovecot) number new files in name order.
  const started = Math.floor(Date.now() / 1000);
  let sequence = 0;
  return {
    async open(name: string, _list: ExportedMessage[]): Promise<FolderWriter> {
      const path = name === 'INBOX' ? opts.dir : join(opts.dir, '.' + levels(name).join('.'));
      for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(path, sub), { recursive: true, mode: 0o700 });
      if (name !== 'INBOX') await writeFile(join(path, 'maildirfolder'), '');
      const keywords: string[] = [];
      let count = 0;
      return {
        path,
        async write(message, raw) {
          const { info, lost } = maildirInfo(message.flags, keywords);
          if (lost.length > 0) opts.warn(`${name} UID ${message.uid}: keywords ${lost.join(' ')} left out (a Maildir folder holds 26)`);
          const seconds = Math.floor(message.internalDate / 1000);
          const unique = `${started}.M${String(++sequence).padStart(9, '0')}P${process.pid}.${host}`;
          const file = join(path, 'cur', `${unique},S=${raw.length}${info}`);
          await writeFile(file, raw, { mode: 0o600 });
          await utimes(file, seconds, seconds);
          count++;
        },
        async close() {
          if (keywords.length > 0) await writeFile(join(path, 'dovecot-keywords'), formatDovecotKeywords(keywords));
          return count;
        },
      };
    },
  };
}

function mboxWriter(opts: ExportOptions) {
  const taken = new Set<string>();
  return {
    async open(name: string, list: ExportedMessage[]): Promise<FolderWriter> {
      // Dovecot reads X-Keywords only for keywords the first message's X-IMAPbase declares.
      const keywords = [...new Set(list.flatMap((m) => m.flags.filter((f) => !f.startsWith('\\'))))];
      let imapBase = `X-IMAPbase: ${Math.floor(Date.now() / 1000)} ${list.length + 1}${keywords.map((k) => ` ${k}`).join('')}\n`;
      // One file per mailbox, levels joined by `.`: no mailbox is both a file and a directory.
      let file = levels(name).join('.');
      while (taken.has(file.toLowerCase())) file += '_';
      taken.add(file.toLowerCase());
      const path = join(opts.dir, file);
      const handle = await open(path, 'wx', 0o600);
      let count = 0;
      return {
        path,
        async write(message, raw) {
          await handle.write(mboxEntry(raw, message.flags, message.internalDate, imapBase));
          imapBase = '';
          count++;
        },
        async close() {
          await handle.sync();
          await handle.close();
          return count;
        },
      };
    },
  };
}
