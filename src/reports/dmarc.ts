import type { AuthenticateResult } from 'mailauth';
import { escapeXml } from '../http/xml.ts';

/** How the MX treated a message, as DMARC aggregate reports name it. */
export type Disposition = 'none' | 'quarantine' | 'reject';

/** The DMARC record of the policy domain, as published (RFC 7489 appendix C, PolicyPublishedType). */
export interface PolicyPublished {
  domain: string;
  /** The organizational domain: a destination outside it needs authorization (section 7.1). */
  org: string;
  adkim: 'r' | 's';
  aspf: 'r' | 's';
  p: string;
  sp: string;
  pct: number;
  fo: string;
  rua: string;
}

/** One kind of message a period saw: identical ones are counted together. */
export interface DmarcRow {
  ip: string;
  headerFrom: string;
  envelopeFrom: string;
  disposition: Disposition;
  /** DMARC's aligned results (policy_evaluated). */
  dkim: 'pass' | 'fail';
  spf: 'pass' | 'fail';
  dkimAuth: { domain: string; selector: string; result: string }[];
  spfAuth: { domain: string; scope: 'mfrom' | 'helo'; result: string };
  policy: PolicyPublished;
}

/** Signatures listed per row: a message with dozens is still one small row. */
const MAX_SIGNATURES = 5;
const DKIM_RESULTS = new Set(['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror']);
const SPF_RESULTS = new Set(['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror']);
const POLICIES = new Set(['none', 'quarantine', 'reject']);

/** A DMARC record's tags (RFC 7489 section 6.4), names lower case; the raw text is what mailauth read. */
export function dmarcTags(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return tags;
}

/**
 * The report row of a message the MX checked, or null when there is nothing to
 * report: no DMARC record, or one that asks for no aggregate reports (no rua).
 */
export function dmarcRow(result: Pick<AuthenticateResult, 'dmarc' | 'spf' | 'dkim'>, ip: string, envelopeFrom: string, helo: string, disposition: Disposition): DmarcRow | null {
  const dmarc = result.dmarc;
  if (!dmarc || !dmarc.rr || (dmarc.status.result !== 'pass' && dmarc.status.result !== 'fail')) return null;
  const tags = dmarcTags(dmarc.rr);
  const rua = tags.get('rua');
  if (!rua) return null;
  const headerFrom = String(dmarc.status.header?.from ?? '').toLowerCase();
  const policyDomain = (dmarc.policyDomain ?? dmarc.domain).toLowerCase();
  const pct = Number.parseInt(tags.get('pct') ?? '100', 10);
  const spf = result.spf || null;
  const spfDomain = (spf?.domain ?? (envelopeFrom ? envelopeFrom.slice(envelopeFrom.lastIndexOf('@') + 1) : helo)).toLowerCase();
  const spfResult = spf ? spf.status.result : 'none';
  return {
    ip,
    headerFrom,
    envelopeFrom: (envelopeFrom ? envelopeFrom.slice(envelopeFrom.lastIndexOf('@') + 1) : helo).toLowerCase(),
    disposition,
    dkim: dmarc.alignment.dkim.result ? 'pass' : 'fail',
    spf: dmarc.alignment.spf.result ? 'pass' : 'fail',
    dkimAuth: result.dkim.results
      .filter((r) => r.signingDomain)
      .slice(0, MAX_SIGNATURES)
      .map((r) => ({ domain: r.signingDomain!.toLowerCase(), selector: r.selector ?? '', result: DKIM_RESULTS.has(r.status.result) ? r.status.result : 'permerror' })),
    spfAuth: { domain: spfDomain, scope: envelopeFrom ? 'mfrom' : 'helo', result: SPF_RESULTS.has(spfResult) ? spfResult : 'temperror' },
    policy: {
      domain: policyDomain,
      org: dmarc.domain.toLowerCase(),
      adkim: tags.get('adkim')?.toLowerCase() === 's' ? 's' : 'r',
      aspf: tags.get('aspf')?.toLowerCase() === 's' ? 's' : 'r',
      p: POLICIES.has(dmarc.p) ? dmarc.p : 'none',
      sp: POLICIES.has(dmarc.sp) ? dmarc.sp : 'none',
      pct: Number.isInteger(pct) && pct >= 0 && pct <= 100 ? pct : 100,
      fo: /^[01ds](:[01ds])*$/.test(tags.get('fo') ?? '') ? tags.get('fo')! : '0',
      rua,
    },
  };
}

/** Who reports: the report_metadata of RFC 7489 appendix C. */
export interface ReportMeta {
  orgName: string;
  email: string;
  reportId: string;
  /** Seconds since the epoch: the period reported, end exclusive. */
  begin: number;
  end: number;
}

const el = (name: string, value: string | number): string => `<${name}>${escapeXml(value)}</${name}>`;

/**
 * The aggregate report (RFC 7489 section 7.2 and appendix C): one `record` per row with
 * its count; the policy published is the one the latest row saw.
 */
export function dmarcXml(meta: ReportMeta, rows: { row: DmarcRow; count: number }[]): string {
  const policy = rows.at(-1)!.row.policy;
  const records = rows.map(({ row, count }) => [
    '  <record>',
    `    <row>${el('source_ip', row.ip)}${el('count', count)}<policy_evaluated>${el('disposition', row.disposition)}${el('dkim', row.dkim)}${el('spf', row.spf)}</policy_evaluated></row>`,
    `    <identifiers>${el('envelope_from', row.envelopeFrom)}${el('header_from', row.headerFrom)}</identifiers>`,
    '    <auth_results>',
    ...row.dkimAuth.map((d) => `      <dkim>${el('domain', d.domain)}${el('selector', d.selector)}${el('result', d.result)}</dkim>`),
    `      <spf>${el('domain', row.spfAuth.domain)}${el('scope', row.spfAuth.scope)}${el('result', row.spfAuth.result)}</spf>`,
    '    </auth_results>',
    '  </record>',
  ].join('\n'));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feedback>',
    `  <report_metadata>${el('org_name', meta.orgName)}${el('email', meta.email)}${el('report_id', meta.reportId)}<date_range>${el('begin', meta.begin)}${el('end', meta.end)}</date_range></report_metadata>`,
    `  <policy_published>${el('domain', policy.domain)}${el('adkim', policy.adkim)}${el('aspf', policy.aspf)}${el('p', policy.p)}${el('sp', policy.sp)}${el('pct', policy.pct)}${el('fo', policy.fo)}</policy_published>`,
    ...records,
    '</feedback>',
    '',
  ].join('\n');
}
