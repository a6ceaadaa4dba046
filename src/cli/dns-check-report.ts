import type { DnsCheckReport, RecordCheck } from '../dns/check/types.ts';

const MARK: Record<RecordCheck['status'], string> = { ok: 'ok', missing: 'MISSING', wrong: 'WRONG', failed: 'FAILED', skipped: 'skipped' };

/** Long values (DKIM keys, policies) are cut in the listing; the line to publish below is whole. */
const short = (s: string) => {
  const one = s.replace(/\r?\n/g, ' | ').trim();
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
};

/** `mailfold dns check` for a person: one line per record, then what to publish for each that is not ok. */
export function formatDnsCheck(report: DnsCheckReport): string {
  const width = Math.max(...report.checks.map((c) => c.what.length));
  const lines = report.checks.map((c) => {
    const found = c.found.length ? c.found.map(short).join(', ') : '(none)';
    return `${MARK[c.status].padEnd(7)}  ${c.what.padEnd(width)}  ${c.status === 'skipped' ? c.note : found}`;
  });
  const todo = report.checks.filter((c) => c.status !== 'ok' && c.status !== 'skipped');
  const fixes = todo.map((c) => {
    const what = `${c.what} (${c.name})`;
    if (c.status === 'failed') return `${what}: ${c.note}`;
    const publish = c.type === 'HTTPS' ? `serve:\n    ${c.expected!.trimEnd().replace(/\r?\n/g, '\n    ')}` : `publish:\n    ${c.zone}`;
    return `${what}${c.note ? `: ${c.note}` : ''}\n  ${publish}`;
  });
  const summary = report.ok ? `All records of ${report.domain} are right.` : `${todo.length} of ${report.checks.length} checks of ${report.domain} need a change:`;
  return [...lines, '', summary, ...(fixes.length ? ['', fixes.join('\n\n')] : [])].join('\n') + '\n';
}
