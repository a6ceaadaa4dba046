import type { BlockField } from '../mime/header.ts';

/** The message without the given fields (in the order they appear). */
export function withoutFields(raw: Buffer, drop: BlockField[]): Buffer {
  if (drop.length === 0) return raw;
  const parts: Buffer[] = [];
  let pos = 0;
  for (const field of drop) {
    parts.push(raw.subarray(pos, field.start));
    pos = field.end;
  }
  parts.push(raw.subarray(pos));
  return Buffer.concat(parts);
}
