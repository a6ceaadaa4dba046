import { createSocket, type Socket } from 'node:dgram';
import type { TestContext } from 'node:test';

/** What the test DNS server knows: per name, its MX records ([preference, host]; "." is a null MX), addresses and TXT strings. */
export type Zone = Record<string, { mx?: [number, string][]; a?: string[]; txt?: string[] }>;

const TYPE = { A: 1, TXT: 16, MX: 15, AAAA: 28 } as const;

/** A name in DNS wire format: length-prefixed labels and the root's zero. */
function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

/** The question's name and where the question ends; null for anything malformed. */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | null {
  let offset = 12;
  const labels: string[] = [];
  while (offset < query.length) {
    const length = query[offset]!;
    if (length === 0) break;
    if (length > 63) return null;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  if (offset + 5 > query.length) return null;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(offset + 1), end: offset + 5 };
}

function answer(query: Buffer, zone: Zone): Buffer | null {
  if (query.length < 12) return null;
  const question = readQuestion(query);
  if (!question) return null;
  const record = zone[question.name];
  const rdatas: Buffer[] = [];
  if (record && question.type === TYPE.MX) {
    for (const [preference, host] of record.mx ?? []) {
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(preference);
      rdatas.push(Buffer.concat([pref, host === '.' ? Buffer.from([0]) : encodeName(host)]));
    }
  }
  if (record && question.type === TYPE.TXT) {
    for (const text of record.txt ?? []) rdatas.push(Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'latin1')]));
  }
  if (record && question.type === TYPE.A) {
    for (const ip of record.a ?? []) rdatas.push(Buffer.from(ip.split('.').map(Number)));
  }
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  // QR, the client's RD, RA; NXDOMAIN for a name the zone does not have.
  header.writeUInt16BE(0x8180 | (query.readUInt16BE(2) & 0x0100) | (record ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((rdata) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // a pointer to the question's name
    fixed.writeUInt16BE(question.type, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(60, 6);
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

async function bind(t: TestContext, onMessage: (socket: Socket, msg: Buffer, port: number, address: string) => void): Promise<string> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => onMessage(socket, msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => socket.close());
  return `127.0.0.1:${socket.address().port}`;
}

/** A tiny authoritative DNS server for the test's domains (MX and A only); returns "127.0.0.1:port" for [dns] servers. */
export function startDns(t: TestContext, zone: Zone): Promise<string> {
  return bind(t, (socket, msg, port, address) => {
    const reply = answer(msg, zone);
    if (reply) socket.send(reply, port, address);
  });
}

/** A DNS server that never answers: lookups hang until they time out or are cancelled. */
export function deafDns(t: TestContext): Promise<string> {
  return bind(t, () => {});
}
