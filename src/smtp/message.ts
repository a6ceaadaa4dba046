import type { SMTPServerDataStream } from 'smtp-server';
import { reply, type SmtpReply } from './reply.ts';

export interface MessageLimits {
  size: number;
  /** The longest line, in octets without its line end. */
  lineLength: number;
}

const LF = 0x0a;

/**
 * The DATA stream as one buffer for the write path, or the refusal when it went over
 * the size limit or held a longer line than allowed (RFC 5321 4.5.3.1.6 has 1000
 * octets; Postfix would fold it, but a line that long is no mail a person wrote). A
 * refused message is read to its end and dropped chunk by chunk, so it never sits in
 * memory.
 */
export async function readMessage(stream: SMTPServerDataStream, limits: MessageLimits): Promise<Buffer | SmtpReply> {
  const chunks: Buffer[] = [];
  let size = 0;
  let line = 0;
  let lineTooLong = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (!lineTooLong) {
      line = lineAfter(chunk, line, limits.lineLength);
      lineTooLong = line < 0;
    }
    if (size <= limits.size && !lineTooLong) chunks.push(chunk);
    else chunks.length = 0;
  }
  if (stream.sizeExceeded || size > limits.size) return reply(552, '5.3.4', 'Message exceeds fixed maximum message size');
  if (lineTooLong) return reply(500, '5.5.2', `Line too long: the message has a line of more than ${limits.lineLength} octets`);
  return Buffer.concat(chunks, size);
}

/**
 * The length of the line still open after `chunk`, given the one open before it, or -1
 * once a line is over `max`. A line's CR counts, so `max` octets and CRLF still pass.
 */
function lineAfter(chunk: Buffer, open: number, max: number): number {
  let start = 0;
  for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
    if (open + lf - start > max + 1) return -1;
    open = 0;
    start = lf + 1;
  }
  open += chunk.length - start;
  return open > max + 1 ? -1 : open;
}
