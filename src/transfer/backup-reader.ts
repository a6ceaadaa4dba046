import { open, type FileHandle } from 'node:fs/promises';
import type { RecordChange } from '../store/records.ts';
import {
  BackupError,
  checkPayload,
  FRAME_HEAD,
  MAGIC,
  FORMAT,
  parseData,
  parseFrameHead,
  parseIndex,
  unpackBlock,
  type BackupHeader,
  type BackupManifest,
  type FrameKind,
  type IndexEntry,
} from './backup-format.ts';

export interface Frame {
  kind: FrameKind;
  payload: Buffer;
  /** Where the frame starts in the file, for messages. */
  at: number;
}

/**
 * Reads a backup file frame by frame, checking each CRC it reads; frames of kinds not
 * asked for are skipped without reading them. Holds one frame in memory at a time.
 */
export class BackupReader {
  readonly file: string;
  readonly size: number;
  readonly header: BackupHeader;
  readonly #fh: FileHandle;
  #position: number;

  private constructor(file: string, fh: FileHandle, size: number, header: BackupHeader, position: number) {
    this.file = file;
    this.#fh = fh;
    this.size = size;
    this.header = header;
    this.#position = position;
  }

  static async open(file: string): Promise<BackupReader> {
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      throw new BackupError('invalid', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      const { size } = await fh.stat();
      const magic = await readAt(fh, 0, MAGIC.length, size);
      if (!magic.equals(MAGIC)) throw new BackupError('invalid', `${file} is not a Mailfold backup`);
      const first = await readFrame(fh, MAGIC.length, size, () => true);
      if (first?.kind !== 'H' || !first.payload) throw new BackupError('corrupt', `${file}: the header is missing`);
      const header = parseJson<BackupHeader>(first.payload, file, 'header');
      if (header.format !== FORMAT) throw new BackupError('invalid', `${file} is in backup format ${header.format}; this version reads format ${FORMAT}`);
      return new BackupReader(file, fh, size, header, first.at + FRAME_HEAD + first.payload.length);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Bytes read or skipped so far, for progress. */
  get position(): number {
    return this.#position;
  }

  /** The next frame of one of `kinds`, or null at the end of the file. */
  async next(kinds: FrameKind[]): Promise<Frame | null> {
    for (;;) {
      const frame = await readFrame(this.#fh, this.#position, this.size, (k) => kinds.includes(k));
      if (!frame) return null;
      this.#position = frame.at + FRAME_HEAD + frame.length;
      if (frame.payload) return { kind: frame.kind, payload: frame.payload, at: frame.at };
    }
  }

  /**
   * Walks the file to its end (reading only frame heads) and returns the manifest:
   * a file whose last frame is not an intact manifest is incomplete.
   */
  async manifest(): Promise<BackupManifest> {
    let last: Frame | null = null;
    for (let frame = await this.next(['M']); frame; frame = await this.next(['M'])) last = frame;
    if (!last || last.at + FRAME_HEAD + last.payload.length !== this.size) {
      throw new BackupError('corrupt', `${this.file} is incomplete: it does not end with a manifest`);
    }
    return parseJson<BackupManifest>(last.payload, this.file, 'manifest');
  }

  /** Starts again after the header. */
  async rewind(): Promise<void> {
    const first = await readFrame(this.#fh, MAGIC.length, this.size, () => false);
    this.#position = MAGIC.length + FRAME_HEAD + first!.length;
  }

  async dataBlock(frame: Frame): Promise<RecordChange[]> {
    return parseData(await unpackBlock(frame.payload, frame.at), frame.at);
  }

  async indexBlock(frame: Frame): Promise<IndexEntry[]> {
    return parseIndex(await unpackBlock(frame.payload, frame.at), frame.at);
  }

  close(): Promise<void> {
    return this.#fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number, size: number): Promise<Buffer> {
  if (position + length > size) throw new BackupError('corrupt', `truncated at byte ${position}`);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new BackupError('corrupt', `truncated at byte ${position}`);
  return buffer;
}

/** The frame at `at` (its payload read and checked only when `wanted`), or null at the end. */
async function readFrame(
  fh: FileHandle,
  at: number,
  size: number,
  wanted: (kind: FrameKind) => boolean,
): Promise<{ kind: FrameKind; length: number; at: number; payload: Buffer | null } | null> {
  if (at === size) return null;
  const head = parseFrameHead(await readAt(fh, at, FRAME_HEAD, size), at);
  if (at + FRAME_HEAD + head.length > size) throw new BackupError('corrupt', `truncated frame at byte ${at}`);
  if (!wanted(head.kind)) return { kind: head.kind, length: head.length, at, payload: null };
  const payload = await readAt(fh, at + FRAME_HEAD, head.length, size);
  checkPayload(payload, head.crc, at);
  return { kind: head.kind, length: head.length, at, payload };
}

export function parseJson<T>(payload: Buffer, file: string, what: string): T {
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch {
    throw new BackupError('corrupt', `${file}: the ${what} is not valid`);
  }
}
