import { BackupError, type BackupHeader, type BackupManifest } from './backup-format.ts';
import { BackupReader, parseJson } from './backup-reader.ts';
import type { ProgressSink } from './progress-update.ts';

export interface VerifyResult {
  file: string;
  header: BackupHeader;
  manifest: BackupManifest;
  seconds: number;
}

/**
 * Reads a whole backup without restoring it: every frame's CRC, every record's hash,
 * the index in strict key order, and the manifest's totals against what was read.
 */
export async function verifyBackup(file: string, opts: { progress?: ProgressSink; signal?: AbortSignal } = {}): Promise<VerifyResult> {
  const started = Date.now();
  const reader = await BackupReader.open(file);
  try {
    const seen = { puts: 0, deletes: 0, records: 0, valueBytes: 0, dataBlocks: 0, indexBlocks: 0 };
    let lastKey: Buffer | null = null;
    let manifest: BackupManifest | null = null;
    for (let frame = await reader.next(['D', 'I', 'M']); frame; frame = await reader.next(['D', 'I', 'M'])) {
      if (opts.signal?.aborted) throw new BackupError('interrupted', 'interrupted: the backup was not fully checked');
      if (manifest) throw new BackupError('corrupt', `${file}: data after the manifest (byte ${frame.at})`);
      if (frame.kind === 'D') {
        seen.dataBlocks++;
        for (const change of await reader.dataBlock(frame)) {
          if (change.value === null) seen.deletes++;
          else {
            seen.puts++;
            seen.valueBytes += change.value.length;
          }
        }
      } else if (frame.kind === 'I') {
        seen.indexBlocks++;
        for (const entry of await reader.indexBlock(frame)) {
          if (lastKey && Buffer.compare(lastKey, entry.key) >= 0) throw new BackupError('corrupt', `${file}: the index is out of order at byte ${frame.at}`);
          lastKey = entry.key;
          seen.records++;
        }
      } else {
        manifest = parseJson<BackupManifest>(frame.payload, file, 'manifest');
      }
      opts.progress?.({ items: seen.puts + seen.deletes, bytes: reader.position, totalBytes: reader.size });
    }
    if (!manifest) throw new BackupError('corrupt', `${file} is incomplete: it does not end with a manifest`);
    for (const field of Object.keys(seen) as (keyof typeof seen)[]) {
      if (manifest[field] !== seen[field]) throw new BackupError('corrupt', `${file}: the manifest says ${field} ${manifest[field]}, the file holds ${seen[field]}`);
    }
    return { file, header: reader.header, manifest, seconds: (Date.now() - started) / 1000 };
  } finally {
    await reader.close();
  }
}
