import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../src/spam/classifier.ts';
import { Greylist } from '../src/spam/greylist.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { createResolver } from '../src/net/dns.ts';
import { tempDir } from './helpers/env.ts';
import { networkSignals, reversedAddress, type NetworkSettings } from '../src/spam/network.ts';
import { startDns } from './helpers/dns.ts';
import { messageMark, messageTokens } from '../src/spam/tokens.ts';
import { MAX_TOKEN_LENGTH, MAX_TOKENS_PER_LESSON } from '../src/store/rules/spam.ts';
import { testStore } from './helpers/store.ts';

test('tokens come from decoded headers, text and HTML bodies, link hosts and attachment types', () => {
  const raw = Buffer.from(
    'Received: from relay.spam.example (relay.spam.example [192.0.2.77])\r\n' +
      'From: =?utf-8?q?Gr=C3=BC=C3=9Fe_Team?= <team@offers.example>\r\nSubject: =?utf-8?b?R3LDvMOfZSB1bmQgUHJlaXNl?=\r\nX-Mailer: MassMailer 3\r\n' +
      'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
      '--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Cheap <b>watches</b> at <a href="https://shop.watches.example/x">our shop</a></p>\r\n' +
      '--b\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n',
  );
  const tokens = new Set(messageTokens(raw));
  for (const expected of ['s:grüße', 's:preise', 'fn:grüße', 'fd:offers.example', 'rh:relay.spam.example', 'rip:192.0.2', 'xm:massmailer', 'ct:multipart/mixed', 'cheap', 'watches', 'url:shop.watches.example', 'ud:watches.example', 'att:application/zip', 'html']) {
    assert.ok(tokens.has(expected), `${expected} in ${[...tokens].join(' ')}`);
  }
  // Markup is not text.
  assert.ok(!tokens.has('href'));
});

test('hostile messages tokenize within bounds and never throw: binary, a huge header, deep nesting, endless words', () => {
  const binary = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256));
  const hugeHeader = Buffer.from(`Subject: ${'word '.repeat(200_000)}\r\n\r\nbody\r\n`);
  const deep = Buffer.from('Content-Type: multipart/mixed; boundary=a\r\n\r\n' + Array.from({ length: 500 }, (_, i) => `--${i === 0 ? 'a' : i}\r\nContent-Type: multipart/mixed; boundary=${i + 1}\r\n\r\n`).join(''));
  const words = Buffer.from(`Subject: x\r\n\r\n${Array.from({ length: 50_000 }, (_, i) => `w${i}x`).join(' ')}\r\n`);
  const longWord = Buffer.from(`Subject: ${'a'.repeat(10_000)}\r\n\r\n${'b'.repeat(100_000)}\r\n`);
  for (const raw of [binary, hugeHeader, deep, words, longWord, Buffer.alloc(0)]) {
    const tokens = messageTokens(raw);
    assert.ok(tokens.length <= MAX_TOKENS_PER_LESSON);
    assert.ok(tokens.every((t) => t.length > 0 && t.length <= MAX_TOKEN_LENGTH));
    assert.match(messageMark(raw), /^[0-9a-f]{32}$/);
  }
});

test('Robinson-Fisher: no clue is 0.5; spam clues near 1, ham clues near 0', () => {
  assert.equal(classify(['x'], [{ spam: 0, ham: 0 }], { spam: 10, ham: 10 }).probability, 0.5);
  const spammy = classify(['a', 'b', 'c'], [{ spam: 9, ham: 0 }, { spam: 8, ham: 1 }, { spam: 10, ham: 0 }], { spam: 10, ham: 10 });
  const hammy = classify(['a', 'b'], [{ spam: 0, ham: 9 }, { spam: 1, ham: 10 }], { spam: 10, ham: 10 });
  assert.ok(spammy.probability > 0.95 && hammy.probability < 0.05, `${spammy.probability} ${hammy.probability}`);
  // A token seen once says less than one seen often.
  const once = classify(['a'], [{ spam: 1, ham: 0 }], { spam: 10, ham: 10 }).clues[0]!.probability;
  const often = classify(['a'], [{ spam: 9, ham: 0 }], { spam: 10, ham: 10 }).clues[0]!.probability;
  assert.ok(once < often);
});

