import { open } from 'node:fs/promises';

/** Makes a rename in `dir` durable: the entry is on disk once the directory is synced. */
export async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
