import type { Logger } from '../log/logger.ts';
import type { ReportKind, ReportLimits, ReportLog } from '../store/types.ts';
import type { DmarcRow } from './dmarc.ts';
import type { TlsRow } from './tlsrpt.ts';

export const DAY_MS = 86_400_000;

/** The reporting period (a UTC day number) of a moment. */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/**
 * What one day may hold: a thousand kinds of message per reported domain, a thousand
 * domains (at most a million rows of under 1 KB, and never more than one new row per
 * message taken). A spammer varying its addresses fills these, not the disk.
 */
export const REPORT_LIMITS: ReportLimits = { rows: 1000, domains: 1000 };

/**
 * Records outcomes for the aggregate reports: the MX's DMARC results, the queue's TLS
 * sessions. A failure to record is logged and never holds a message up.
 */
export class ReportRecorder {
  readonly #store: ReportLog;
  readonly #log: Logger;

  constructor(store: ReportLog, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  dmarc(row: DmarcRow): Promise<void> {
    return this.#count('dmarc', row.policy.domain, row);
  }

  tls(domain: string, row: TlsRow): Promise<void> {
    return this.#count('tls', domain.toLowerCase(), row);
  }

  async #count(kind: ReportKind, domain: string, row: DmarcRow | TlsRow): Promise<void> {
    try {
      const kept = await this.#store.countReport(kind, dayOf(Date.now()), domain, JSON.stringify(row), 1, REPORT_LIMITS);
      if (!kept) this.#log.warn({ kind, domain }, 'report outcome not recorded: the day holds as much as it may');
    } catch (err) {
      this.#log.warn({ err, kind, domain }, 'report outcome not recorded');
    }
  }
}