test('DNSBL names of IPv4, mapped and IPv6 addresses (RFC 5782)', () => {
  assert.equal(reversedAddress('192.0.2.99'), '99.2.0.192');
  assert.equal(reversedAddress('::ffff:192.0.2.99'), '99.2.0.192');
  assert.equal(reversedAddress('2001:db8:1:2:3:4:567:89ab'), 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2');
  assert.equal(reversedAddress('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
  assert.equal(reversedAddress('not an ip'), null);
});

test('network signals from the test DNS server: PTR missing or not pointing back, HELO sanity, the MX authentication results', async (t) => {
  const dns = await startDns(t, { 'mail.good.example': { a: ['192.0.2.10'] }, 'other.example': { a: ['198.51.100.9'] } });
  dns.add('10.2.0.192.in-addr.arpa', 'PTR', 'mail.good.example');
  dns.add('12.2.0.192.in-addr.arpa', 'PTR', 'other.example');
  const resolver = createResolver({ servers: [dns.server] });
  const settings: NetworkSettings = { dnsbl: [], dnsblWeight: 3, dnswl: [], dnswlWeight: -3, hostname: 'mx.example.org' };
  const names = async (ctx: Parameters<typeof networkSignals>[0]) => (await networkSignals(ctx, settings, resolver)).map((s) => `${s.name}=${s.weight}`);
  assert.deepEqual(await names({ ip: '192.0.2.10', helo: 'mail.good.example', from: '' }), []);
  assert.deepEqual(await names({ ip: '192.0.2.11', helo: 'mail.good.example', from: '' }), ['NO_PTR=1']);
  assert.deepEqual(await names({ ip: '192.0.2.12', helo: 'other.example', from: '' }), ['PTR_MISMATCH=0.5']);
  assert.deepEqual(await names({ ip: '192.0.2.10', helo: 'MX.example.org', from: '' }), ['HELO_FORGED=2']);
  assert.deepEqual(await names({ ip: '192.0.2.10', helo: 'localhost', from: '' }), ['HELO_NOT_FQDN=1']);
  assert.deepEqual(await names({ ip: '192.0.2.10', helo: '[192.0.2.10]', from: '' }), ['HELO_IP=0.5']);
  assert.deepEqual(await names({ ip: '192.0.2.10', helo: 'mail.good.example', from: 'a@b.example', auth: { spf: 'fail', dkim: ['pass', 'fail'], dmarc: 'pass', arc: 'none' } }), ['SPF_FAIL=1.5', 'DMARC_PASS=-0.5', 'DKIM_FAIL=1']);
  // A loopback client (a local program) is not asked about.
  const asked = dns.queries.length;
  assert.deepEqual(await names({ ip: '127.0.0.1', helo: 'client.example.net', from: '' }), []);
  assert.equal(dns.queries.length, asked);
});

test('greylisting with a clock: 451 until the delay passed, then accepted while in use; idle for 35 days or another /24 starts over', async (t) => {
  const { store } = await testStore(t);
  let now = 1_000_000;
  const greylist = new Greylist(store, { enabled: true, delaySeconds: 300 }, () => now);
  assert.equal(await greylist.admit('192.0.2.10', 'a@example.net', 'alice@example.org'), false);
  now += 299_000;
  assert.equal(await greylist.admit('192.0.2.10', 'a@example.net', 'alice@example.org'), false);
  now += 1_000;
  // The same network, another address: the retry of a sender's pool.
  assert.equal(await greylist.admit('192.0.2.11', 'a@example.net', 'alice@example.org'), true);
  now += 30 * 86400_000;
  assert.equal(await greylist.admit('192.0.2.10', 'A@Example.net', 'alice@example.org'), true);
  assert.equal(await greylist.admit('198.51.100.1', 'a@example.net', 'alice@example.org'), false);
  // Used within 35 days the triplet stays; idle for longer it is forgotten and greylisted again.
  now += 34 * 86400_000;
  assert.equal(await greylist.admit('192.0.2.10', 'a@example.net', 'alice@example.org'), true);
  now += 36 * 86400_000;
  assert.equal(await greylist.admit('192.0.2.10', 'a@example.net', 'alice@example.org'), false);
});

test('[spam] config: defaults, decimals and durations read, bad values named', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mailfold.toml');
  const load = (toml: string) => {
    writeFileSync(file, toml);
    return loadConfig({ profile: 'dev', env: {}, cwd: dir, file }).spam;
  };
  assert.deepEqual(load(''), { enabled: true, junk_score: 5, bayes_weight: 10, min_learned: 10, dnsbl: [], dnsbl_weight: 3, dnswl: [], dnswl_weight: -3, greylist: false, greylist_delay: 300 });
  const set = load('[spam]\njunk_score = 4.5\nreject_score = 12\ndnsbl = ["bl.example.org"]\ngreylist = true\ngreylist_delay = "1m"\n');
  assert.deepEqual([set.junk_score, set.reject_score, set.dnsbl, set.greylist, set.greylist_delay], [4.5, 12, ['bl.example.org'], true, 60]);
  assert.throws(() => load('[spam]\njunk_score = "high"\n'), /spam\.junk_score/);
  assert.throws(() => load('[spam]\ndnsbl = ["not a zone!"]\n'), /spam\.dnsbl/);
  assert.throws(() => load('[spam]\njunk_scor = 3\n'), /did you mean "junk_score"/);
});
