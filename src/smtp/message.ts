import type { SMTPServerDataStream } from 'smtp-server';

/**
 * The DATA stream as one buffer for the write path, or null when it went over the
 * size limit; an oversized message is read to its end and dropped chunk by chunk,
 * so it never sits in memory.
 */
export async function readMessage(stream: SMTPServerDataStream, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
    else chunks.length = 0;
  }
  return stream.sizeExceeded || size > limit ? null : Buffer.concat(chunks, size);
}
