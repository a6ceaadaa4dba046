import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { simpleParser } from 'mailparser';

/**
 * Python's xml.etree reads a DMARC aggregate report and checks what RFC 7489
 * appendix C requires; it prints the report as JSON for the test to compare.
 */
const DMARC_CHECK = String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == 'feedback', root.tag
def need(node, path):
    found = node.find(path)
    assert found is not None and (found.text or '').strip() != '', 'missing ' + path
    return found.text.strip()
meta = {k: need(root, 'report_metadata/' + k) for k in ('org_name', 'email', 'report_id', 'date_range/begin', 'date_range/end')}
assert int(meta['date_range/begin']) < int(meta['date_range/end'])
policy = {k: need(root, 'policy_published/' + k) for k in ('domain', 'adkim', 'aspf', 'p', 'sp', 'pct')}
assert policy['p'] in ('none', 'quarantine', 'reject')
records = []
for r in root.findall('record'):
    row = {k: need(r, 'row/' + k) for k in ('source_ip', 'count', 'policy_evaluated/disposition', 'policy_evaluated/dkim', 'policy_evaluated/spf')}
    row['count'] = int(row['count'])
    assert row['policy_evaluated/disposition'] in ('none', 'quarantine', 'reject')
    assert row['policy_evaluated/dkim'] in ('pass', 'fail') and row['policy_evaluated/spf'] in ('pass', 'fail')
    row['header_from'] = need(r, 'identifiers/header_from')
    row['envelope_from'] = need(r, 'identifiers/envelope_from')
    spf = r.findall('auth_results/spf')
    assert len(spf) >= 1, 'auth_results needs an spf result'
    row['spf'] = [{k: need(s, k) for k in ('domain', 'scope', 'result')} for s in spf]
    row['dkim'] = [{k: need(d, k) for k in ('domain', 'result')} for d in r.findall('auth_results/dkim')]
    records.append(row)
assert records, 'no record'
print(json.dumps({'meta': meta, 'policy': policy, 'records': records}))
`;

/** Python's json module reads a TLS-RPT report and checks the fields RFC 8460 section 4.4 requires. */
const TLS_CHECK = String.raw`
import json, sys
r = json.loads(sys.stdin.buffer.read())
for k in ('organization-name', 'date-range', 'contact-info', 'report-id', 'policies'):
    assert k in r, 'missing ' + k
assert r['date-range']['start-datetime'].endswith('Z') and r['date-range']['end-datetime'].endswith('Z')
for p in r['policies']:
    assert p['policy']['policy-type'] in ('sts', 'tlsa', 'no-policy-found'), p
    assert 'policy-domain' in p['policy']
    s = p['summary']
    assert isinstance(s['total-successful-session-count'], int) and isinstance(s['total-failure-session-count'], int)
    details = p.get('failure-details', [])
    assert sum(d['failed-session-count'] for d in details) == s['total-failure-session-count']
    for d in details:
        assert 'result-type' in d
print(json.dumps(r))
`;

export interface DmarcReport {
  meta: Record<string, string>;
  policy: Record<string, string>;
  records: { source_ip: string; count: number; 'policy_evaluated/disposition': string; 'policy_evaluated/dkim': string; 'policy_evaluated/spf': string; header_from: string; envelope_from: string; spf: Record<string, string>[]; dkim: Record<string, string>[] }[];
}

export interface TlsReport {
  'organization-name': string;
  'report-id': string;
  'contact-info': string;
  policies: { policy: Record<string, unknown>; summary: Record<string, number>; 'failure-details'?: Record<string, string | number>[] }[];
}

const python = (script: string, input: Buffer): string => execFileSync('python3', ['-c', script], { input }).toString();

export const parseDmarcXml = (xml: Buffer): DmarcReport => JSON.parse(python(DMARC_CHECK, xml)) as DmarcReport;
export const parseTlsJson = (json: Buffer): TlsReport => JSON.parse(python(TLS_CHECK, json)) as TlsReport;

/** A report message's attachment, unzipped, with the fields a test checks. */
export async function reportAttachment(raw: string | Buffer): Promise<{ subject: string; headers: Map<string, unknown>; contentType: string; fileName: string; content: Buffer }> {
  const mail = await simpleParser(raw);
  const [attachment] = mail.attachments;
  if (!attachment) throw new Error('the report has no attachment');
  return {
    subject: mail.subject ?? '',
    headers: mail.headers,
    contentType: attachment.contentType,
    fileName: attachment.filename ?? '',
    content: gunzipSync(attachment.content),
  };
}
