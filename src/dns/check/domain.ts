import type { Config } from '../../config/index.ts';
import { mtaStsPolicy } from '../../http/mta-sts.ts';
import type { DnsResolve } from '../../net/dns.ts';
import { presentTlsa, RCODE } from '../../net/dns-wire.ts';
import type { ValidatingResolver } from '../../net/validating-resolver.ts';
import { dnsRecords, type DkimPublicKey, type DnsRecord } from '../records.ts';
import { lookup, reverseName, type Lookup } from './lookup.ts';
import { policyFields } from './mta-sts-policy.ts';
import type { DnsCheckReport, RecordCheck } from './types.ts';

export interface DnsCheckDeps {
  resolve: DnsResolve;
  /** The MTA-STS policy as served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (fetchMtaStsPolicy). */
  fetchPolicy: (domain: string) => Promise<string>;
  /** With [smtp.dane] on: the validating resolver, asked for the TLSA record and its AD bit. */
  validating?: ValidatingResolver;
  /** The TLSA record of the served certificate's key ("3 1 1 HEX"). */
  tlsa?: string;
}

export type DnsCheckConfig = Pick<Config, 'hostname' | 'listeners' | 'mta_sts' | 'dns' | 'smtp' | 'acme'>;

type Mx = { exchange: string; priority: number };
type Srv = { name: string; port: number; priority: number; weight: number };
type Caa = { critical: number; issue?: string; issuewild?: string };

const dot = (name: string) => (name === '' || name.endsWith('.') ? name || '.' : `${name}.`);
const same = (a: string, b: string) => dot(a).toLowerCase() === dot(b).toLowerCase();
const zoneLine = (r: Pick<DnsRecord, 'name' | 'type' | 'value'>) => `${r.name} 3600 IN ${r.type} ${r.value}`;
const joined = (txt: string[][]) => txt.map((strings) => strings.join(''));
/** "k=v; k=v" tags (DKIM, DMARC, MTA-STS, TLS-RPT), keys lower-cased. */
function tags(text: string): Map<string, string> {
  return new Map(text.split(';').map((t) => t.trim()).filter(Boolean).map((t) => [t.slice(0, t.indexOf('=')).trim().toLowerCase(), t.slice(t.indexOf('=') + 1).trim()] as [string, string]));
}

/** The check of one expected record: ok, or what to publish instead. */
function verdict(record: DnsRecord, what: string, found: string[], ok: boolean, note?: string): RecordCheck {
  const base = { what, name: record.name, type: record.type, found };
  if (ok) return { ...base, status: 'ok', ...(note ? { note } : {}) };
  return { ...base, status: found.length ? 'wrong' : 'missing', expected: record.text ?? record.value, zone: zoneLine(record), ...(note ? { note } : {}) };
}

function failed(record: { name: string; type: string }, what: string, error: string): RecordCheck {
  return { what, name: record.name, type: record.type, status: 'failed', found: [], note: error };
}

/**
 * Resolves what `domain` publishes and compares each record with what `mailfold dns`
 * prints for it. Returns data only: the CLI and the web admin page format it.
 */
