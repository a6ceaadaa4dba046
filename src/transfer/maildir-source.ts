import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeMailboxName } from '../imap/utf7.ts';
import { parseDovecotKeywords, parseMaildirName } from './maildir-flags.ts';
import type { ImportSource, SourceEntry, SourceFolder, Warn } from './source.ts';

const BATCH = 500;

export async function isMaildir(dir: string): Promise<boolean> {
  const kinds = await Promise.all(['cur', 'new'].map((d) => stat(join(dir, d)).then((s) => s.isDirectory(), () => false)));
  return kinds.some(Boolean);
}

/**
 * A Maildir and its Maildir++ subfolders (`.Parent.Child`, names in modified UTF-7
 * as Dovecot writes them). Only regular files are read: a symlink, a FIFO or a
 * device in cur/ or new/ is skipped with a warning, as is a file over `maxMessage`.
 */
export async function maildirSource(root: string, maxMessage: number, warn: Warn): Promise<ImportSource> {
  const real = await realpath(root);
  return {
    id: `maildir:${real}`,
    async *folders() {
      yield folder(real, [], maxMessage, warn);
      const subdirs = (await readdir(real, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && d.name.startsWith('.') && d.name !== '.' && d.name !== '..')
        .map((d) => d.name)
        .sort();
      for (const name of subdirs) {
        if (!(await isMaildir(join(real, name)))) continue;
        const path = name.slice(1).split('.');
        if (path.some((level) => level === '')) {
          warn(`folder ${JSON.stringify(name)} has an empty hierarchy level; skipped`);
          continue;
        }
        yield folder(join(real, name), path.map((level) => decodeMailboxName(level) ?? level), maxMessage, warn);
      }
    },
    async close() {},
  };
}

function folder(dir: string, path: string[], maxMessage: number, warn: Warn): SourceFolder {
  return {
    path,
    specialUse: null,
    id: path.join('\0'),
    async *entries() {
      const keywords = parseDovecotKeywords(await readFile(join(dir, 'dovecot-keywords'), 'utf8').catch(() => ''));
      const files: { sub: string; name: string }[] = [];
      for (const sub of ['cur', 'new']) {
        const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
        for (const name of names) if (!name.startsWith('.')) files.push({ sub, name });
      }
      // Dovecot's and Courier's names start with the delivery time: numeric order is arrival order.
      files.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
      let batch: SourceEntry[] = [];
      for (const { sub, name } of files) {
        const file = join(dir, sub, name);
        const info = await lstat(file).catch(() => null);
        if (!info) continue;
        if (!info.isFile()) {
          warn(`${file} is not a regular file; skipped`);
          continue;
        }
        if (info.size > maxMessage) {
          warn(`${file} is larger than limits.message_size (${maxMessage} bytes); skipped`);
          continue;
        }
        const { base, flags } = parseMaildirName(name, keywords);
        batch.push({ key: base, flags, internalDate: Math.floor(info.mtimeMs / 1000) * 1000, size: info.size, location: file });
        if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    async *bodies(entries) {
      for (const entry of entries) {
        const file = entry.location!;
        const raw = await readFile(file).catch(() => null);
        if (!raw) warn(`${file} vanished while importing; skipped`);
        yield { entry, raw: raw && raw.length <= maxMessage ? raw : null };
      }
    },
  };
}
