import { Readable } from 'node:stream';
import type { Smarthost } from '../config/index.ts';
import { deliverMessage } from '../delivery/deliver.ts';
import type { Logger } from '../log/logger.ts';
import type { DnsResolver } from '../net/dns.ts';
import type { Directory, MailStore, QueueEntry, QueueStore, SieveStore, Vault } from '../store/types.ts';
import { statusOf } from './dsn.ts';
import type { ValidatingResolver } from '../net/validating-resolver.ts';
import { daneRule, secureLookup, type DaneRule, type HopTls } from './dane.ts';
import { NO_STS, stsRule } from './mta-sts.ts';
import { findRoute, hostAddresses } from './mx.ts';
import { mayCarryRequireTls, REQUIRETLS_STATUS } from './require-tls.ts';
import { sendVia, type Hop, type HopEnvelope, type HopFailure, type HopResult } from './smtp-client.ts';
import type { ReportRecorder } from '../reports/recorder.ts';
import { shortReason, tlsResultType, type TlsPolicy } from '../reports/tlsrpt.ts';
import { presentTlsa } from '../net/dns-wire.ts';

/** What one try did for one recipient. */
export interface Attempt {
  address: string;
  outcome: 'sent' | 'temporary' | 'permanent';
  /** The reply, or why there was none. */
  result: string;
  status: string;
  remoteMta?: string;
  /** For a recipient sent to a server without DSN: we, not it, report success (RFC 3461 section 6.2.2). */
  relayed?: boolean;
  /** How the hop to an MX host was protected (see HopTls in dane.ts); absent for the smarthost and capture. */
  tls?: HopTls;
}

export interface TransportSettings {
  store: Directory & MailStore & QueueStore & Vault & SieveStore;
  /** MX, address and MTA-STS lookups, through [dns] servers with a cache. */
  resolve: DnsResolver;
  /** With [smtp.dane] on: the DNSSEC-validating resolver for MX, address and TLSA lookups. */
  dane?: ValidatingResolver;
  /** Our name in EHLO. */
  helo: string;
  mxPort: number;
  smarthost?: Smarthost;
  /** Outbound mail goes into this local address instead of out. */
  capture?: string;
  subaddressSeparator: string;
  /** Records each direct delivery's TLS outcome for TLS-RPT (reports/). */
  reports?: ReportRecorder;
}

/** How recipients are grouped into transactions: per domain, or all through the one relay or capture box. */
export function routeKey(settings: TransportSettings, address: string): string {
  if (settings.capture) return 'capture';
  if (settings.smarthost) return `smarthost:${settings.smarthost.host}`;
  return address.slice(address.lastIndexOf('@') + 1);
}

/** Addresses tried per attempt, over all MX hosts, as Postfix's smtp_mx_address_limit: a domain with dozens cannot stall the queue. */
const MAX_ADDRESSES = 5;

const everyone = (addresses: string[], outcome: Attempt['outcome'], result: string, status: string): Attempt[] =>
  addresses.map((address) => ({ address, outcome, result, status }));