export async function checkDomain(domain: string, config: DnsCheckConfig, dkim: DkimPublicKey[], deps: DnsCheckDeps): Promise<DnsCheckReport> {
  const records = dnsRecords(domain, config, dkim, deps.tlsa);
  const host = dot(config.hostname);
  const checks: RecordCheck[] = [];
  const ask = <T>(name: string, type: string): Promise<Lookup<T>> => lookup<T>(deps.resolve, name, type);

  const mx = records.find((r) => r.type === 'MX')!;
  const mxFound = await ask<Mx>(mx.name, 'MX');
  if ('error' in mxFound) checks.push(failed(mx, 'MX', mxFound.error));
  else {
    const values = mxFound.records.map((m) => `${m.priority} ${dot(m.exchange)}`);
    checks.push(verdict(mx, 'MX', values, mxFound.records.some((m) => same(m.exchange, host)), mxFound.records.length ? `no MX names ${host}` : undefined));
  }

  // The addresses of the host, configured or else as published: reverse DNS is checked for these.
  const addresses: string[] = [];
  for (const type of ['A', 'AAAA'] as const) {
    const expected = records.find((r) => r.type === type);
    const found = await ask<string>(host, type);
    if ('error' in found) {
      if (expected) checks.push(failed(expected, type, found.error));
      continue;
    }
    addresses.push(...(expected && !expected.placeholder ? [expected.value] : found.records));
    if (!expected) {
      if (found.records.length) checks.push({ what: type, name: host, type, status: 'ok', found: found.records, note: `set dns.ipv6 = "${found.records[0]}" so that \`mailfold dns\` prints it` });
      continue;
    }
    const ok = expected.placeholder ? found.records.length > 0 : found.records.includes(expected.value);
    const note = expected.placeholder ? 'the public address is not configured (dns.ipv4): any address is taken as right' : undefined;
    checks.push(verdict(expected, type, found.records, ok, note));
  }
  for (const address of addresses) {
    const name = reverseName(address);
    const what = `PTR of ${address}`;
    const found = await ask<string>(name, 'PTR');
    if ('error' in found) {
      checks.push(failed({ name, type: 'PTR' }, what, found.error));
      continue;
    }
    const base = { what, name, type: 'PTR', found: found.records.map(dot), note: 'reverse DNS is set at your ISP or hosting provider, not in your zone' };
    if (found.records.some((n) => same(n, host))) checks.push({ ...base, status: 'ok' });
    else checks.push({ ...base, status: found.records.length ? 'wrong' : 'missing', expected: host, zone: `${name} 3600 IN PTR ${host}` });
  }

  const txtAt = new Map<string, Lookup<string[]>>();
  const txt = async (name: string) => txtAt.get(name) ?? txtAt.set(name, await ask<string[]>(name, 'TXT')).get(name)!;
  for (const record of records.filter((r) => r.type === 'TXT')) {
    const what = txtKind(record);
    const answer = await txt(record.name);
    if ('error' in answer) {
      checks.push(failed(record, what, answer.error));
      continue;
    }
    checks.push(compareTxt(record, what, joined(answer.records)));
  }

  const policyUrl = `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
  const policy = mtaStsPolicy(config.mta_sts.mode, config.hostname, config.mta_sts.max_age);
  const policyCheck: RecordCheck = { what: 'MTA-STS policy', name: policyUrl, type: 'HTTPS', status: 'ok', found: [] };
  try {
    const served = await deps.fetchPolicy(domain);
    policyCheck.found = [served];
    if (JSON.stringify(policyFields(served)) !== JSON.stringify(policyFields(policy))) {
      Object.assign(policyCheck, { status: 'wrong', expected: policy, note: 'another server answers for mta-sts.' + domain + ', or its policy is out of date' });
    }
  } catch (err) {
    Object.assign(policyCheck, { status: 'missing', expected: policy, note: `not served: ${(err as Error).message}; mta-sts.${domain} must reach this server's HTTPS listener with a certificate for that name` });
  }
  checks.push(policyCheck);

  for (const record of records.filter((r) => r.type === 'CNAME')) checks.push(await compareAlias(record, host, addresses, ask));
  for (const record of records.filter((r) => r.type === 'SRV')) {
    const what = `SRV ${record.name.split('.')[0]}`;
    const found = await ask<Srv>(record.name, 'SRV');
    if ('error' in found) {
      checks.push(failed(record, what, found.error));
      continue;
    }
    const values = found.records.map((s) => `${s.priority} ${s.weight} ${s.port} ${dot(s.name)}`);
    const [, , port, target] = record.value.split(' ') as [string, string, string, string];
    const notOffered = target === '.';
    const ok = notOffered ? found.records.every((s) => dot(s.name) === '.') : found.records.some((s) => same(s.name, target) && String(s.port) === port);
    checks.push(verdict(record, what, values, ok, notOffered && ok && !values.length ? 'not offered; publishing "0 0 0 ." says so (optional)' : undefined));
  }

  checks.push(await compareCaa(domain, config, ask));
  const tlsa = records.find((r) => r.type === 'TLSA');
  if (tlsa && deps.validating) checks.push(await compareTlsa(tlsa, deps.validating));
  else checks.push({ what: 'TLSA', name: `_25._tcp.${host}`, type: 'TLSA', status: 'skipped', found: [], note: 'DANE is off ([smtp.dane] enabled = false): no TLSA record is needed or checked' });
  return { domain, ok: checks.every((c) => c.status === 'ok' || c.status === 'skipped'), checks };
}

function txtKind(record: DnsRecord): string {
  const text = record.text ?? '';
  if (text.startsWith('v=spf1')) return 'SPF';
  if (text.startsWith('v=DKIM1')) return `DKIM ${record.name.split('.')[0]}`;
  if (text.startsWith('v=DMARC1')) return 'DMARC';
  if (text.startsWith('v=STSv1')) return 'MTA-STS';
  return 'TLS-RPT';
}

