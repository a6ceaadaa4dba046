/**
 * The policy a delivery applied, as TLS-RPT names it (RFC 8460 section 4.3): an MTA-STS
 * policy, the TLSA records of a DANE host (src/queue/dane.ts) as presentation strings,
 * or none.
 */
export type TlsPolicy =
  | { type: 'sts'; strings?: string[]; mxHost?: string[] }
  | { type: 'tlsa'; strings: string[] }
  | { type: 'no-policy-found' };

/** RFC 8460 section 4.3: the result types of a failed session Mailfold can tell apart. */
export type TlsResultType =
  | 'starttls-not-supported'
  | 'certificate-host-mismatch'
  | 'certificate-expired'
  | 'certificate-not-trusted'
  | 'validation-failure'
  | 'sts-policy-fetch-error'
  | 'sts-policy-invalid';

/** One kind of session a period saw, counted: a success, or a failure at one MX address. */
export interface TlsRow {
  policy: TlsPolicy;
  result: 'success' | TlsResultType;
  mx?: string;
  ip?: string;
  /** A short reason (failure-reason-code), at most REASON_MAX characters. */
  reason?: string;
}

const REASON_MAX = 120;

/**
 * The result type of a TLS failure from the error nodemailer's client gave
 * (`Error initiating TLS - ...` wraps Node's certificate errors; a refused or absent
 * STARTTLS is `Error upgrading connection with STARTTLS`).
 */
export function tlsResultType(reason: string): TlsResultType {
  if (/STARTTLS not offered|upgrading connection with STARTTLS/i.test(reason)) return 'starttls-not-supported';
  if (/altname|does not match|host ?name mismatch/i.test(reason)) return 'certificate-host-mismatch';
  if (/expired/i.test(reason)) return 'certificate-expired';
  if (/self[- ]signed|unable to (verify|get)|not trusted|untrusted|issuer/i.test(reason)) return 'certificate-not-trusted';
  return 'validation-failure';
}

/** A reason as a short single line, fit for a row (rows with the same reason count together). */
export const shortReason = (reason: string): string => reason.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim().slice(0, REASON_MAX);

export interface TlsReportMeta {
  orgName: string;
  contact: string;
  reportId: string;
  /** The period, end exclusive, in milliseconds. */
  start: number;
  end: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The report (RFC 8460 section 4.4): one entry of `policies` per policy seen, with its counts and failure details. */
export function tlsReportJson(meta: TlsReportMeta, domain: string, rows: { row: TlsRow; count: number }[]): string {
  const byPolicy = new Map<string, { policy: TlsPolicy; success: number; failure: number; details: Record<string, string | number>[] }>();
  for (const { row, count } of rows) {
    const key = JSON.stringify(row.policy);
    const entry = byPolicy.get(key) ?? { policy: row.policy, success: 0, failure: 0, details: [] };
    byPolicy.set(key, entry);
    if (row.result === 'success') {
      entry.success += count;
      continue;
    }
    entry.failure += count;
    entry.details.push({
      'result-type': row.result,
      ...(row.ip ? { 'receiving-ip': row.ip } : {}),
      ...(row.mx ? { 'receiving-mx-hostname': row.mx } : {}),
      'failed-session-count': count,
      ...(row.reason ? { 'failure-reason-code': row.reason } : {}),
    });
  }
  const report = {
    'organization-name': meta.orgName,
    'date-range': { 'start-datetime': iso(meta.start), 'end-datetime': iso(meta.end - 1000) },
    'contact-info': meta.contact,
    'report-id': meta.reportId,
    policies: [...byPolicy.values()].map((p) => ({
      policy: {
        'policy-type': p.policy.type,
        ...(p.policy.type !== 'no-policy-found' && p.policy.strings ? { 'policy-string': p.policy.strings } : {}),
        'policy-domain': domain,
        ...(p.policy.type === 'sts' && p.policy.mxHost ? { 'mx-host': p.policy.mxHost } : {}),
      },
      summary: { 'total-successful-session-count': p.success, 'total-failure-session-count': p.failure },
      ...(p.details.length > 0 ? { 'failure-details': p.details } : {}),
    })),
  };
  return JSON.stringify(report, null, 2) + '\n';
}
