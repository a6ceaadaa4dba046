/**
 * The benchmark's messages: deterministic, realistic enough (plain, alternative and
 * mixed MIME with an attachment), and with no line starting with "." so they go out
 * without dot-stuffing.
 */
export const RARE_WORD = 'zanzibarquokka';

const WORDS = (
  'the of and to in is it that for on was with as be by at this have from or one had not but what all were when we there can ' +
  'an your which their said if do will each about how up out them then she many some so these would other into has more her two ' +
  'like him see time could no make than first been its who now people my made over did down only way find use may water long ' +
  'little very after words called just where most know get through back much before go good new write our used me man too any ' +
  'day same right look think also around another came come work three word must because does part even place well such here take'
).split(' ');

function text(bytes: number, seed: number, rare: boolean): string {
  let state = seed * 2654435761 + 1;
  const lines: string[] = [];
  let size = 0;
  let line = rare ? RARE_WORD : '';
  while (size < bytes) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const word = WORDS[state % WORDS.length]!;
    if (line.length + word.length + 1 > 72) {
      lines.push(line);
      size += line.length + 2;
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return `${lines.join('\r\n')}\r\n`;
}

function base64Lines(bytes: number, seed: number): string {
  const data = Buffer.alloc(bytes);
  let state = seed + 7;
  for (let i = 0; i < bytes; i++) data[i] = (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
  return `${data.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`;
}

/** Message `n` of a series, about `size` bytes; the one with `rare` set holds RARE_WORD. */
export function makeMessage(n: number, size: number, to: string, rare = false): Buffer {
  const head =
    `From: Sender ${n % 97} <sender${n % 97}@example.net>\r\nTo: <${to}>\r\nSubject: Benchmark message ${n} about ${WORDS[n % WORDS.length]}\r\n` +
    `Date: Mon, 23 Nov 2026 ${String(8 + (n % 10)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00 +0000\r\n` +
    `Message-ID: <bench.${n}.${size}@example.net>\r\nMIME-Version: 1.0\r\n`;
  const room = Math.max(200, size - head.length - 300);
  if (size > 20000) {
    const boundary = `mixed-${n}`;
    return Buffer.from(
      `${head}Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text(1500, n, rare)}` +
        `--${boundary}\r\nContent-Type: application/octet-stream; name="data-${n}.bin"\r\nContent-Disposition: attachment; filename="data-${n}.bin"\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${base64Lines(Math.floor(((room - 1500) * 3) / 4 / 1.03), n)}--${boundary}--\r\n`,
    );
  }
  if (n % 3 === 0) {
    const boundary = `alt-${n}`;
    const plain = text(room / 2, n, rare);
    return Buffer.from(
      `${head}Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${plain}` +
        `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>${text(room / 2 - 60, n + 1, false)}</p></body></html>\r\n--${boundary}--\r\n`,
    );
  }
  return Buffer.from(`${head}Content-Type: text/plain; charset=utf-8\r\n\r\n${text(room, n, rare)}`);
}
