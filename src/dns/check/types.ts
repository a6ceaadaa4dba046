/** How a published record compares with what this server needs. */
export type CheckStatus = 'ok' | 'missing' | 'wrong' | 'failed' | 'skipped';

/** One record (or one thing served over HTTPS) as found, compared with what to publish. */
export interface RecordCheck {
  /** What is checked, as a person names it: "MX", "SPF", "DKIM mf-ed-2026", "MTA-STS policy". */
  what: string;
  /** The name looked up, fully qualified with the final dot (a URL for the MTA-STS policy). */
  name: string;
  type: string;
  status: CheckStatus;
  /** What is published, as a resolver returns it: TXT strings joined and unquoted, names with the final dot. */
  found: string[];
  /** The value to publish (raw, as `found`), when the status is not ok. */
  expected?: string;
  /** The same as a zone-file line, ready to paste. */
  zone?: string;
  /** Why it is wrong, where to set it, or why it is not checked. */
  note?: string;
}

export interface DnsCheckReport {
  domain: string;
  /** True when no check is missing, wrong or failed. */
  ok: boolean;
  checks: RecordCheck[];
}
