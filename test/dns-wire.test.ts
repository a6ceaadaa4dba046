import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test, type TestContext } from 'node:test';
import { decodeReply, DnsWireError, encodeQuery, RCODE, type DnsRecord } from '../src/net/dns-wire.ts';
import { createValidatingResolver, trustedPath } from '../src/net/validating-resolver.ts';
import { startDns, TestDns } from './helpers/dns.ts';
import { random } from './helpers/fuzz.ts';

const KEY = 'ab'.repeat(32);

const value = (r: DnsRecord): unknown => ('value' in r ? r.value : null);

/** A reply of the test server for a query of ours, as bytes. */
function reply(dns: TestDns, name: string, type: 'A' | 'MX' | 'TLSA' | 'AAAA', id = 0x1234): Buffer {
  return dns.answer(encodeQuery(id, name, type))!;
}

/** A header of a response with these counts, then `rest`. */
function message(rest: number[], counts: { qd?: number; an?: number } = {}, flags = 0x8180): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(7, 0);
  head.writeUInt16BE(flags, 2);
  head.writeUInt16BE(counts.qd ?? 0, 4);
  head.writeUInt16BE(counts.an ?? 0, 6);
  return Buffer.concat([head, Buffer.from(rest)]);
}

const wireError = (buf: Buffer, pattern: RegExp) => assert.throws(() => decodeReply(buf), (err: Error) => err instanceof DnsWireError && pattern.test(err.message));

test('DNS codec: a query asks for DNSSEC (AD, and DO in an OPT record) and a validated TLSA, MX and AAAA answer decodes', () => {
  const query = encodeQuery(0xbeef, 'Mx.Example.TEST.', 'TLSA');
  assert.equal(query.readUInt16BE(0), 0xbeef);
  assert.equal(query.readUInt16BE(2), 0x0120, 'RD and AD');
  assert.equal(query.readUInt16BE(10), 1, 'one additional record: OPT');
  assert.equal(query[query.length - 4]! & 0x80, 0x80, 'DO');
  assert.throws(() => encodeQuery(1, `${'a'.repeat(64)}.test`, 'A'), DnsWireError);

  const dns = new TestDns(0, { 'example.test': { mx: [[10, 'mx.example.test'], [20, '.']] }, 'mx.example.test': { a: ['192.0.2.1'] } });
  dns.add('_25._tcp.mx.example.test', 'TLSA', `3 1 1 ${KEY}`);
  dns.add('mx.example.test', 'AAAA', '2001:db8::1');
  dns.signed.add('example.test');
  const tlsa = decodeReply(reply(dns, '_25._tcp.mx.example.test', 'TLSA'));
  assert.equal(tlsa.id, 0x1234);
  assert.equal(tlsa.rcode, RCODE.NOERROR);
  assert.equal(tlsa.authenticated, true);
  assert.deepEqual(tlsa.question, { name: '_25._tcp.mx.example.test', type: 52 });
  assert.deepEqual(tlsa.answers, [{ name: '_25._tcp.mx.example.test', type: 'TLSA', ttl: 60, value: { usage: 3, selector: 1, matching: 1, data: Buffer.from(KEY, 'hex') } }]);
  const mx = decodeReply(reply(dns, 'example.test', 'MX'));
  assert.deepEqual(mx.answers.map(value), [{ priority: 10, exchange: 'mx.example.test' }, { priority: 20, exchange: '' }]);
  assert.deepEqual(decodeReply(reply(dns, 'mx.example.test', 'AAAA')).answers.map(value), ['2001:db8::1']);
  const missing = decodeReply(reply(dns, 'nothere.example.test', 'A'));
  assert.equal(missing.rcode, RCODE.NXDOMAIN);
  assert.equal(missing.authenticated, true, 'a validated denial');
  dns.signed.clear();
  assert.equal(decodeReply(reply(dns, 'example.test', 'MX')).authenticated, false);
});

