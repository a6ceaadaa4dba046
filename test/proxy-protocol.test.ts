import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientKey } from '../src/net/client-key.ts';
import { Networks, parseNetwork } from '../src/net/networks.ts';
import { MAX_V2_HEADER, parseProxyHeader, type ProxyHeader } from '../src/net/proxy-protocol.ts';
import { random } from './helpers/fuzz.ts';
import { V2_SIGNATURE as SIGNATURE, v2Header } from './helpers/proxy.ts';

const v2 = v2Header;

const ports = (source: number, destination: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(source, 0);
  b.writeUInt16BE(destination, 2);
  return b;
};
const tcp4 = (tlvs = Buffer.alloc(0)) => v2(1, 0x11, Buffer.concat([Buffer.from([203, 0, 113, 7, 10, 0, 0, 1]), ports(54321, 25), tlvs]));
const tlv = (type: number, value: Buffer) => Buffer.concat([Buffer.from([type, value.length >> 8, value.length & 0xff]), value]);

const complete = (result: ProxyHeader) => {
  assert.equal(result.status, 'complete', JSON.stringify(result));
  return result as Extract<ProxyHeader, { status: 'complete' }>;
};
const invalid = (data: Buffer) => assert.equal(parseProxyHeader(data).status, 'invalid', data.toString('hex'));

test('v2 TCP4: the client address and port, and the header length so that what follows is the protocol', () => {
  const header = tcp4();
  const result = complete(parseProxyHeader(Buffer.concat([header, Buffer.from('EHLO x\r\n')])));
  assert.deepEqual(result, { status: 'complete', length: header.length, client: { address: '203.0.113.7', port: 54321, family: 'IPv4' } });
});

test('v2 TCP6: the address in RFC 5952 form', () => {
  const address = (text: string) => Buffer.from(text.replace(/ /g, ''), 'hex');
  const cases: [string, string][] = [
    ['2001 0db8 0000 0000 0000 0000 0000 0001', '2001:db8::1'],
    ['0000 0000 0000 0000 0000 0000 0000 0001', '::1'],
    ['2001 0db8 0000 0001 0000 0000 0000 0000', '2001:db8:0:1::'],
    ['2001 0db8 0000 0001 0001 0001 0001 0001', '2001:db8:0:1:1:1:1:1'],
    ['2001 0000 0000 0001 0000 0000 0000 0001', '2001:0:0:1::1'],
    ['0000 0000 0000 0000 0000 ffff c000 0201', '::ffff:192.0.2.1'],
    ['0000 0000 0000 0000 0001 ffff c000 0201', '::1:ffff:c000:201'],
  ];
  for (const [hex, text] of cases) {
    const header = v2(1, 0x21, Buffer.concat([address(hex), address('2001 0db8 0000 0000 0000 0000 0000 0002'), ports(443, 993)]));
    assert.deepEqual(complete(parseProxyHeader(header)).client, { address: text, port: 443, family: 'IPv6' });
  }
  // An IPv4 client of a dual-stack proxy is counted as its IPv4 address, not in one /64 with every other.
  const mapped = v2(1, 0x21, Buffer.concat([address('0000 0000 0000 0000 0000 ffff cb00 7107'), Buffer.alloc(16), ports(1, 2)]));
  assert.equal(clientKey(complete(parseProxyHeader(mapped)).client!.address), '203.0.113.7');
});

test('v2 TLVs are skipped, ALPN, authority, unique id and NOOP alike', () => {
  const tlvs = Buffer.concat([tlv(0x01, Buffer.from('h2')), tlv(0x02, Buffer.from('mail.example.org')), tlv(0x05, Buffer.alloc(64, 7)), tlv(0x04, Buffer.alloc(0))]);
  const header = tcp4(tlvs);
  assert.equal(complete(parseProxyHeader(header)).length, header.length);
});

test('v2 LOCAL and UNSPEC keep the connection\'s own address; their address block is ignored', () => {
  assert.deepEqual(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0))), { status: 'complete', length: 16, client: null });
  // LOCAL with a family and addresses: still the proxy's own connection (a health check).
  assert.equal(complete(parseProxyHeader(v2(0, 0x11, Buffer.alloc(12)))).client, null);
  assert.equal(complete(parseProxyHeader(v2(1, 0x00, Buffer.alloc(5)))).client, null);
});

test('every truncation of a valid header asks for more, and never reads past what it has', () => {
  for (const header of [tcp4(tlv(0x02, Buffer.from('example.org'))), Buffer.from('PROXY TCP4 192.0.2.1 192.0.2.2 1234 25\r\n')]) {
    for (let n = 0; n < header.length; n++) assert.deepEqual(parseProxyHeader(header.subarray(0, n)), { status: 'incomplete' }, `${n} bytes`);
    assert.equal(complete(parseProxyHeader(header)).length, header.length);
  }
});

