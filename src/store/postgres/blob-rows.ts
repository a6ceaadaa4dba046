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
  raw: Buffer;
  chunkSize: number;
  index: MessageIndex;
  summary: FetchSummary | null;
  /** The prefixes of the messages that refer to it, which the full-text index covers too. */
  prefixes: readonly string[];
}

/** A body's row without its id, and what its chunk rows are cut from. */
export interface BlobRow {
  input: BlobInput;
  columns: Record<string, string | number | null>;
}

/**
 * The row of a body: its MIME index, summary, text and trigrams, which cost CPU and
 * so are made before (the append path: while its locks are on the way) and apart from
 * the statements.
 */
export function blobRow(input: BlobInput): BlobRow {
  const { text, ...index } = input.index;
  const trigrams = bodyTrigrams(input, input.prefixes);
  return {
    input,
    columns: {
      size: input.raw.length,
      chunk_size: input.chunkSize,
      chunks: Math.ceil(input.raw.length / input.chunkSize),
      header_end: index.root.header.end,
      index: JSON.stringify(index),
      summary: input.summary === null ? null : JSON.stringify(input.summary),
      search_text: storableText(text),
      trigrams: trigrams === null ? null : `{${trigrams.map((t) => arrayElement(storableText(t))).join(',')}}`,
    },
  };
}

/**
 * The bodies' rows in one statement, their chunks in statements of at most a few MiB.
 * Resolves once the last statement is sent, with `written`, its completion: a caller
 * may send more statements (or the commit) behind them without waiting a round trip.
 */
export async function sendBlobs(tx: Tx, blobs: readonly { id: BlobId; row: BlobRow }[]): Promise<{ written: Promise<unknown> }> {
  if (blobs.length === 0) return { written: Promise.resolve() };
  // Sent together, so that postgres.js pipelines them (one round trip), but never more
  // than one statement of chunks at a time: a large body is not serialised whole at once.
  let statements = [tx`INSERT INTO blobs ${tx(blobs.map(({ id, row }) => ({ id, ...row.columns })))}`];
  let batch: { blob_id: string; seq: number; data: Buffer }[] = [];
  let bytes = 0;
  for (const { id, row } of blobs) {
    const { raw, chunkSize } = row.input;
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
  return { written: Promise.all(statements) };
}