/** Each kind of TXT record is found among the others at its name by its version tag, and judged by what matters in it. */
function compareTxt(record: DnsRecord, what: string, texts: string[]): RecordCheck {
  const expected = record.text!;
  const version = expected.slice(0, expected.search(/[ ;]/)).toLowerCase();
  const mine = what.startsWith('DKIM') ? texts : texts.filter((t) => t.trim().toLowerCase().startsWith(version));
  if (mine.length > 1) return verdict(record, what, mine, false, `${mine.length} records: receivers then ignore them all; publish one`);
  const [text] = mine;
  if (text === undefined) return verdict(record, what, [], false);
  const want = tags(expected);
  const have = tags(text);
  switch (what.split(' ')[0]) {
    case 'SPF': {
      const norm = (s: string) => s.trim().toLowerCase().split(/\s+/).join(' ');
      return verdict(record, what, mine, norm(text) === norm(expected));
    }
    case 'DKIM':
      return verdict(record, what, mine, have.get('p')?.replace(/\s+/g, '') === want.get('p'), 'the key published is not the one mail is signed with');
    case 'DMARC':
      return verdict(record, what, mine, ['none', 'quarantine', 'reject'].includes(have.get('p') ?? ''), 'no valid p= policy');
    case 'MTA-STS':
      return verdict(record, what, mine, have.get('id') === want.get('id'), 'the id must change whenever the policy does; publish this one');
    default:
      return verdict(record, what, mine, (have.get('rua') ?? '').length > 0, 'no rua= address for the reports');
  }
}

/** A name that must reach this host: a CNAME to it, or the same addresses. */
async function compareAlias(record: DnsRecord, host: string, addresses: string[], ask: <T>(name: string, type: string) => Promise<Lookup<T>>): Promise<RecordCheck> {
  const what = record.name.split('.')[0]!;
  const alias = await ask<string>(record.name, 'CNAME');
  if ('error' in alias) return failed(record, what, alias.error);
  if (alias.records.length) return verdict(record, what, alias.records.map(dot), alias.records.some((n) => same(n, host)));
  const direct = await ask<string>(record.name, 'A');
  if ('error' in direct) return failed(record, what, direct.error);
  const ok = direct.records.length > 0 && direct.records.every((a) => addresses.includes(a));
  return verdict(record, what, direct.records, ok, direct.records.length ? `its address is not ${host}'s` : undefined);
}

/**
 * Our TLSA record, asked of the validating resolver: it must be there, name the served
 * key, and come with the AD bit (a TLSA record in an unsigned zone is ignored by senders).
 */
async function compareTlsa(record: DnsRecord, resolver: ValidatingResolver): Promise<RecordCheck> {
  let answer;
  try {
    answer = await resolver.query(record.name, 'TLSA');
  } catch (err) {
    return failed(record, 'TLSA', `TLSA lookup of ${record.name} through ${resolver.server} failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (answer.rcode !== RCODE.NOERROR && answer.rcode !== RCODE.NXDOMAIN) return failed(record, 'TLSA', `TLSA lookup of ${record.name} through ${resolver.server} failed (rcode ${answer.rcode})`);
  const found = answer.records.flatMap((r) => (r.type === 'TLSA' ? [presentTlsa(r.value)] : []));
  if (record.placeholder) return verdict(record, 'TLSA', found, false, 'no certificate yet to publish the key of');
  if (!found.includes(record.value)) return verdict(record, 'TLSA', found, false, found.length ? 'no record names the key of the certificate served now: senders with DANE defer mail to this server' : undefined);
  if (!answer.secure) return verdict(record, 'TLSA', found, false, `not DNSSEC-validated (no AD bit from ${resolver.server}): sign the zone, or senders ignore the record`);
  return verdict(record, 'TLSA', found, true, found.length > 1 ? 'other records beside it: fine while a key rollover is under way' : undefined);
}

/** CAA is optional; when published it must let the ACME CA issue for the domain. */
async function compareCaa(domain: string, config: DnsCheckConfig, ask: <T>(name: string, type: string) => Promise<Lookup<T>>): Promise<RecordCheck> {
  const name = dot(domain);
  const found = await ask<Caa>(name, 'CAA');
  if ('error' in found) return failed({ name, type: 'CAA' }, 'CAA', found.error);
  const values = found.records.map((c) => (c.issue !== undefined ? `${c.critical} issue "${c.issue}"` : c.issuewild !== undefined ? `${c.critical} issuewild "${c.issuewild}"` : `${c.critical} other`));
  const ca = /letsencrypt/.test(config.acme.directory) ? 'letsencrypt.org' : null;
  const issuers = found.records.flatMap((c) => (c.issue !== undefined ? [c.issue.split(';')[0]!.trim()] : []));
  const base = { what: 'CAA', name, type: 'CAA', found: values };
  if (!found.records.length) return { ...base, status: 'ok', note: 'none published: every CA may issue (optional)' };
  if (!config.acme.enabled || !ca || issuers.includes(ca)) return { ...base, status: 'ok' };
  return { ...base, status: 'wrong', expected: `0 issue "${ca}"`, zone: `${name} 3600 IN CAA 0 issue "${ca}"`, note: `ACME is on with ${ca}, which these records do not allow to issue` };
}