/** Tries one group of an entry's recipients (one domain, or everything via the smarthost) once. */
export async function attemptDelivery(
  settings: TransportSettings,
  entry: QueueEntry,
  key: string,
  addresses: string[],
  signal: AbortSignal,
  log: Logger,
): Promise<Attempt[]> {
  if (settings.capture) return capture(settings, settings.capture, entry, addresses);
  // RFC 8689 sections 4.2.1 and 5: the rules are for a message with a return path; a bounce is not lost for want of REQUIRETLS.
  const requireTls = entry.requireTls === true && entry.from !== '';
  if (settings.smarthost) return viaSmarthost(settings, settings.smarthost, entry, addresses, requireTls, signal);
  const message = () => Readable.from(settings.store.readQueueMessage(entry.id));
  const dane = settings.dane;
  // With DANE on, the MX lookup goes to the validating resolver, so that its AD bit says whether DANE can apply.
  let mxSecure = false;
  const route = await findRoute(dane ? secureLookup(dane, (secure) => (mxSecure = secure)) : settings.resolve, key);
  if (!route.ok) return everyone(addresses, route.permanent ? 'permanent' : 'temporary', route.reason, route.status);
  // RFC 8689 section 4.2.2: `TLS-Required: No` asks that the domain's policy not stop the message.
  const sts = entry.requireTls === false ? NO_STS : await stsRule(settings.store, settings.resolve, key, log);
  if (sts.failure) await settings.reports?.tls(key, { policy: { type: 'sts' }, result: sts.failure.type, reason: shortReason(sts.failure.reason) });
  const enforce = sts.mode === 'enforce';
  let last = `no MX host of ${key} could be reached`;
  let lastStatus = '4.4.1';
  let tried = 0;
  let usable = 0;
  /** Hosts REQUIRETLS may not use (not authenticated by DANE or MTA-STS), and hops that failed for want of the TLS it asks. */
  let unauthenticated = 0;
  let tlsFailures = 0;
  const done: Attempt[] = [];
  let left = addresses;
  // The next MX, and the next address of each, is tried only for recipients no server answered.
  for (const host of route.hosts) {
    if (tried >= MAX_ADDRESSES) break;
    const plan = await planHost(settings, host, mxSecure);
    if (plan.rule.kind === 'fail') {
      log.warn({ queue: entry.id, domain: key, mx: host, reason: plan.rule.reason }, 'DANE: TLSA lookup failed, MX host skipped');
      [last, lastStatus] = [`DANE: ${plan.rule.reason}`, '4.7.5'];
      continue;
    }
    if (dane && plan.rule.kind === 'none') log.debug({ queue: entry.id, domain: key, mx: host, why: plan.rule.why }, 'DANE does not apply');
    const daneRecords = plan.rule.kind === 'dane' ? plan.rule.records : undefined;
    // RFC 8461 section 2: a host with DANE is not held to the MTA-STS policy.
    if (!daneRecords && !sts.allows(host)) {
      log.warn({ queue: entry.id, domain: key, mx: host, mode: sts.mode, policy: sts.id }, `MTA-STS: MX host not in the policy${enforce ? ', skipped' : ' (testing mode: used anyway)'}`);
      if (enforce) continue;
    }
    usable++;
    const tls: HopTls = daneRecords ? { policy: 'dane', verified: daneRecords.length > 0 } : enforce ? { policy: 'mta-sts', verified: true } : { policy: 'opportunistic', verified: false };
    // RFC 8689 section 4.2.1: a REQUIRETLS message goes only to a host that DANE or MTA-STS authenticates.
    if (requireTls && !mayCarryRequireTls(tls)) {
      unauthenticated++;
      last = `no MX host of ${key} is authenticated (${host}: no usable TLSA records, no MTA-STS policy in enforce mode)`;
      continue;
    }
    if (plan.ips.length === 0) last = `${host}: host has no address`;
    for (const ip of plan.ips.slice(0, MAX_ADDRESSES - tried)) {
      tried++;
      if (signal.aborted) return [...done, ...everyone(left, 'temporary', 'shutting down', '4.3.2')];
      // RFC 8461 section 5: under `enforce`, STARTTLS and a certificate valid for the MX name; a failure is temporary.
      const hop: Hop = {
        host: ip,
        port: settings.mxPort,
        name: host,
        security: daneRecords || enforce ? 'starttls' : 'opportunistic',
        verifyCertificate: !daneRecords && enforce,
        helo: settings.helo,
        ...(daneRecords ? { dane: daneRecords } : {}),
        ...(requireTls ? { requireTls } : {}),
      };
      const result = await sendVia(hop, envelopes(entry, left), message, signal);
      if (result.tls) {
        const outcome = result.tls;
        // TLS-RPT (RFC 8460 section 4.3): a host with TLSA records is reported under its DANE policy.
        const policy: TlsPolicy = daneRecords ? { type: 'tlsa', strings: daneRecords.map(presentTlsa) } : sts.report;
        await settings.reports?.tls(key, outcome.ok ? { policy, result: 'success' } : { policy, result: tlsResultType(outcome.reason), mx: host, ip, reason: shortReason(outcome.reason) });
      }
      const answered = left.filter((a) => result.replies.has(a));
      done.push(...outcomes(result, answered, host, '').map((a) => ({ ...a, tls })));
      left = left.filter((a) => !result.replies.has(a));
      if (left.length === 0) return done;
      if (result.failure) {
        const text = failureText(result.failure);
        if (result.failure.tls) tlsFailures++;
        // RFC 7672 section 2.2: with TLSA records, no STARTTLS or no match is a temporary failure, never a plaintext retry.
        [last, lastStatus] = daneRecords ? [result.failure.dane ? text : `DANE: ${text}`, '4.7.5'] : [text, '4.4.1'];
      }
    }
  }
  if (usable === 0 && lastStatus !== '4.7.5') return everyone(addresses, 'temporary', `MTA-STS policy of ${key} lists none of its MX hosts (${route.hosts.join(', ')})`, '4.7.5');
  // RFC 8689 section 5: a REQUIRETLS message no host may carry, or that every hop tried refused over TLS, is returned; an unreachable host may still be tried later.
  if (requireTls && usable > 0 && (unauthenticated === usable || (tried > 0 && tlsFailures === tried))) {
    return [...done, ...everyone(left, 'permanent', `REQUIRETLS: ${last}`, REQUIRETLS_STATUS)];
  }
  return [...done, ...everyone(left, 'temporary', enforce && lastStatus === '4.4.1' ? `MTA-STS (enforce): ${last}` : last, lastStatus)];
}

