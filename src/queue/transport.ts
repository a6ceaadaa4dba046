import { Readable } from 'node:stream';
import type { Smarthost } from '../config/index.ts';
import { deliverMessage } from '../delivery/deliver.ts';
import type { Logger } from '../log/logger.ts';
import type { DnsResolver } from '../net/dns.ts';
import type { Directory, MailStore, QueueEntry, QueueStore, SieveStore, Vault } from '../store/types.ts';
import { statusOf } from './dsn.ts';
import { stsRule } from './mta-sts.ts';
import { findRoute, hostAddresses } from './mx.ts';
import { sendVia, type Hop, type HopEnvelope, type HopResult, type Reply } from './smtp-client.ts';
import type { ReportRecorder } from '../reports/recorder.ts';
import { shortReason, tlsResultType } from '../reports/tlsrpt.ts';

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
}

export interface TransportSettings {
  store: Directory & MailStore & QueueStore & Vault & SieveStore;
  /** MX, address and MTA-STS lookups, through [dns] servers with a cache. */
  resolve: DnsResolver;
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
  const message = () => Readable.from(settings.store.readQueueMessage(entry.id));
  if (settings.smarthost) {
    const s = settings.smarthost;
    const hop: Hop = {
      host: s.host,
      port: s.port,
      name: s.host,
      security: s.tls,
      verifyCertificate: s.verify_certificate,
      helo: settings.helo,
      ...(s.username !== undefined && s.password !== undefined ? { auth: { user: s.username, pass: s.password } } : {}),
    };
    const result = await sendVia(hop, envelopes(entry, addresses), message, signal);
    return outcomes(result, addresses, s.host, result.failure ? failureText(result.failure) : '');
  }
  const route = await findRoute(settings.resolve, key);
  if (!route.ok) return everyone(addresses, route.permanent ? 'permanent' : 'temporary', route.reason, route.status);
  const sts = await stsRule(settings.store, settings.resolve, key, log);
  if (sts.failure) await settings.reports?.tls(key, { policy: { type: 'sts' }, result: sts.failure.type, reason: shortReason(sts.failure.reason) });
  const enforce = sts.mode === 'enforce';
  for (const host of route.hosts.filter((h) => !sts.allows(h))) {
    log.warn({ queue: entry.id, domain: key, mx: host, mode: sts.mode, policy: sts.id }, `MTA-STS: MX host not in the policy${enforce ? ', skipped' : ' (testing mode: used anyway)'}`);
  }
  // RFC 8461 section 5: under `enforce` only listed hosts, with STARTTLS and a certificate valid for the MX name; a failure is temporary.
  const hosts = enforce ? route.hosts.filter((h) => sts.allows(h)) : route.hosts;
  if (hosts.length === 0) return everyone(addresses, 'temporary', `MTA-STS policy of ${key} lists none of its MX hosts (${route.hosts.join(', ')})`, '4.7.5');
  let last = `no MX host of ${key} could be reached`;
  let tried = 0;
  const done: Attempt[] = [];
  let left = addresses;
  // The next MX, and the next address of each, is tried only for recipients no server answered.
  for (const host of hosts) {
    if (tried >= MAX_ADDRESSES) break;
    const ips = await hostAddresses(settings.resolve, host);
    if (ips.length === 0) last = `${host}: host has no address`;
    for (const ip of ips.slice(0, MAX_ADDRESSES - tried)) {
      tried++;
      if (signal.aborted) return [...done, ...everyone(left, 'temporary', 'shutting down', '4.3.2')];
      const hop: Hop = { host: ip, port: settings.mxPort, name: host, security: enforce ? 'starttls' : 'opportunistic', verifyCertificate: enforce, helo: settings.helo };
      const result = await sendVia(hop, envelopes(entry, left), message, signal);
      if (result.tls) {
        const tls = result.tls;
        await settings.reports?.tls(key, tls.ok ? { policy: sts.report, result: 'success' } : { policy: sts.report, result: tlsResultType(tls.reason), mx: host, ip, reason: shortReason(tls.reason) });
      }
      const answered = left.filter((a) => result.replies.has(a));
      done.push(...outcomes(result, answered, host, ''));
      left = left.filter((a) => !result.replies.has(a));
      if (left.length === 0) return done;
      if (result.failure) last = failureText(result.failure);
    }
  }
  return [...done, ...everyone(left, 'temporary', enforce ? `MTA-STS (enforce): ${last}` : last, '4.4.1')];
}

const failureText = (f: { reason: string; reply?: Reply }): string => (f.reply ? `${f.reason} (${f.reply.text})` : f.reason);

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
