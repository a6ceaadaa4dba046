import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { defaultConfig, type ListenerName } from '../src/config/index.ts';
import { invocation } from '../src/cli/init/invocation.ts';
import { nextSteps } from '../src/cli/init/next-steps.ts';
import { checkSendingHost } from '../src/dns/check/sending-host.ts';
import { createResolver } from '../src/net/dns.ts';
import { startDns } from './helpers/dns.ts';
import { BIN, ROOT, runCli, tempDir } from './helpers/env.ts';

const PASSWORD = 'correct horse battery';

/** A TCP listener standing in for a remote MX: the probe's connection opens. */
async function openPort(t: TestContext): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on: the probe is refused, as where the ISP blocks port 25. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('init in a checkout: next steps with the dev ports, the CLI form and serve command that work here, and the host checks', async (t) => {
  const dir = tempDir(t);
  const dns = await startDns(t, {
    'mx.probe.example': { a: ['127.0.0.1'] },
    // Listed on a blocklist by a DNS answer, as the real lists answer.
    '10.2.0.192.zen.spamhaus.org': { a: ['127.0.0.10'] },
  });
  dns.add('10.2.0.192.in-addr.arpa', 'PTR', 'mail.example.org');
  const port = await openPort(t);
  const config = join(dir, 'etc', 'mailfold.toml');
  const data = join(dir, 'data');
  const args = ['--config', config, '--data-dir', data, 'init', '--hostname', 'mail.example.org', '--domain', 'example.org', '--user', 'alice', '--password-stdin'];
  const r = await runCli([...args, '--public-ip', '192.0.2.10', '--dns-server', dns.server, '--probe', `mx.probe.example:${port}`], { cwd: dir, input: `${PASSWORD}\n` });
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout;
  // The checkout's own bin, since init ran outside the checkout; data_dir is in the config file.
  // The Node that ran init (the checkout's pinned one), by path unless PATH finds it.
  assert.ok(out.includes(`1. Start the server:  ${process.execPath} ${BIN} --config ${config} serve\n`) || out.includes(`1. Start the server:  node ${BIN} --config ${config} serve\n`), out);
  assert.match(out, /4\. Check what is published:  \S*node \S+bin\/mailfold\.js dns check example\.org/);
  for (const [outside, here] of [[25, 2525], [465, 2465], [587, 2587], [993, 2993], [143, 2143], [995, 2995], [110, 2110], [80, 2080], [443, 2443]]) {
    assert.match(out, new RegExp(`^ {7}${outside}\\s+-> ${here}\\s`, 'm'), `port ${outside}`);
  }
  assert.match(out, /listens on 127\.0\.0\.1 only/);
  assert.match(out, /IMAP mail\.example\.org port 2993/);
  assert.match(out, /ok {7}outbound port 25: a connection to mx\.probe\.example port \d+ opened/);
  assert.match(out, /ok {7}reverse DNS: 192\.0\.2\.10 is mail\.example\.org/);
  assert.match(out, /PROBLEM {2}blocklist: 192\.0\.2\.10 is on zen\.spamhaus\.org \(127\.0\.0\.10\): a range meant for home connections/);
  assert.match(out, /ok {7}blocklist: 192\.0\.2\.10 is not on bl\.spamcop\.net/);
  assert.match(out, /A smarthost is needed to send mail: the address is in a home range \(Spamhaus PBL\)/);
  assert.match(out, /mail\.example\.org\.\s+3600 IN A\s+192\.0\.2\.10/, 'the zone has the public address');
  assert.match(readFileSync(config, 'utf8'), /\[dns\]\nipv4 = "192\.0\.2\.10"/);
  assert.ok(dns.queries.length > 0 && dns.queries.every((q) => /example|arpa|spamhaus|spamcop|barracuda/.test(q)), dns.queries.join(', '));
});

test('init where port 25 is blocked and the address has no PTR says plainly that a smarthost is needed', async (t) => {
  const dns = await startDns(t, { 'mx.probe.example': { a: ['127.0.0.1'] }, 'mail.example.org': { a: ['192.0.2.20'] } });
  const report = await checkSendingHost({ hostname: 'mail.example.org', resolve: createResolver({ servers: [dns.server] }), probe: { host: 'mx.probe.example', port: await closedPort() } });
  const by = Object.fromEntries(report.checks.map((c) => [c.what, c]));
  assert.equal(by['outbound port 25']!.status, 'problem');
  assert.match(by['outbound port 25']!.detail, /blocks outgoing port 25; test it yourself: `nc -vz mx\.probe\.example \d+`/);
  assert.equal(by['public address']!.detail, '192.0.2.20', 'taken from the host name\'s A record');
  assert.equal(by['reverse DNS']!.status, 'problem');
  assert.deepEqual(report.smarthostReasons, ['outgoing port 25 is blocked', 'the reverse DNS of the address is not the host name']);
});

