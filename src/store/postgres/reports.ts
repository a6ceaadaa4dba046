import { reportKey } from '../rules/reports.ts';
import type { ReportCount, ReportKind, ReportLimits, ReportLog } from '../types.ts';
import type { PgCore } from './core.ts';

/** The advisory lock of report counts: the row and domain tallies are read and then written. */
const REPORTS_LOCK = 0x6d66_0002;

/** Recorded report outcomes as rows of `report_counts`, shared by every node. */
export class PgReports implements ReportLog {
  readonly #core: PgCore;

  constructor(core: PgCore) {
    this.#core = core;
  }

  async countReport(kind: ReportKind, period: number, domain: string, row: string, count: number, limits: ReportLimits): Promise<boolean> {
    const { rowId } = reportKey(kind, period, domain, row);
    return this.#core.tx(async (tx) => {
      const [added] = await tx<{ row_id: string }[]>`UPDATE report_counts SET count = count + ${count}
        WHERE kind = ${kind} AND period = ${period} AND domain = ${domain} AND row_id = ${rowId!} RETURNING row_id`;
      if (added) return true;
      await tx`SELECT pg_advisory_xact_lock(${REPORTS_LOCK})`;
      const [{ rows, domains, present }] = await tx<{ rows: number; domains: number; present: boolean }[]>`SELECT
        (SELECT count(*)::int FROM report_counts WHERE kind = ${kind} AND period = ${period} AND domain = ${domain}) AS rows,
        (SELECT count(DISTINCT domain)::int FROM report_counts WHERE kind = ${kind} AND period = ${period}) AS domains,
        EXISTS (SELECT 1 FROM report_counts WHERE kind = ${kind} AND period = ${period} AND domain = ${domain} AND row_id = ${rowId!}) AS present`;
      if (!present && (rows >= limits.rows || (rows === 0 && domains >= limits.domains))) return false;
      await tx`INSERT INTO report_counts (kind, period, domain, row_id, row, count) VALUES (${kind}, ${period}, ${domain}, ${rowId!}, ${row}, ${count})
        ON CONFLICT (kind, period, domain, row_id) DO UPDATE SET count = report_counts.count + EXCLUDED.count`;
      return true;
    });
  }

  async reportPeriods(kind: ReportKind, before: number): Promise<{ period: number; domain: string }[]> {
    reportKey(kind, 0, 'x');
    const rows = await this.#core.sql<{ period: number; domain: string }[]>`SELECT DISTINCT period, domain FROM report_counts
      WHERE kind = ${kind} AND period < ${before} ORDER BY period, domain`;
    return rows.map((r) => ({ period: r.period, domain: r.domain }));
  }

  async reportRows(kind: ReportKind, period: number, domain: string): Promise<ReportCount[]> {
    reportKey(kind, period, domain);
    const rows = await this.#core.sql<ReportCount[]>`SELECT row, count FROM report_counts WHERE kind = ${kind} AND period = ${period} AND domain = ${domain} ORDER BY row_id`;
    return rows.map((r) => ({ row: r.row, count: r.count }));
  }

  async dropReport(kind: ReportKind, period: number, domain: string): Promise<void> {
    reportKey(kind, period, domain);
    await this.#core.sql`DELETE FROM report_counts WHERE kind = ${kind} AND period = ${period} AND domain = ${domain}`;
  }
}
