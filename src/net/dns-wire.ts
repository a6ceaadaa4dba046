import { isIPv6 } from 'node:net';

/**
 * DNS messages on the wire (RFC 1035 section 4), only as far as the DANE lookups
 * need: a query with EDNS0's DO bit and the AD bit set (RFC 6840 section 5.7 lets a
 * client ask for AD this way), and a reply's header flags and answer records. Node's
 * own resolver hides the AD bit, which is why this exists. Pure functions: a hostile
 * or broken reply is a `DnsWireError`, never an exception of another kind.
 */

export const RRTYPE = { A: 1, CNAME: 5, MX: 15, AAAA: 28, OPT: 41, TLSA: 52 } as const;
export type RrType = keyof typeof RRTYPE;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** A TLSA record's fields (RFC 6698 section 2.1). */
export interface TlsaData {
  usage: number;
  selector: number;
  matching: number;
  data: Buffer;
}

/** One TLSA record as it is written in a zone: "3 1 1 a1b2...". */
export const presentTlsa = (r: TlsaData): string => `${r.usage} ${r.selector} ${r.matching} ${r.data.toString('hex')}`;

export type DnsRecord =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME'; ttl: number; value: string }
  | { name: string; type: 'MX'; ttl: number; value: { priority: number; exchange: string } }
  | { name: string; type: 'TLSA'; ttl: number; value: TlsaData }
  | { name: string; type: 'other'; rrtype: number; ttl: number };

export interface DnsReply {
  id: number;
  rcode: number;
  /** TC: the answer did not fit; ask again over TCP. */
  truncated: boolean;
  /** AD: the resolver validated the answer with DNSSEC (RFC 4035 section 3.2.3). */
  authenticated: boolean;
  question: { name: string; type: number } | null;
  answers: DnsRecord[];
}

export class DnsWireError extends Error {}

/** What a UDP reply may be; the EDNS0 size we announce (the DNS flag day 2020 value, no fragments). */
export const UDP_SIZE = 1232;
/** A name is at most 255 octets on the wire (RFC 1035 section 2.3.4). */
const MAX_NAME = 255;
/** More answers than this is not an answer to one of our questions. */
const MAX_RECORDS = 256;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new DnsWireError(`label too long in ${name}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > MAX_NAME) throw new DnsWireError(`name too long: ${name}`);
  return out;
}

/** A recursive query for one name and type, with RD, AD and an OPT record with DO. */
export function encodeQuery(id: number, name: string, type: RrType): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100 | 0x0020, 2); // RD, AD
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(1, 10); // ARCOUNT: the OPT record
  const question = Buffer.alloc(4);
  question.writeUInt16BE(RRTYPE[type], 0);
  question.writeUInt16BE(1, 2); // IN
  const opt = Buffer.alloc(11);
  opt.writeUInt8(0, 0); // the root name
  opt.writeUInt16BE(RRTYPE.OPT, 1);
  opt.writeUInt16BE(UDP_SIZE, 3);
  opt.writeUInt32BE(0x00008000, 5); // extended rcode 0, version 0, DO (RFC 3225)
  opt.writeUInt16BE(0, 9);
  return Buffer.concat([header, encodeName(name), question, opt]);
}

/** Reads a (possibly compressed) name at `start`; returns it and where the name ended in place. */
function readName(buf: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = start;
  let end = -1;
  let length = 1;
  // A pointer must go strictly backwards, to before the name it is part of: no loops, however crafted.
  let limit = start;
  for (;;) {
    if (pos >= buf.length) throw new DnsWireError('name runs past the end of the message');
    const len = buf[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsWireError('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= limit) throw new DnsWireError('compression pointer does not point backwards');
      if (end < 0) end = pos + 2;
      limit = target;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsWireError('unknown label type');
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if (pos + 1 + len > buf.length) throw new DnsWireError('label runs past the end of the message');
    length += len + 1;
    if (length > MAX_NAME) throw new DnsWireError('name longer than 255 octets');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end };
}

function ipv6(bytes: Buffer): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(bytes.readUInt16BE(i).toString(16));
  // Node's parser gives the canonical form ("::" for the longest zero run).
  const text = words.join(':');
  return isIPv6(text) ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text;
}

function record(buf: Buffer, name: string, rrtype: number, ttl: number, start: number, length: number): DnsRecord {
  const data = buf.subarray(start, start + length);
  const exact = (n: number) => {
    if (length !== n) throw new DnsWireError(`record of type ${rrtype} has ${length} bytes, not ${n}`);
  };
  switch (rrtype) {
    case RRTYPE.A:
      exact(4);
      return { name, type: 'A', ttl, value: [...data].join('.') };
    case RRTYPE.AAAA:
      exact(16);
      return { name, type: 'AAAA', ttl, value: ipv6(data) };
    case RRTYPE.CNAME: {
      const target = readName(buf, start);
      if (target.end !== start + length) throw new DnsWireError('CNAME data does not end with its name');
      return { name, type: 'CNAME', ttl, value: target.name };
    }
    case RRTYPE.MX: {
      if (length < 3) throw new DnsWireError('MX record too short');
      const exchange = readName(buf, start + 2);
      if (exchange.end !== start + length) throw new DnsWireError('MX data does not end with its name');
      return { name, type: 'MX', ttl, value: { priority: data.readUInt16BE(0), exchange: exchange.name } };
    }
    case RRTYPE.TLSA:
      if (length < 3) throw new DnsWireError('TLSA record too short');
      return { name, type: 'TLSA', ttl, value: { usage: data[0]!, selector: data[1]!, matching: data[2]!, data: Buffer.from(data.subarray(3)) } };
    default:
      return { name, type: 'other', rrtype, ttl };
  }
}

/** A reply's header, question and answer section; the authority and additional sections are not needed. */
export function decodeReply(buf: Buffer): DnsReply {
  if (buf.length < 12) throw new DnsWireError('message shorter than a header');
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new DnsWireError('not a response');
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  if (qdcount > 1) throw new DnsWireError(`${qdcount} questions`);
  if (ancount > MAX_RECORDS) throw new DnsWireError(`${ancount} answers`);
  let pos = 12;
  let question: DnsReply['question'] = null;
  if (qdcount === 1) {
    const q = readName(buf, pos);
    if (q.end + 4 > buf.length) throw new DnsWireError('question runs past the end of the message');
    question = { name: q.name, type: buf.readUInt16BE(q.end) };
    pos = q.end + 4;
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < ancount; i++) {
    const owner = readName(buf, pos);
    pos = owner.end;
    if (pos + 10 > buf.length) throw new DnsWireError('record header runs past the end of the message');
    const rrtype = buf.readUInt16BE(pos);
    const ttl = buf.readUInt32BE(pos + 4);
    const length = buf.readUInt16BE(pos + 8);
    pos += 10;
    if (pos + length > buf.length) throw new DnsWireError('record data runs past the end of the message');
    answers.push(record(buf, owner.name, rrtype, ttl, pos, length));
    pos += length;
  }
  return {
    id: buf.readUInt16BE(0),
    rcode: flags & 0x000f,
    truncated: (flags & 0x0200) !== 0,
    authenticated: (flags & 0x0020) !== 0,
    question,
    answers,
  };
}