test('a blocklist that refuses queries through this resolver is unknown, not listed; no address means no PTR or list checks', async (t) => {
  const dns = await startDns(t, { 'mx.probe.example': { a: ['127.0.0.1'] }, '10.2.0.192.zen.spamhaus.org': { a: ['127.255.255.254'] } });
  const resolve = createResolver({ servers: [dns.server] });
  const probe = { host: 'mx.probe.example', port: await openPort(t) };
  const listed = await checkSendingHost({ hostname: 'mail.example.org', publicAddress: '192.0.2.10', resolve, probe });
  assert.equal(listed.checks.find((c) => c.detail.includes('zen.spamhaus.org'))!.status, 'unknown');
  const none = await checkSendingHost({ hostname: 'mail.example.org', resolve, probe });
  assert.deepEqual(none.checks.map((c) => c.status), ['ok', 'unknown']);
  assert.deepEqual(none.smarthostReasons, []);
});

test('the packaged form: standard ports, `mailfold` from PATH, and the systemd service to start', () => {
  const system = defaultConfig('system');
  const standardPorts = Object.fromEntries(Object.entries(system.listeners).map(([n, l]) => [n, l.port])) as Record<ListenerName, number>;
  const dir = join(ROOT, 'bin');
  const how = invocation({ profile: 'system', cwd: '/', script: undefined, execPath: BIN, path: `/nonexistent:${dir}`, configFile: '/etc/mailfold/mailfold.toml', defaultConfigFile: '/etc/mailfold/mailfold.toml' });
  assert.deepEqual(how, { cli: 'mailfold.js', serve: 'sudo systemctl start mailfold   (or: mailfold.js serve)' });
  const elsewhere = invocation({ profile: 'system', cwd: '/', script: undefined, execPath: BIN, path: '/nonexistent', configFile: '/srv/mf.toml', defaultConfigFile: '/etc/mailfold/mailfold.toml' });
  assert.deepEqual(elsewhere, { cli: BIN, serve: `${BIN} --config /srv/mf.toml serve` });
  const text = nextSteps({ hostname: 'mail.example.org', domain: 'example.org', address: 'alice@example.org', ...how, configFile: '/etc/mailfold/mailfold.toml', dataDir: '/var/lib/mailfold', profile: 'system', listeners: system.listeners, standardPorts });
  for (const port of [25, 465, 587, 993, 143, 995, 110, 80, 443]) assert.match(text, new RegExp(`^ {7}${port}\\s{2,}\\S`, 'm'), `port ${port}`);
  assert.doesNotMatch(text, /->/, 'nothing to translate: the router forwards each port to the same one');
  assert.doesNotMatch(text, /127\.0\.0\.1 only/);
  assert.match(text, /Network checks skipped \(--no-check\)/);
  assert.match(text, /IMAP mail\.example\.org port 993 \(SSL\/TLS\),\n\s+SMTP mail\.example\.org port 465 \(SSL\/TLS\) or 587/);
});

test('init in the checkout itself: `npx mailfold` and `npm start`', () => {
  const how = invocation({ profile: 'dev', cwd: ROOT, script: BIN, execPath: process.execPath, path: '', configFile: join(ROOT, 'mailfold.toml'), defaultConfigFile: join(ROOT, 'mailfold.toml') });
  assert.deepEqual(how, { cli: 'npx mailfold', serve: 'npm start   (or: npx mailfold serve)' });
});

test('init refuses a bad --public-ip or --probe before asking or writing anything', async (t) => {
  const dir = tempDir(t);
  const base = ['--data-dir', join(dir, 'data'), '--config', join(dir, 'mf.toml'), 'init', '--hostname', 'mail.example.org', '--domain', 'example.org', '--user', 'a', '--password-stdin'];
  const badIp = await runCli([...base, '--public-ip', '192.0.2.300'], { cwd: dir, input: `${PASSWORD}\n` });
  assert.equal(badIp.code, 1);
  assert.equal(badIp.stderr, 'mailfold: --public-ip: not an IP address: "192.0.2.300"\n');
  const badProbe = await runCli([...base, '--probe', `mx.example.net:99999${'9'.repeat(5000)}`], { cwd: dir, input: `${PASSWORD}\n` });
  assert.equal(badProbe.code, 1);
  assert.match(badProbe.stderr, /^mailfold: --probe: expected HOST or HOST:PORT, got "mx\.example\.net:9+"\n$/);
  assert.deepEqual(readdirSync(dir), [], 'nothing was written');
});
