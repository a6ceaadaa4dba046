import { isatty } from 'node:tty';
import { createWriteStream } from 'node:fs';
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level: string;
  format: 'auto' | 'json' | 'pretty';
}

/**
 * JSON lines for journald and log shippers; readable lines when a person watches a terminal.
 * pino-pretty is loaded only then: a server under a service manager never pays its memory.
 */
export async function createLogger(opts: LogOptions, fd = 1): Promise<Logger> {
  const usePretty = opts.format === 'pretty' || (opts.format === 'auto' && isatty(fd));
  // smtp-server logs its session's user, which is our Account: its password hash never goes to a log.
  const base = { level: opts.level, base: { pid: process.pid }, redact: { paths: ['passwordHash', '*.passwordHash', '*.*.passwordHash', 'scram', '*.scram', '*.*.scram'], remove: true } };
  if (!usePretty) return pino(base, pino.destination({ dest: fd, sync: true }));
  const { default: pretty } = await import('pino-pretty');
  const destination = createWriteStream('', { fd, autoClose: false });
  return pino(base, pretty({ destination, sync: true, translateTime: 'SYS:standard', ignore: 'pid,hostname' }));
}
