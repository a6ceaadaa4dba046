import { reportKey } from '../rules/reports.ts';
import type { ReportCount, ReportKind, ReportLimits, ReportLog } from '../types.ts';
import { del, put, type LevelCore } from './core.ts';
import { keys } from './keys.ts';

/** The lock of every report count: one writer at a time keeps the row and domain tallies true. */
const LOCK = 'reports';

/** Recorded report outcomes in LevelDB (keys `rpc/` rows, `rpn/` rows per domain, `rpd/` domains per period). */
export class LevelReports implements ReportLog {
  readonly #core: LevelCore;

  constructor(core: LevelCore) {
    this.#core = core;
  }

  async countReport(kind: ReportKind, period: number, domain: string, row: string, count: number, limits: ReportLimits): Promise<boolean> {
    const { rowId } = reportKey(kind, period, domain, row);
    const core = this.#core;
    return core.locks.withLocks([LOCK], async () => {
      const [stored, rows, domains] = await core.getMany<unknown>([keys.reportRow(kind, period, domain, rowId!), keys.reportRows(kind, period, domain), keys.reportDomains(kind, period)]);
      const have = stored as ReportCount | null;
      if (have) {
        await core.commit([put(keys.reportRow(kind, period, domain, rowId!), { row, count: have.count + count })]);
        return true;
      }
      const rowCount = (rows as number | null) ?? 0;
      const domainCount = (domains as number | null) ?? 0;
      if (rowCount >= limits.rows || (rowCount === 0 && domainCount >= limits.domains)) return false;
      await core.commit([
        put(keys.reportRow(kind, period, domain, rowId!), { row, count }),
        put(keys.reportRows(kind, period, domain), rowCount + 1),
        ...(rowCount === 0 ? [put(keys.reportDomains(kind, period), domainCount + 1)] : []),
      ]);
      return true;
    });
  }

  async reportPeriods(kind: ReportKind, before: number): Promise<{ period: number; domain: string }[]> {
    reportKey(kind, 0, 'x');
    const prefix = keys.reportRowsPrefix(kind);
    return (await this.#core.scanKeys(prefix))
      .map((key) => {
        const [period, domain] = key.slice(prefix.length).split('/');
        return { period: parseInt(period!, 16), domain: domain! };
      })
      .filter((p) => p.period < before);
  }

  async reportRows(kind: ReportKind, period: number, domain: string): Promise<ReportCount[]> {
    reportKey(kind, period, domain);
    return this.#core.scan<ReportCount>(keys.reportRowPrefix(kind, period, domain));
  }

  async dropReport(kind: ReportKind, period: number, domain: string): Promise<void> {
    reportKey(kind, period, domain);
    const core = this.#core;
    return core.locks.withLocks([LOCK], async () => {
      const rowKeys = await core.scanKeys(keys.reportRowPrefix(kind, period, domain));
      const domains = (await core.get<number>(keys.reportDomains(kind, period))) ?? 0;
      const had = (await core.get<number>(keys.reportRows(kind, period, domain))) !== null;
      if (!had && rowKeys.length === 0) return;
      await core.commit([
        ...rowKeys.map(del),
        del(keys.reportRows(kind, period, domain)),
        domains <= 1 ? del(keys.reportDomains(kind, period)) : put(keys.reportDomains(kind, period), domains - 1),
      ]);
    });
  }
}