test('malformed v2 headers are refused', () => {
  invalid(v2(1, 0x11, Buffer.alloc(12), 1)); // version 1 in a v2 signature
  invalid(v2(1, 0x11, Buffer.alloc(12), 3));
  invalid(v2(2, 0x11, Buffer.alloc(12))); // no such command
  invalid(v2(1, 0x12, Buffer.alloc(12))); // UDP
  invalid(v2(1, 0x31, Buffer.alloc(216))); // AF_UNIX on a TCP listener
  invalid(v2(1, 0x41, Buffer.alloc(12))); // no such family
  invalid(v2(1, 0x11, Buffer.alloc(11))); // address block one byte short
  invalid(v2(1, 0x21, Buffer.alloc(12))); // TCP6 with room for TCP4 only
  invalid(tcp4(Buffer.from([0x02, 0x00]))); // a TLV cut inside its length
  invalid(tcp4(Buffer.from([0x02, 0x00, 0x10, 0x41]))); // a TLV claiming more than the header holds
  invalid(tcp4(Buffer.concat([tlv(0x01, Buffer.from('h2')), Buffer.from([0x05, 0xff, 0xff])])));
});

test('an oversized v2 header is refused from its first sixteen bytes, before its body is waited for', () => {
  const fixed = v2(1, 0x11, Buffer.alloc(MAX_V2_HEADER)).subarray(0, 16);
  invalid(fixed);
  const largest = Buffer.alloc(4);
  largest.writeUInt16BE(0xffff, 2);
  largest[0] = 0x21;
  largest[1] = 0x11;
  invalid(Buffer.concat([SIGNATURE, largest]));
  // The largest accepted one.
  const tlvs = tlv(0xee, Buffer.alloc(MAX_V2_HEADER - 16 - 12 - 3));
  assert.equal(complete(parseProxyHeader(tcp4(tlvs))).length, MAX_V2_HEADER);
});

test('v1 lines: TCP4, TCP6 and UNKNOWN', () => {
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP4 198.51.100.22 203.0.113.7 35646 80\r\nGET /')), {
    status: 'complete', length: 47, client: { address: '198.51.100.22', port: 35646, family: 'IPv4' },
  });
  assert.deepEqual(complete(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 65535 993\r\n'))).client, { address: '2001:db8::1', port: 65535, family: 'IPv6' });
  assert.equal(complete(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n'))).client, null);
  assert.equal(complete(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).length, 15);
});

test('malformed and hostile v1 lines are refused', () => {
  for (const line of [
    'PROXY TCP4 198.51.100.22 203.0.113.7 35646\r\n',
    'PROXY TCP4 198.51.100.22 203.0.113.7 35646 80 extra\r\n',
    'PROXY TCP4 198.51.100.22 203.0.113.7 65536 80\r\n',
    'PROXY TCP4 198.51.100.22 203.0.113.7 035646 80\r\n',
    'PROXY TCP4 198.51.100.22 203.0.113.7 -1 80\r\n',
    'PROXY TCP4 2001:db8::1 203.0.113.7 1 80\r\n',
    'PROXY TCP6 198.51.100.22 2001:db8::2 1 80\r\n',
    'PROXY TCP4 198.51.100.256 203.0.113.7 1 80\r\n',
    'PROXY UDP4 198.51.100.22 203.0.113.7 1 80\r\n',
    'PROXY  TCP4 198.51.100.22 203.0.113.7 1 80\r\n',
    'PROXY TCP4 198.51.100.22\t203.0.113.7 1 80\r\n',
  ]) invalid(Buffer.from(line));
  // No line end within 107 bytes: refused as soon as the 107th arrives, not buffered further.
  invalid(Buffer.from(`PROXY TCP4 ${'1'.repeat(200)}`));
  assert.deepEqual(parseProxyHeader(Buffer.from(`PROXY TCP4 ${'1'.repeat(90)}`)), { status: 'incomplete' });
});

test('anything else is not a PROXY header: a client that speaks first, TLS, an HTTP request', () => {
  for (const start of ['EHLO client\r\n', 'a1 LOGIN x y\r\n', 'GET / HTTP/1.1\r\n', '\x16\x03\x01\x02\x00', 'proxy TCP4', '\r\n\r\n\x01']) {
    invalid(Buffer.from(start, 'latin1'));
  }
});

test('random and mutated headers never throw and never claim more bytes than were given', () => {
  const next = random(19);
  const seeds = [tcp4(tlv(0x02, Buffer.from('example.org'))), v2(1, 0x21, Buffer.alloc(36)), Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n')];
  for (let round = 0; round < 20000; round++) {
    const bytes = [...seeds[round % seeds.length]!];
    for (let n = 1 + Math.floor(next() * 4); n > 0; n--) {
      const at = Math.floor(next() * bytes.length);
      if (next() < 0.7) bytes[at] = Math.floor(next() * 256);
      else bytes.splice(at, Math.floor(next() * 8));
    }
    const data = Buffer.from(bytes);
    const result = parseProxyHeader(data);
    if (result.status === 'complete') assert.ok(result.length <= data.length && result.length >= 15);
  }
});

test('trusted networks: prefixes, single addresses, and IPv4 peers of a dual-stack socket', () => {
  const trusted = new Networks(['10.0.0.0/8', '192.0.2.7', '2001:db8:1::/48']);
  assert.ok(trusted.has('10.200.0.1'));
  assert.ok(trusted.has('::ffff:10.0.0.1'));
  assert.ok(trusted.has('192.0.2.7'));
  assert.ok(!trusted.has('192.0.2.8'));
  assert.ok(trusted.has('2001:db8:1:ffff::1'));
  assert.ok(!trusted.has('2001:db8:2::1'));
  assert.ok(!trusted.has('11.0.0.1'));
  assert.ok(!trusted.has(undefined));
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '2001:db8::/129', 'example.org', '10.0.0.0/8/8', '']) assert.equal(parseNetwork(bad), null, bad);
});
