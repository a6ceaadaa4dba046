import { connect } from 'node:net';
import type { DnsResolve } from '../../net/dns.ts';
import { lookup, reverseName } from './lookup.ts';

/** What mox's quickstart checks before a server sends mail directly: can it, and will it be believed. */
export interface HostCheck {
  what: 'outbound port 25' | 'public address' | 'reverse DNS' | 'blocklist';
  status: 'ok' | 'problem' | 'unknown';
  detail: string;
}

export interface SendingHostReport {
  checks: HostCheck[];
  /** Why mail should leave through a smarthost; empty when sending directly can work. */
  smarthostReasons: string[];
}

export interface SendingHostOptions {
  hostname: string;
  /** The server's public address, when known; else the host name's A record is taken. */
  publicAddress?: string;
  resolve: DnsResolve;
  /** Another organisation's MX to try port 25 on (our own MX answering says nothing about the way out). */
  probe: { host: string; port: number };
  timeoutMs?: number;
}

/** A large provider's MX that answers on port 25 from anywhere that is not blocked. */
export const DEFAULT_PROBE = { host: 'gmail-smtp-in.l.google.com', port: 25 };

/**
 * DNS blocklists that answer over ordinary DNS. Spamhaus answers 127.255.255.x instead
 * of a verdict to queries through public resolvers: that is "unknown", not "listed".
 * 127.0.0.10 and .11 are its PBL: address ranges whose owners say no mail should come from them.
 */
const BLOCKLISTS = ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org'];
const PBL = new Set(['127.0.0.10', '127.0.0.11']);

/** Resolves when a TCP connection to host:port opens, rejects on refusal or after timeoutMs. */
function tcpReachable(address: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function outboundPort25(opts: SendingHostOptions): Promise<HostCheck> {
  const { host, port } = opts.probe;
  const how = `test it yourself: \`nc -vz ${host} ${port}\` (or \`swaks --server ${host}:${port} --quit-after EHLO\`)`;
  const addresses = await lookup<string>(opts.resolve, host, 'A');
  const address = 'records' in addresses ? addresses.records[0] : undefined;
  if (!address) return { what: 'outbound port 25', status: 'unknown', detail: `cannot resolve ${host}; ${how}` };
  try {
    await tcpReachable(address, port, opts.timeoutMs ?? 5000);
    return { what: 'outbound port 25', status: 'ok', detail: `a connection to ${host} port ${port} opened` };
  } catch (err) {
    return { what: 'outbound port 25', status: 'problem', detail: `no connection to ${host} port ${port} (${(err as Error).message}): your provider blocks outgoing port 25; ${how}` };
  }
}

async function reverseDns(opts: SendingHostOptions, address: string): Promise<HostCheck> {
  const name = reverseName(address);
  const found = await lookup<string>(opts.resolve, name, 'PTR');
  if ('error' in found) return { what: 'reverse DNS', status: 'unknown', detail: found.error };
  const names = found.records.map((n) => n.replace(/\.$/, '').toLowerCase());
  if (names.includes(opts.hostname)) return { what: 'reverse DNS', status: 'ok', detail: `${address} is ${opts.hostname}` };
  const now = names.length ? `is ${names.join(', ')}` : 'has no name';
  return { what: 'reverse DNS', status: 'problem', detail: `${address} ${now}; ask your ISP or hosting provider to set it to ${opts.hostname} (big receivers refuse or junk mail otherwise)` };
}

async function blocklist(opts: SendingHostOptions, address: string, zone: string): Promise<HostCheck & { pbl?: boolean }> {
  const name = `${address.split('.').reverse().join('.')}.${zone}`;
  const found = await lookup<string>(opts.resolve, name, 'A');
  if ('error' in found) return { what: 'blocklist', status: 'unknown', detail: `${zone}: ${found.error}` };
  const codes = found.records;
  if (!codes.length) return { what: 'blocklist', status: 'ok', detail: `${address} is not on ${zone}` };
  if (codes.every((c) => c.startsWith('127.255.255.'))) return { what: 'blocklist', status: 'unknown', detail: `${zone} does not answer queries through this resolver (${codes.join(', ')}); check at its web site` };
  const pbl = codes.some((c) => PBL.has(c));
  return { what: 'blocklist', status: 'problem', detail: `${address} is on ${zone} (${codes.join(', ')})${pbl ? ': a range meant for home connections (Spamhaus PBL)' : ''}`, pbl };
}

/** Runs every check; the network is reached only through `resolve` and the probe. */
export async function checkSendingHost(opts: SendingHostOptions): Promise<SendingHostReport> {
  const checks: HostCheck[] = [];
  const reasons: string[] = [];
  const port25 = await outboundPort25(opts);
  checks.push(port25);
  if (port25.status === 'problem') reasons.push('outgoing port 25 is blocked');

  let address = opts.publicAddress;
  if (!address) {
    const a = await lookup<string>(opts.resolve, opts.hostname, 'A');
    address = 'records' in a ? a.records[0] : undefined;
  }
  if (!address) {
    checks.push({ what: 'public address', status: 'unknown', detail: `${opts.hostname} has no A record yet and none was given (--public-ip): reverse DNS and blocklists not checked` });
    return { checks, smarthostReasons: reasons };
  }
  checks.push({ what: 'public address', status: 'ok', detail: address });
  const ptr = await reverseDns(opts, address);
  checks.push(ptr);
  if (ptr.status === 'problem') reasons.push('the reverse DNS of the address is not the host name');
  if (address.includes(':')) {
    checks.push({ what: 'blocklist', status: 'unknown', detail: 'IPv6 addresses are not looked up in blocklists' });
  } else {
    for (const zone of BLOCKLISTS) {
      const { pbl, ...check } = await blocklist(opts, address, zone);
      checks.push(check);
      if (check.status === 'problem') reasons.push(pbl ? 'the address is in a home range (Spamhaus PBL)' : `the address is on ${zone}`);
    }
  }
  return { checks, smarthostReasons: reasons };
}
