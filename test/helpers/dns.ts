import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer, isIPv4, type Server } from 'node:net';
import type { TestContext } from 'node:test';

const TYPES = { A: 1, CNAME: 5, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, TLSA: 52, CAA: 257 } as const;
export type RecordType = keyof typeof TYPES;

/** Records by name: MX ([preference, host]; "." is a null MX), IPv4 addresses, TXT strings and TLSA records ("3 1 1 HEX") (PTR records by `add`). */
export type Zone = Record<string, { mx?: [number, string][]; a?: string[]; txt?: string[]; tlsa?: string[] }>;

/** An IPv6 address as its 16 bytes ("::" expanded). */
export function ipv6Bytes(value: string): Buffer {
  const [head = '', tail] = value.split('::');
  const words = (part: string) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const left = words(head);
  const right = tail === undefined ? [] : words(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Each domain with one MX, `mx.<domain>`, at the given address: the usual shape of a test world. */
export function mxZone(domains: Record<string, string>): Zone {
  return Object.fromEntries(Object.entries(domains).flatMap(([domain, address]) => [[domain, { mx: [[10, `mx.${domain}`]] }], [`mx.${domain}`, { a: [address] }]]));
}

/** A name in DNS wire format: length-prefixed labels and the root's zero. */
function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

function rdata(type: RecordType, value: string): Buffer {
  if (type === 'TXT') {
    const strings = value.match(/[\s\S]{1,255}/g) ?? [''];
    return Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([Buffer.byteLength(s, 'latin1')]), Buffer.from(s, 'latin1')])));
  }
  if (type === 'A') return Buffer.from(value.split('.').map(Number));
  if (type === 'MX') {
    const [preference, host] = value.split(' ') as [string, string];
    const pref = Buffer.alloc(2);
    pref.writeUInt16BE(Number(preference));
    return Buffer.concat([pref, host === '.' ? Buffer.from([0]) : encodeName(host)]);
  }
  if (type === 'AAAA') return ipv6Bytes(value);
  if (type === 'TLSA') {
    const [usage, selector, matching, hex = ''] = value.split(' ') as [string, string, string, string?];
    return Buffer.concat([Buffer.from([Number(usage), Number(selector), Number(matching)]), Buffer.from(hex, 'hex')]);
  }
  if (type === 'CNAME' || type === 'PTR') return encodeName(value);
  if (type === 'SRV') {
    const [priority, weight, port, target] = value.split(' ') as [string, string, string, string];
    const head = Buffer.alloc(6);
    head.writeUInt16BE(Number(priority), 0);
    head.writeUInt16BE(Number(weight), 2);
    head.writeUInt16BE(Number(port), 4);
    return Buffer.concat([head, target === '.' ? Buffer.from([0]) : encodeName(target)]);
  }
  // CAA: "FLAGS TAG VALUE" (RFC 8659).
  const [flags, tag, ...rest] = value.split(' ') as [string, string, ...string[]];
  return Buffer.concat([Buffer.from([Number(flags), tag.length]), Buffer.from(tag, 'ascii'), Buffer.from(rest.join(' ').replace(/^"|"$/g, ''), 'ascii')]);
}

/**
 * A tiny authoritative DNS server over UDP (and TCP on the same port) for tests: MX, A, AAAA, TXT, CNAME, PTR, SRV
 * ("PRIORITY WEIGHT PORT TARGET"), TLSA ("USAGE SELECTOR MATCHING HEX") and CAA ("FLAGS TAG VALUE") records of test domains, NXDOMAIN for every other name, NODATA for another type of a
 * known name. Its zone can change while the test runs. Only what a resolver asks is parsed.
 * It can also play a DNSSEC-validating resolver: answers for names under a `signed` suffix
 * carry the AD bit when the query set AD or DO, names in `servfail` get SERVFAIL (as a
 * bogus answer would), and with `truncate` every UDP answer is empty with TC set.
 */
export class TestDns {
  readonly port: number;
  readonly #records = new Map<string, { type: RecordType; data: Buffer }[]>();
  /** While true, questions get no answer, as from a server that is down. */
  silent = false;
  /** Every question asked, as "TYPE name" (over TCP: "TCP TYPE name"). */
  readonly queries: string[] = [];
  /** Names (and every name under them) whose answers are "validated": the AD bit. */
  readonly signed = new Set<string>();
  /** Names answered SERVFAIL. */
  readonly servfail = new Set<string>();
  /** While true, UDP answers are cut to nothing with TC set: the client must ask over TCP. */
  truncate = false;

  constructor(port: number, zone: Zone = {}) {
    this.port = port;
    for (const [name, records] of Object.entries(zone)) {
      for (const [preference, host] of records.mx ?? []) this.add(name, 'MX', `${preference} ${host}`);
      for (const ip of records.a ?? []) this.add(name, 'A', ip);
      for (const text of records.txt ?? []) this.txt(name, text);
      for (const tlsa of records.tlsa ?? []) this.add(name, 'TLSA', tlsa);
    }
  }