test('DNS codec: hostile replies are DnsWireErrors: short, not a response, loops, forward pointers, overlong names, truncation at every byte', () => {
  wireError(Buffer.alloc(11), /shorter than a header/);
  wireError(message([], {}, 0x0100), /not a response/);
  wireError(message([], { qd: 2 }), /2 questions/);
  wireError(message([], { an: 5000 }), /5000 answers/);
  // A pointer to itself, and one that points forwards.
  wireError(message([0xc0, 12, 0, 1, 0, 1], { qd: 1 }), /does not point backwards/);
  wireError(message([0xc0, 20, 0, 1, 0, 1, 0, 0, 0, 0], { qd: 1 }), /does not point backwards/);
  // A pointer into the name it ends.
  wireError(message([1, 0x61, 0xc0, 14, 0, 1, 0, 1], { qd: 1 }), /does not point backwards/);
  wireError(message([0x80, 0, 0, 1, 0, 1], { qd: 1 }), /unknown label type/);
  wireError(message([0xc0], { qd: 1 }), /truncated compression pointer/);
  // Names over 255 octets: plain, and made long by a pointer back to a name of 193.
  const label = [63, ...Buffer.alloc(63, 0x61)];
  wireError(message([...label, ...label, ...label, ...label, 0, 0, 1, 0, 1], { qd: 1 }), /longer than 255/);
  const long = message([...label, ...label, ...label, 0, 0, 1, 0, 1, ...label, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0], { qd: 1, an: 1 });
  wireError(long, /longer than 255/);
  // An MX whose name runs past its data length.
  const dns = new TestDns(0, { 'example.test': { mx: [[10, 'mx.example.test']] } });
  const good = reply(dns, 'example.test', 'MX');
  const bent = Buffer.from(good);
  bent.writeUInt16BE(bent.readUInt16BE(bent.length - 19 - 2) - 1, bent.length - 19 - 2);
  assert.throws(() => decodeReply(bent), DnsWireError);
  // Every prefix of a good reply is refused as such, never with another exception.
  for (let n = 0; n < good.length; n++) assert.throws(() => decodeReply(good.subarray(0, n)), DnsWireError, `prefix of ${n} bytes`);
  assert.equal(decodeReply(good).answers.length, 1);
});

test('DNS codec: 20,000 mutated replies decode or fail as DnsWireError, nothing else', () => {
  const dns = new TestDns(0, { 'example.test': { mx: [[10, 'mx.example.test'], [20, 'mx2.example.test']] }, 'mx.example.test': { a: ['192.0.2.1'] } });
  dns.add('_25._tcp.mx.example.test', 'TLSA', `3 1 1 ${KEY}`);
  const valid = [reply(dns, 'example.test', 'MX'), reply(dns, '_25._tcp.mx.example.test', 'TLSA'), reply(dns, 'mx.example.test', 'A')];
  const next = random(7672);
  for (let i = 0; i < 20_000; i++) {
    const bytes = [...valid[i % valid.length]!];
    for (let n = 1 + Math.floor(next() * 4); n > 0; n--) {
      const at = Math.floor(next() * bytes.length);
      const what = next();
      if (what < 0.5) bytes[at] = Math.floor(next() * 256);
      else if (what < 0.7) bytes.splice(at, 1);
      else if (what < 0.85) bytes.splice(at, 0, 0xc0, Math.floor(next() * bytes.length));
      else bytes.length = at;
    }
    try {
      decodeReply(Buffer.from(bytes));
    } catch (err) {
      assert.ok(err instanceof DnsWireError, `case ${i}: ${(err as Error).stack}`);
    }
  }
});

/** A UDP "resolver" that hands each query to `respond`, which sends what it likes. */
async function rawServer(t: TestContext, respond: (query: Buffer, send: (reply: Buffer) => void, spoof: (reply: Buffer) => void) => void): Promise<string> {
  const socket = createSocket('udp4');
  const other = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve));
  socket.on('message', (query, from) => respond(query, (r) => socket.send(r, from.port, from.address), (r) => other.send(r, from.port, from.address)));
  t.after(() => {
    socket.close();
    other.close();
  });
  return `127.0.0.1:${socket.address().port}`;
}

