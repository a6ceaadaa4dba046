import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/index.ts';
import { budgeted, createResolver } from '../src/net/dns.ts';
import { startDns } from './helpers/dns.ts';
import { tempDir } from './helpers/env.ts';

test('the resolver asks the configured server, caches answers and "no such name", and not failures', async (t) => {
  const zone = await startDns(t);
  zone.txt('example.test', 'v=spf1 -all');
  zone.txt('long.example.test', 'x'.repeat(400));
  zone.add('example.test', 'A', '192.0.2.7');
  let now = 0;
  const resolve = createResolver({ servers: [zone.server], cacheMs: 1000 }, () => now);
  assert.deepEqual(await resolve('example.test', 'TXT'), [['v=spf1 -all']]);
  assert.deepEqual(await resolve('EXAMPLE.test', 'TXT'), [['v=spf1 -all']]);
  assert.deepEqual(await resolve('example.test', 'A'), ['192.0.2.7']);
  assert.deepEqual(await resolve('long.example.test', 'TXT'), [['x'.repeat(255), 'x'.repeat(145)]]);
  await assert.rejects(resolve('missing.test', 'TXT'), { code: 'ENOTFOUND' });
  await assert.rejects(resolve('missing.test', 'TXT'), { code: 'ENOTFOUND' });
  await assert.rejects(resolve('example.test', 'AAAA'), { code: 'ENODATA' });
  assert.deepEqual(zone.queries, ['TXT example.test', 'A example.test', 'TXT long.example.test', 'TXT missing.test', 'AAAA example.test']);
  now += 1001;
  await resolve('example.test', 'TXT');
  assert.equal(zone.queries.filter((q) => q === 'TXT example.test').length, 2, 'asked again once the entry expired');
});

test('a server that does not answer is a timeout, asked again next time; the cache stays bounded', async (t) => {
  const zone = await startDns(t);
  zone.txt('a.test', 'one');
  const resolve = createResolver({ servers: [zone.server], timeoutMs: 50, tries: 1 });
  zone.silent = true;
  await assert.rejects(resolve('a.test', 'TXT'), { code: 'ETIMEOUT' });
  zone.silent = false;
  assert.deepEqual(await resolve('a.test', 'TXT'), [['one']]);
  const small = createResolver({ servers: [zone.server], cacheEntries: 2 });
  for (const name of ['a.test', 'b.test', 'c.test']) await small(name, 'TXT').catch(() => {});
  await small('a.test', 'TXT');
  assert.equal(zone.queries.filter((q) => q === 'TXT a.test').length, 4, 'twice from the first resolver, then the oldest entry of the small cache was dropped');
});

test('a lookup budget turns the lookups past it into timeouts', async () => {
  let asked = 0;
  const resolve = budgeted(async () => [`answer ${++asked}`], 2);
  assert.deepEqual(await resolve('a', 'TXT'), ['answer 1']);
  assert.deepEqual(await resolve('b', 'TXT'), ['answer 2']);
  await assert.rejects(resolve('c', 'TXT'), { code: 'ETIMEOUT' });
  assert.equal(asked, 2);
});

test('[dns] servers, [dmarc] and [submission_limits] in the config file, with bad values', (t) => {
  const dir = tempDir(t);
  const load = (text: string) => {
    const file = join(dir, 'mailfold.toml');
    writeFileSync(file, text);
    return loadConfig({ profile: 'dev', file, env: {}, cwd: dir });
  };
  const defaults = load('');
  assert.deepEqual([defaults.dns, defaults.dmarc, defaults.submission_limits], [
    { servers: [] }, { reject: true, quarantine: true }, { messages_per_hour: 100, recipients_per_hour: 500 },
  ]);
  const set = load('[dns]\nservers = ["127.0.0.1:5353", "192.0.2.53", "[::1]:53", "::1"]\n[dmarc]\nreject = false\n[submission_limits]\nmessages_per_hour = 0\n');
  assert.deepEqual(set.dns.servers, ['127.0.0.1:5353', '192.0.2.53', '[::1]:53', '::1']);
  assert.equal(set.dmarc.reject, false);
  assert.equal(set.submission_limits.messages_per_hour, 0);
  const problems = (text: string) => {
    try {
      load(text);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
    return [];
  };
  for (const bad of ['"ns.example.org"', '"127.0.0.1:0"', '"127.0.0.1:70000"', '"1.2.3"', '"::1:53x"', '""']) {
    assert.deepEqual(problems(`[dns]\nservers = [${bad}]\n`), [
      `dns.servers.0: expected an IP address with an optional port, like "127.0.0.1", "127.0.0.1:5353" or "[::1]:5353", got ${bad}`,
    ]);
  }
  assert.deepEqual(problems('[dns]\nservers = "127.0.0.1"\n'), ['dns.servers: expected a list of up to 8 strings like "127.0.0.1" or "127.0.0.1:5353", got "127.0.0.1"']);
  assert.equal(problems(`[dns]\nservers = [${'"::1", '.repeat(9)}]\n`).length, 1);
  assert.deepEqual(problems('[dmarc]\nreject = "yes"\n'), ['dmarc.reject: expected true or false, got "yes"']);
  assert.deepEqual(problems('[submission_limits]\nmessages_per_hour = -1\n'), ['submission_limits.messages_per_hour: expected an integer from 0 to 1000000, got -1']);
  assert.deepEqual(problems('[submission_limits]\nmessage_per_hour = 5\n'), ['submission_limits: unknown key "message_per_hour" (did you mean "messages_per_hour"?)']);
});