/** One MX host's addresses and what DANE asks of it. */
async function planHost(settings: TransportSettings, host: string, mxSecure: boolean): Promise<{ ips: string[]; rule: DaneRule }> {
  const dane = settings.dane;
  if (!dane || !mxSecure) return { ips: await hostAddresses(settings.resolve, host), rule: { kind: 'none', why: 'MX records not DNSSEC-validated' } };
  let secure = true;
  const ips = await hostAddresses(secureLookup(dane, (s) => (secure &&= s)), host);
  // RFC 7672 section 2.2: TLSA records count only for a host whose addresses validated too.
  if (!secure) return { ips, rule: { kind: 'none', why: `addresses of ${host} not DNSSEC-validated` } };
  return { ips, rule: await daneRule(dane, host, settings.mxPort) };
}

/** Everything through the configured relay, in one transaction. */
async function viaSmarthost(settings: TransportSettings, s: Smarthost, entry: QueueEntry, addresses: string[], requireTls: boolean, signal: AbortSignal): Promise<Attempt[]> {
  const hop: Hop = {
    host: s.host,
    port: s.port,
    name: s.host,
    // The relay is named by our configuration, not found in DNS: REQUIRETLS asks only for verified TLS and the extension (RFC 8689 section 4.2.1).
    security: requireTls && s.tls !== 'implicit' ? 'starttls' : s.tls,
    verifyCertificate: requireTls || s.verify_certificate,
    helo: settings.helo,
    ...(s.username !== undefined && s.password !== undefined ? { auth: { user: s.username, pass: s.password } } : {}),
    ...(requireTls ? { requireTls } : {}),
  };
  const message = () => Readable.from(settings.store.readQueueMessage(entry.id));
  const result = await sendVia(hop, envelopes(entry, addresses), message, signal);
  if (requireTls && result.failure?.tls) return everyone(addresses, 'permanent', `REQUIRETLS: ${failureText(result.failure)}`, REQUIRETLS_STATUS);
  return outcomes(result, addresses, s.host, result.failure ? failureText(result.failure) : '');
}

const failureText = (f: HopFailure): string => (f.reply ? `${f.reason} (${f.reply.text})` : f.reason);

/**
 * One transaction per set of DSN parameters (RFC 3461): recipients with the same
 * NOTIFY and ORCPT share one; RET and ENVID belong to the message.
 */
export function envelopes(entry: QueueEntry, addresses: string[]): HopEnvelope[] {
  const groups = new Map<string, HopEnvelope>();
  for (const address of addresses) {
    const r = entry.recipients.find((x) => x.address === address);
    const dsn = {
      ...(entry.ret ? { ret: entry.ret } : {}),
      ...(entry.envid ? { envid: entry.envid } : {}),
      ...(r?.notify ? { notify: r.notify } : {}),
      ...(r?.orcpt ? { orcpt: r.orcpt } : {}),
    };
    const key = `${r?.notify?.join(',') ?? ''} ${r?.orcpt ?? ''}`;
    const group = groups.get(key);
    if (group) group.to.push(address);
    else groups.set(key, { from: entry.from, to: [address], size: entry.size, ...(Object.keys(dsn).length > 0 ? { dsn } : {}) });
  }
  return [...groups.values()];
}

/** The recipients' outcomes from the replies; one without a reply gets `unanswered` (or a generic reason). */
function outcomes(result: HopResult, addresses: string[], remoteMta: string, unanswered: string): Attempt[] {
  return addresses.map((address): Attempt => {
    const reply = result.replies.get(address);
    if (!reply && unanswered) return { address, outcome: 'temporary', result: unanswered, status: '4.4.1' };
    if (!reply) return { address, outcome: 'temporary', result: `${remoteMta} gave no answer for this recipient`, status: '4.4.2', remoteMta };
    const outcome = reply.code < 300 ? 'sent' : reply.code < 500 ? 'temporary' : 'permanent';
    return { address, outcome, result: reply.text, status: statusOf(reply.code, reply.text), remoteMta, ...(outcome === 'sent' && !result.dsn ? { relayed: true } : {}) };
  });
}

/** Capture mode: the message goes into a local mailbox through the write path, with where it was going on top. */
async function capture(settings: TransportSettings, box: string, entry: QueueEntry, addresses: string[]): Promise<Attempt[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of settings.store.readQueueMessage(entry.id)) chunks.push(chunk);
  const trace = addresses.map((a) => `X-Original-To: ${a}\r\n`).join('');
  const reports = await deliverMessage(settings.store, {
    from: entry.from,
    recipients: [box],
    raw: Buffer.concat([Buffer.from(trace), ...chunks]),
    subaddressSeparator: settings.subaddressSeparator,
  });
  const delivered = reports[0]?.outcomes.find((o) => o.status === 'delivered');
  if (delivered) return everyone(addresses, 'sent', `250 2.0.0 captured in ${box} (not sent)`, '2.0.0');
  const why = reports[0]?.outcomes.map((o) => ('detail' in o ? o.detail : o.status)).join('; ') || 'no outcome';
  return everyone(addresses, 'temporary', `capture into ${box} failed: ${why}`, '4.3.0');
}