test('validating resolver: keeps the AD bit, asks again over TCP when truncated, reports SERVFAIL', async (t) => {
  const dns = await startDns(t, { 'example.test': { mx: [[10, 'mx.example.test']] }, 'mx.example.test': { a: ['192.0.2.1'] } });
  dns.add('_25._tcp.mx.example.test', 'TLSA', `3 1 1 ${KEY}`);
  dns.signed.add('example.test');
  const resolver = createValidatingResolver({ server: dns.server, timeoutMs: 5000 });
  const tlsa = await resolver.query('_25._tcp.mx.example.test', 'TLSA');
  assert.equal(tlsa.secure, true);
  assert.deepEqual(tlsa.records.map((r) => r.type), ['TLSA']);
  dns.truncate = true;
  const again = await resolver.query('_25._tcp.mx.example.test', 'TLSA');
  assert.deepEqual(again, tlsa);
  assert.deepEqual(dns.queries.slice(-2), ['TLSA _25._tcp.mx.example.test', 'TCP TLSA _25._tcp.mx.example.test']);
  dns.truncate = false;
  dns.servfail.add('example.test');
  const failed = await resolver.query('example.test', 'MX');
  assert.equal(failed.rcode, RCODE.SERVFAIL);
  assert.equal(failed.secure, false);
  assert.equal(trustedPath(dns.server), true);
  assert.equal(trustedPath('[::1]:53'), true);
  assert.equal(trustedPath('192.0.2.53'), false);
  assert.equal(trustedPath('10.0.0.1:53'), false);
});

test('validating resolver: replies with the wrong id, the wrong question, from another port or of garbage are dropped', async (t) => {
  const dns = new TestDns(0, { 'mx.example.test': { a: ['192.0.2.1'] }, 'evil.test': { a: ['203.0.113.66'] } });
  dns.signed.add('mx.example.test');
  dns.signed.add('evil.test');
  const server = await rawServer(t, (query, send, spoof) => {
    const right = dns.answer(query)!;
    // A forged answer with the right id, from another port: an off-path attacker's guess.
    const forged = Buffer.from(dns.answer(encodeQuery(query.readUInt16BE(0), 'mx.example.test', 'A'))!);
    forged.set([203, 0, 113, 66], forged.length - 4);
    spoof(forged);
    const wrongId = Buffer.from(forged);
    wrongId.writeUInt16BE((query.readUInt16BE(0) + 1) & 0xffff, 0);
    send(wrongId);
    send(dns.answer(encodeQuery(query.readUInt16BE(0), 'evil.test', 'A'))!);
    send(Buffer.from('garbage that is no DNS message at all'));
    send(right);
  });
  const resolver = createValidatingResolver({ server, timeoutMs: 5000 });
  const answer = await resolver.query('mx.example.test', 'A');
  assert.deepEqual(answer.records.map(value), ['192.0.2.1']);
  assert.equal(answer.secure, true);
});

test('validating resolver: a server that sends only garbage times out; cancel ends a lookup in flight', async (t) => {
  const server = await rawServer(t, (_query, send) => send(Buffer.from([1, 2, 3])));
  const resolver = createValidatingResolver({ server, timeoutMs: 200, tries: 2 });
  await assert.rejects(resolver.query('mx.example.test', 'A'), { code: 'ETIMEOUT' });
  const deaf = await rawServer(t, () => {});
  const waiting = createValidatingResolver({ server: deaf, timeoutMs: 60_000 });
  const lookup = waiting.query('mx.example.test', 'TLSA');
  waiting.cancel();
  await assert.rejects(lookup, { code: 'ECANCELLED' });
});
