import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig, showConfig } from '../src/config/index.ts';
import { isPrivateAddress, sandboxConflicts } from '../src/config/sandbox.ts';
import { checkHtml } from '../src/sandbox/html-check.ts';
import { sandboxedConfig } from '../src/sandbox/mode.ts';
import { matches, MAX_QUERY_LENGTH, parseQuery, QueryError } from '../src/sandbox/query.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { serveOnFreePorts } from './helpers/serve.ts';

const message = { from: 'alice@shop.example', to: ['bob@example.org', 'Carol Smith <carol@example.net>'], subject: 'Your order has shipped', text: async () => 'Track it at the link below.' };

test('sandbox query: fields, quotes, bare words; every term must match', async () => {
  assert.deepEqual(parseQuery('from:Alice to:"carol smith" shipped'), [
    { field: 'from', value: 'alice' },
    { field: 'to', value: 'carol smith' },
    { field: 'any', value: 'shipped' },
  ]);
  assert.deepEqual(parseQuery('http://x.example'), [{ field: 'any', value: 'http://x.example' }], 'an unknown prefix is part of the word');
  assert.deepEqual(parseQuery('   '), []);
  assert.equal(await matches(parseQuery('from:alice subject:order'), message), true);
  assert.equal(await matches(parseQuery('to:carol text:"link below"'), message), true);
  assert.equal(await matches(parseQuery('from:alice subject:invoice'), message), false);
  assert.equal(await matches(parseQuery('track'), message), true, 'a bare word reaches the text');
  assert.equal(await matches([], message), true);
});

test('sandbox query: too long or too many terms is refused', () => {
  assert.throws(() => parseQuery('a'.repeat(MAX_QUERY_LENGTH + 1)), QueryError);
  assert.throws(() => parseQuery('a '.repeat(40)), QueryError);
  assert.deepEqual(parseQuery('"'.repeat(MAX_QUERY_LENGTH)), [], 'empty phrases are no terms');
});

test('HTML check: insecure and broken links, images without alt or size, remote images, script and forms', () => {
  const report = checkHtml(`<a href="http://x.example/a">1</a><a href='#'>2</a><a href="javascript:go()">3</a><a href="https://ok.example/">4</a>
<a href="/relative">5</a><a href="mailto:a@b.example">6</a><img src="cid:logo" alt="Logo" width="10" height="10"><IMG SRC="https://t.example/p.gif">
<div style="background: url('http://t.example/bg.png')"></div><script>x()</script><form action="https://x.example"></form>`);
  assert.equal(report.links, 6);
  assert.equal(report.images, 2);
  assert.equal(report.remoteImages, 2);
  assert.deepEqual(report.problems.map((p) => p.kind), ['insecure-link', 'broken-link', 'broken-link', 'broken-link', 'remote-image', 'missing-alt', 'image-size', 'script', 'form', 'remote-image']);
  assert.deepEqual(checkHtml('<p>Nothing to see</p>'), { links: 0, images: 0, remoteImages: 0, problems: [] });
});

test('HTML check: hostile input stays bounded', () => {
  const report = checkHtml('<a href="http://x.example">x</a>'.repeat(10_000) + '<a'.repeat(100_000));
  assert.equal(report.problems.length, 100);
  assert.equal(report.links, 10_000);
  assert.deepEqual(checkHtml('<<<>>><img src=>'), { links: 0, images: 1, remoteImages: 0, problems: [{ kind: 'missing-alt', detail: 'an image without alt text: ' }, { kind: 'image-size', detail: 'an image without width and height: ' }] });
});

test('sandbox config: private listeners only, no smarthost, no other capture address', () => {
  for (const a of ['127.0.0.1', '::1', '10.1.2.3', '172.16.0.1', '192.168.1.1', 'fd00::2', '::ffff:10.0.0.1']) assert.equal(isPrivateAddress(a), true, a);
  for (const a of ['0.0.0.0', '::', '192.0.2.2', '172.32.0.1', '2001:db8::1', '8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
  const config = defaultConfig('dev');
  assert.deepEqual(sandboxConflicts(config), [], 'off: nothing to say');
  config.sandbox.enabled = true;
  assert.deepEqual(sandboxConflicts(config), []);
  config.listeners.smtp.address = '0.0.0.0';
  config.smtp.smarthost = { host: 'relay.example', port: 587, tls: 'starttls', verify_certificate: true };
  config.queue.capture = 'someone@example.org';
  assert.deepEqual(sandboxConflicts(config), [
    'listeners.smtp.address: sandbox mode accepts any login, so it listens on loopback or private addresses only, not "0.0.0.0"',
    'smtp.smarthost: sandbox mode sends nothing out; remove the smarthost or turn the sandbox off',
    'queue.capture: sandbox mode captures into sandbox.account (sandbox@sandbox.test); remove queue.capture',
  ]);
  assert.throws(() => sandboxedConfig(config), /sandbox mode accepts any login/, 'a server is not started this way either');
  const ok = defaultConfig('dev');
  ok.sandbox.enabled = true;
  assert.equal(sandboxedConfig(ok).queue.capture, 'sandbox@sandbox.test', 'the queue captures into the sandbox account');
  ok.sandbox.api_token = 'a-secret-token-of-the-sandbox';
  assert.match(showConfig(ok), /\[sandbox\]\nenabled = true\naccount = "sandbox@sandbox.test"\npassword = "sandbox"\napi_token = "\*{8}"/, 'config show masks the token');
});

test('mailfold serve --sandbox refuses a public listener with one line and exit 1', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mailfold.toml');
  writeFileSync(file, `data_dir = "data"\n[listeners.submission]\naddress = "0.0.0.0"\n`);
  const result = await runCli(['serve', '--sandbox', '--config', file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /listeners\.submission\.address: sandbox mode accepts any login/);
});

test('serve in sandbox mode says so loudly at start, with the API token it made', async (t) => {
  const served = await serveOnFreePorts(t, tempDir(t), { extra: '[sandbox]\nenabled = true\n' });
  const line = served.output().split('\n').find((l) => l.includes('SANDBOX MODE'));
  assert.ok(line, served.output());
  assert.match(line, /"level":40/, 'a warning');
  assert.match(line, /"apiToken":"[A-Za-z0-9_-]{32}"/);
  assert.match(line, /"account":"sandbox@sandbox\.test"/);
});
