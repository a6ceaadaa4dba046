import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readMbox } from '../transfer/mbox-reader.ts';
import type { Warn } from '../transfer/source.ts';

const FROM_LINE = Buffer.from('From ');

/** How many messages the paths hold, where that is known without reading them (files and directories; an mbox counts as unknown). */
export async function countMessages(paths: string[]): Promise<number | undefined> {
  let total = 0;
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) total += (await messageFiles(path)).length;
    else if (await isMbox(path)) return undefined;
    else total++;
  }
  return total;
}

/**
 * The messages at a path for `mailfold spam train`: a message file, a directory of
 * message files (not its subdirectories, nor hidden files), or an mbox (a file whose
 * first line is a `From ` line). Messages over `maxMessage` are skipped with a warning.
 */
export async function* messagesAt(path: string, maxMessage: number, warn: Warn): AsyncGenerator<Buffer> {
  const info = await stat(path);
  if (info.isDirectory()) {
    for (const file of await messageFiles(path)) yield* fileMessage(join(path, file), maxMessage, warn);
  } else if (await isMbox(path)) {
    for await (const message of readMbox(path, maxMessage, warn)) yield message.raw;
  } else yield* fileMessage(path, maxMessage, warn);
}

async function messageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

async function* fileMessage(path: string, maxMessage: number, warn: Warn): AsyncGenerator<Buffer> {
  const { size } = await stat(path);
  if (size > maxMessage) {
    warn(`${path} skipped: larger than limits.message_size (${maxMessage} bytes)`);
    return;
  }
  yield await readFile(path);
}

async function isMbox(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(FROM_LINE.length);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(FROM_LINE);
  } finally {
    await file.close();
  }
}