  /** "127.0.0.1:port", for [dns] servers. */
  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** A record; an MX's value is "PREFERENCE HOST", an SRV's "PRIORITY WEIGHT PORT TARGET", a CAA's "FLAGS TAG VALUE". */
  add(name: string, type: RecordType, value: string): void {
    const key = name.toLowerCase().replace(/\.$/, '');
    this.#records.set(key, [...(this.#records.get(key) ?? []), { type, data: rdata(type, value) }]);
  }

  txt(name: string, value: string): void {
    this.add(name, 'TXT', value);
  }

  #signed(name: string): boolean {
    return [...this.signed].some((zone) => name === zone || name.endsWith(`.${zone}`));
  }

  /** The reply to a query, as it goes over UDP (`tcp` false) or TCP. */
  answer(query: Buffer, tcp = false): Buffer | null {
    if (query.length < 12) return null;
    let pos = 12;
    const labels: string[] = [];
    while (pos < query.length && query[pos] !== 0) {
      const len = query[pos]!;
      if (len > 63 || pos + 1 + len > query.length) return null;
      labels.push(query.toString('latin1', pos + 1, pos + 1 + len));
      pos += 1 + len;
    }
    if (pos + 5 > query.length) return null;
    const question = query.subarray(12, pos + 5);
    const qtype = query.readUInt16BE(pos + 1);
    const name = labels.join('.').toLowerCase();
    const typeName = (Object.keys(TYPES) as RecordType[]).find((k) => TYPES[k] === qtype);
    this.queries.push(`${tcp ? 'TCP ' : ''}${typeName ?? qtype} ${name}`);
    const known = this.#records.get(name);
    const failed = this.servfail.has(name);
    const cut = this.truncate && !tcp;
    const answers = failed || cut ? [] : (known ?? []).filter((r) => r.type === typeName).map((r) => resourceRecord(r.type, r.data));
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    const flags = query.readUInt16BE(2);
    // DO is in the OPT record right after the question: root name, type 41, class, extended rcode, version, then the DO bit.
    const opt = pos + 5;
    const dnssecOk = query.length >= opt + 11 && query[opt] === 0 && query.readUInt16BE(opt + 1) === 41 && (query[opt + 7]! & 0x80) !== 0;
    const wantsAd = (flags & 0x0020) !== 0 || dnssecOk;
    const ad = wantsAd && this.#signed(name) && !failed ? 0x0020 : 0;
    // QR, AA, the client's RD, RA, AD; TC; NXDOMAIN when the name has no records at all, SERVFAIL on demand.
    const rcode = failed ? 2 : known ? 0 : 3;
    header.writeUInt16BE(0x8400 | (flags & 0x0100) | 0x0080 | ad | (cut ? 0x0200 : 0) | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    return Buffer.concat([header, question, ...answers]);
  }
}

function resourceRecord(type: RecordType, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // a pointer to the question's name
  head.writeUInt16BE(TYPES[type], 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

/** DNS over TCP (RFC 1035 section 4.2.2): each message after its two-byte length. */
function serveTcp(server: Server, dns: TestDns): void {
  server.on('connection', (socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + query.length);
        const reply = dns.silent ? null : dns.answer(query, true);
        if (!reply) continue;
        const length = Buffer.alloc(2);
        length.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([length, reply]));
      }
    });
  });
}

/** Serves a TestDns with this zone on a port the system picks (UDP and TCP), until `close` (benches use it without a test). */
export async function listenDns(zone: Zone = {}): Promise<{ dns: TestDns; close(): void }> {
  for (;;) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    const tcp = createServer();
    const error = await new Promise<Error | null>((resolve) => {
      tcp.once('error', resolve);
      tcp.listen(port, '127.0.0.1', () => resolve(null));
    });
    if (error) {
      // The TCP port of the same number is taken: another pair.
      socket.close();
      continue;
    }
    const dns = new TestDns(port, zone);
    socket.on('message', (msg: Buffer, peer: RemoteInfo) => {
      const reply = dns.answer(msg);
      if (reply && !dns.silent && isIPv4(peer.address)) socket.send(reply, peer.port, peer.address);
    });
    serveTcp(tcp, dns);
    return {
      dns,
      close: () => {
        socket.close();
        tcp.close();
      },
    };
  }
}

/** Starts a TestDns with this zone on a port the system picks; closed when the test ends. */
export async function startDns(t: TestContext, zone: Zone = {}): Promise<TestDns> {
  const { dns, close } = await listenDns(zone);
  t.after(close);
  return dns;
}

/** A DNS server that never answers: lookups hang until they time out or are cancelled; returns "127.0.0.1:port". */
export async function deafDns(t: TestContext): Promise<string> {
  const dns = await startDns(t);
  dns.silent = true;
  return dns.server;
}
