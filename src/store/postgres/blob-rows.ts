import type { FetchSummary } from '../../mime/fetch-summary.ts';
import type { MessageIndex } from '../../mime/types.ts';
import { bodyTrigrams } from '../search-index.ts';
import type { BlobId } from '../types.ts';
import type { Tx } from './core.ts';

/** Chunk bytes per INSERT: a large body is never sent as one huge statement. */
const CHUNK_STATEMENT_BYTES = 4 << 20;

/** One element of a text[] literal, quoted (trigrams may hold quotes, backslashes and commas). */
const arrayElement = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/**
 * PostgreSQL text cannot hold U+0000, which a hostile message's text may: it is kept
 * as U+FFFD, which no search asks for either (SEARCH's check reads the same stored text).
 */
const storableText = (s: string): string => s.replace(/\0/g, '\uFFFD');

/** A body as its rows are written: by the append path, and by `store copy` with the source's chunk size. */
export interface BlobInput {
  id: BlobId;
  raw: Buffer;
  chunkSize: number;
  index: MessageIndex;
  summary: FetchSummary | null;
  /** The prefixes of the messages that refer to it, which the full-text index covers too. */
  prefixes: readonly string[];
}

/** The bodies' rows in one statement, their chunks in statements of at most a few MiB. */
export async function insertBlobs(tx: Tx, blobs: readonly BlobInput[]): Promise<void> {
  if (blobs.length === 0) return;
  const rows = blobs.map((blob) => {
    const { text, ...index } = blob.index;
    const trigrams = bodyTrigrams(blob, blob.prefixes);
    return {
      id: blob.id,
      size: blob.raw.length,
      chunk_size: blob.chunkSize,
      chunks: Math.ceil(blob.raw.length / blob.chunkSize),
      header_end: index.root.header.end,
      index: JSON.stringify(index),
      summary: blob.summary === null ? null : JSON.stringify(blob.summary),
      search_text: storableText(text),
      trigrams: trigrams === null ? null : `{${trigrams.map((t) => arrayElement(storableText(t))).join(',')}}`,
    };
  });
  // Issued together, so that postgres.js pipelines them (one round trip), but never more
  // than one statement of chunks at a time: a large body is not serialised whole at once.
  let statements = [tx`INSERT INTO blobs ${tx(rows)}`];
  let batch: { blob_id: string; seq: number; data: Buffer }[] = [];
  let bytes = 0;
  for (const { id, raw, chunkSize } of blobs) {
    for (let i = 0; i * chunkSize < raw.length; i++) {
      const data = raw.subarray(i * chunkSize, (i + 1) * chunkSize);
      batch.push({ blob_id: id, seq: i, data });
      bytes += data.length;
      if (bytes >= CHUNK_STATEMENT_BYTES) {
        statements.push(tx`INSERT INTO blob_chunks ${tx(batch)}`);
        await Promise.all(statements);
        statements = [];
        batch = [];
        bytes = 0;
      }
    }
  }
  if (batch.length > 0) statements.push(tx`INSERT INTO blob_chunks ${tx(batch)}`);
  await Promise.all(statements);
}
