import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, defaultConfig, loadConfig, parseSize, showConfig, type Config, type LoadOptions } from '../src/config/index.ts';

const root = mkdtempSync(join(tmpdir(), 'mailfold-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
const tempDir = () => mkdtempSync(join(root, 'case-'));

/** Writes `text` to a fresh mailfold.toml and returns its path. */
function configFile(text: string | Uint8Array, dir = tempDir()): string {
  const file = join(dir, 'mailfold.toml');
  writeFileSync(file, text);
  return file;
}

const load = (opts: Partial<LoadOptions> = {}): Config => loadConfig({ profile: 'dev', env: {}, cwd: tempDir(), ...opts });

function problems(text: string | Uint8Array, opts: Partial<LoadOptions> = {}): string[] {
  const file = configFile(text);
  try {
    load({ file, ...opts });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, err.problems.join('\n'));
    return err.problems.map((line) => line.replace(file, 'FILE'));
  }
  assert.fail('expected a ConfigError');
}

test('dev defaults: unprivileged ports on loopback, ./data under the cwd', () => {
  const cwd = tempDir();
  const config = loadConfig({ profile: 'dev', env: {}, cwd });
  assert.deepEqual(config, defaultConfig('dev', cwd));
  assert.equal(config.config_file, null);
  assert.equal(config.data_dir, join(cwd, 'data'));
  assert.equal(config.hostname, hostname());
  const ports = Object.fromEntries(Object.entries(config.listeners).map(([name, l]) => [name, l.port]));
  assert.deepEqual(ports, { smtp: 2525, submission: 2587, submissions: 2465, imap: 2143, imaps: 2993, pop3: 2110, pop3s: 2995, http: 2080, https: 2443, managesieve: 24190 });
  for (const l of Object.values(config.listeners)) assert.deepEqual([l.enabled, l.address], [true, '127.0.0.1']);
  assert.deepEqual(config.log, { level: 'info', format: 'auto' });
  assert.deepEqual(config.limits, { message_size: 52428800, line_length: 65536, recipients: 1000, mime_depth: 100, connections_per_ip: 20, connections_per_listener: 1000, imap_connections_per_account: 20, failed_recipients_per_session: 5, failed_recipients_per_ip: 20, failed_recipients_window: 600, login_timeout: 60 });
  assert.deepEqual(config.delivery, { subaddress_separator: '+', default_quota_bytes: 0, default_quota_messages: 0 });
  assert.deepEqual(config.auth, { min_password_length: 10, plaintext_on_loopback: true, throttle_max_failures: 5, throttle_ip_max_failures: 20, throttle_window_seconds: 900, cache_ttl: 3600 });
  assert.deepEqual(config.smtp, { command_timeout: 300, pre_mail_timeout: 60, dane: { enabled: false, resolver: '127.0.0.1:53' } });
  assert.deepEqual(config.http, {}, '/metrics for loopback clients only');
  assert.deepEqual(config.store, { sync: true, chunk_size: 65536, backend: 'level', pool_size: 10, tls: 'auto' });
});

test('system defaults: standard ports on every interface, /var/lib/mailfold', () => {
  const config = loadConfig({ profile: 'system', file: configFile(''), env: {} });
  const { config_file: _, ...rest } = config;
  const { config_file: __, ...defaults } = defaultConfig('system');
  assert.deepEqual(rest, defaults);
  assert.equal(config.data_dir, '/var/lib/mailfold');
  const ports = Object.fromEntries(Object.entries(config.listeners).map(([name, l]) => [name, l.port]));
  assert.deepEqual(ports, { smtp: 25, submission: 587, submissions: 465, imap: 143, imaps: 993, pop3: 110, pop3s: 995, http: 80, https: 443, managesieve: 4190 });
  for (const l of Object.values(config.listeners)) assert.deepEqual([l.enabled, l.address], [true, '::']);
});

test('a full valid file sets every option; sizes may be strings', () => {
  const dir = tempDir();
  const file = configFile(
    `
hostname = "mail.example.org"
data_dir = "/srv/mail"

[listeners.smtp]
enabled = false
address = "0.0.0.0"
port = 25
[listeners.submission]
address = "mail.example.org"
port = 587
[listeners.imaps]
address = "::1"
port = 993
proxy_protocol = true
proxy_from = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]

[log]
level = "debug"
format = "json"

[limits]
message_size = "25M"
line_length = "8k"
recipients = 50
mime_depth = 20
connections_per_ip = 5
imap_connections_per_account = 3
failed_recipients_window = "15m"

[delivery]
subaddress_separator = ""
default_quota_bytes = "1G"
default_quota_messages = 100000

[auth]
min_password_length = 12
plaintext_on_loopback = false
throttle_max_failures = 3
throttle_window_seconds = 600

[smtp.smarthost]
host = "smtp.provider.example"
tls = "implicit"
username = "me"
password = "s3cret"

[store]
sync = false
chunk_size = 131072
`,
    dir,
  );
  const config = load({ file });
  const expected = defaultConfig('dev');
  expected.config_file = file;
  expected.hostname = 'mail.example.org';
  expected.data_dir = '/srv/mail';
  expected.listeners.smtp = { enabled: false, address: '0.0.0.0', port: 25, proxy_protocol: false, proxy_from: [] };
  expected.listeners.submission = { enabled: true, address: 'mail.example.org', port: 587, proxy_protocol: false, proxy_from: [] };
  expected.listeners.imaps = { enabled: true, address: '::1', port: 993, proxy_protocol: true, proxy_from: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] };
  expected.log = { level: 'debug', format: 'json' };
  expected.limits = { message_size: 25 * 2 ** 20, line_length: 8192, recipients: 50, mime_depth: 20, connections_per_ip: 5, connections_per_listener: 1000, imap_connections_per_account: 3, failed_recipients_per_session: 5, failed_recipients_per_ip: 20, failed_recipients_window: 900, login_timeout: 60 };
  expected.delivery = { subaddress_separator: '', default_quota_bytes: 2 ** 30, default_quota_messages: 100000 };
  expected.auth = { min_password_length: 12, plaintext_on_loopback: false, throttle_max_failures: 3, throttle_ip_max_failures: 20, throttle_window_seconds: 600, cache_ttl: 3600 };
  expected.smtp = { command_timeout: 300, pre_mail_timeout: 60, dane: { enabled: false, resolver: '127.0.0.1:53' }, smarthost: { host: 'smtp.provider.example', port: 465, tls: 'implicit', verify_certificate: true, username: 'me', password: 's3cret' } };
  expected.store = { ...expected.store, sync: false, chunk_size: 131072 };
  assert.deepEqual(config, expected);
});

test('the smarthost port follows its tls mode unless given', () => {
  const port = (tls: string) => load({ file: configFile(`[smtp.smarthost]\nhost = "relay.example"\ntls = "${tls}"\n`) }).smtp.smarthost?.port;
  assert.deepEqual([port('starttls'), port('implicit'), port('none')], [587, 465, 25]);
  const config = load({ file: configFile('[smtp.smarthost]\nhost = "relay.example"\nport = 2525\n') });
  assert.deepEqual(config.smtp.smarthost, { host: 'relay.example', port: 2525, tls: 'starttls', verify_certificate: true });
});

test('each kind of bad value gives one line: key path, what is wrong, what is allowed', () => {
  const cases: [string, string][] = [
    ['[listeners.imap]\nport = "abc"', 'listeners.imap.port: expected an integer from 1 to 65535, got "abc"'],
    ['[listeners.imap]\nport = 70000', 'listeners.imap.port: expected an integer from 1 to 65535, got 70000'],
    ['[limits]\nrecipients = 2.5', 'limits.recipients: expected an integer from 1 to 100000, got 2.5'],
    ['[auth]\nmin_password_length = 4', 'auth.min_password_length: expected an integer from 8 to 1024, got 4'],
    ['[log]\nlevel = "loud"', 'log.level: must be one of trace, debug, info, warn, error, fatal; got "loud"'],
    ['[delivery]\nsubaddress_separator = "#"', 'delivery.subaddress_separator: must be one of "+", "-", "_", ".", ""; got "#"'],
    ['[store]\nsync = "yes"', 'store.sync: expected true or false, got "yes"'],
    ['[limits]\nmessage_size = "50X"', 'limits.message_size: expected a size from 1k to 1G (bytes, or a string like "64k", "50M", "1G"), got "50X"'],
    ['[store]\nchunk_size = "2M"', 'store.chunk_size: expected a size from 4k to 1M (bytes, or a string like "64k", "50M", "1G"), got "2M"'],
    ['hostname = "mail_server"', 'hostname: expected a host name of letters, digits, hyphens and dots, like "mail.example.org", got "mail_server"'],
    ['[listeners.http]\naddress = "every where"', 'listeners.http.address: expected an IP address like "127.0.0.1" or "::", or a host name, got "every where"'],
    ['data_dir = ""', 'data_dir: expected a non-empty string, got ""'],
    ['log = "debug"', 'log: expected a table, got "debug"'],
    ['[listeners.pop3]\nenabled = [true]', 'listeners.pop3.enabled: expected true or false, got an array'],
    ['[limits]\nimap_connections_per_account = 0', 'limits.imap_connections_per_account: expected an integer from 1 to 10000, got 0'],
    ['[http]\nmetrics_token = "short"', 'http.metrics_token: must be at least 16 characters without spaces'],
  ];
  for (const [text, line] of cases) assert.deepEqual(problems(text), [line], text);
});

test('a listener behind a proxy names the networks it trusts, each a valid network', () => {
  assert.deepEqual(problems('[listeners.smtp]\nproxy_protocol = true'), [
    'listeners.smtp.proxy_from: is missing; with proxy_protocol = true, list the networks the proxy connects from, like ["10.0.0.0/8"]',
  ]);
  assert.deepEqual(problems('[listeners.imap]\nproxy_protocol = true\nproxy_from = ["10.0.0.0/33"]'), [
    'listeners.imap.proxy_from.0: expected a network like "10.0.0.0/8" or "2001:db8::/32", or one address, got "10.0.0.0/33"',
  ]);
});

test('unknown keys are errors, with a suggestion when one is close', () => {
  assert.deepEqual(problems('[listners.imap]\nport = 143'), ['unknown key "listners" (did you mean "listeners"?)']);
  assert.deepEqual(problems('[log]\nlvel = "debug"'), ['log: unknown key "lvel" (did you mean "level"?)']);
  assert.deepEqual(problems('[limits]\nmessageSize = "10M"'), ['limits: unknown key "messageSize" (did you mean "message_size"?)']);
  assert.deepEqual(problems('[listeners.imap4]\nport = 143'), ['listeners: unknown key "imap4" (did you mean "imap"?)']);
  assert.deepEqual(problems('colour = "blue"'), ['unknown key "colour"']);
});

test('smarthost credentials come in pairs and never travel in clear', () => {
  assert.deepEqual(problems('[smtp.smarthost]\nhost = "relay.example"\nusername = "me"'), [
    'smtp.smarthost.password: is missing; username and password are given together or not at all',
  ]);
  assert.deepEqual(problems('[smtp.smarthost]\nhost = "relay.example"\ntls = "none"\nusername = "me"\npassword = "pw"'), [
    'smtp.smarthost.tls: must be "starttls" or "implicit" when a password is set; it is never sent in clear',
  ]);
  assert.deepEqual(problems('[smtp.smarthost]\nport = 25'), [
    'smtp.smarthost.host: is missing; expected a host name of letters, digits, hyphens and dots, like "mail.example.org"',
  ]);
});

test('the smarthost\'s SPF setting takes mechanisms only: no version, no all, nothing else', () => {
  const spf = (value: string) => problems(`[smtp.smarthost]\nhost = "relay.example"\nspf = ${JSON.stringify(value)}`);
  const expected = ['smtp.smarthost.spf: expected SPF mechanisms such as "include:_spf.provider.example" (without v=spf1 and all)'];
  for (const bad of ['v=spf1 include:_spf.example -all', '-all', 'include:', 'include:a "b"', 'redirect=_spf.example', 'a:x '.repeat(200)]) {
    assert.deepEqual(spf(bad).map((p) => p.replace(/, got .*$/, '')), expected, bad.slice(0, 40));
  }
  const file = configFile('[smtp.smarthost]\nhost = "relay.example"\nspf = "include:_spf.provider.example ip4:192.0.2.0/24"');
  assert.equal(load({ file }).smtp.smarthost?.spf, 'include:_spf.provider.example ip4:192.0.2.0/24');
});

test('several problems give several lines, in the order of the file', () => {
  const text = `
lisetners = 1
[store]
sync = 1
[log]
format = "yaml"
level = "loud"
[listeners.imap]
port = 0
`;
  assert.deepEqual(problems(text), [
    'unknown key "lisetners" (did you mean "listeners"?)',
    'store.sync: expected true or false, got 1',
    'log.format: must be one of auto, json, pretty; got "yaml"',
    'log.level: must be one of trace, debug, info, warn, error, fatal; got "loud"',
    'listeners.imap.port: expected an integer from 1 to 65535, got 0',
  ]);
});

test('two enabled listeners on one port are a problem, a disabled one is not', () => {
  assert.deepEqual(problems('[listeners.imaps]\nport = 2143'), [
    'listeners.imaps.port: 2143 is already used by listeners.imap; choose another port or disable one of them',
  ]);
  assert.deepEqual(problems('[listeners.imaps]\nport = 2143\naddress = "::"'), [
    'listeners.imaps.port: 2143 is already used by listeners.imap; choose another port or disable one of them',
  ]);
  assert.equal(load({ file: configFile('[listeners.imaps]\nport = 2143\naddress = "127.0.0.2"') }).listeners.imaps.port, 2143);
  assert.equal(load({ file: configFile('[listeners.imap]\nenabled = false\n[listeners.imaps]\nport = 2143') }).listeners.imaps.port, 2143);
});

test('a TOML syntax error is one line with line:column', () => {
  assert.deepEqual(problems('[log]\nlevel = loud\n'), ['FILE:2:9: invalid TOML: invalid value']);
  assert.deepEqual(problems('a = 1\n\nport = 25 25\n'), ['FILE:3:11: invalid TOML: each key-value declaration must be followed by an end-of-line']);
  assert.deepEqual(problems('a = 1\na = 2\n'), ['FILE:2:1: invalid TOML: trying to redefine an already defined table or value']);
});

test('a binary or non-UTF-8 file is one line', () => {
  const expected = ['FILE: not a text file; a config file is TOML in UTF-8'];
  assert.deepEqual(problems(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0])), expected);
  assert.deepEqual(problems(new Uint8Array([0x61, 0x20, 0x3d, 0x20, 0x22, 0xff, 0xfe, 0x22, 0x0a])), expected);
});

test('a named config file that does not exist is an error, from the flag or MAILFOLD_CONFIG', () => {
  const cwd = tempDir();
  const missing = join(cwd, 'nope.toml');
  assert.throws(() => load({ cwd, file: 'nope.toml' }), { message: `config file not found: ${missing}` });
  assert.throws(() => load({ cwd, env: { MAILFOLD_CONFIG: missing } }), { message: `config file not found: ${missing}` });
  assert.throws(() => load({ file: cwd }), { message: `${cwd}: is a directory, not a config file` });
});

test('which file: --config, then MAILFOLD_CONFIG, then the profile default if it exists', () => {
  const cwd = tempDir();
  const inCwd = configFile('[log]\nlevel = "warn"', cwd);
  const fromEnv = configFile('[log]\nlevel = "error"');
  const fromFlag = configFile('[log]\nlevel = "debug"');
  const pick = (opts: Partial<LoadOptions>) => {
    const c = load({ cwd, ...opts });
    return [c.config_file, c.log.level];
  };
  assert.deepEqual(pick({ file: fromFlag, env: { MAILFOLD_CONFIG: fromEnv } }), [fromFlag, 'debug']);
  assert.deepEqual(pick({ env: { MAILFOLD_CONFIG: fromEnv } }), [fromEnv, 'error']);
  assert.deepEqual(pick({ env: { MAILFOLD_CONFIG: '' } }), [inCwd, 'warn']);
  assert.deepEqual(pick({}), [inCwd, 'warn']);
});

test('data dir: --data-dir, then MAILFOLD_DATA, then the file, then the profile default', () => {
  const cwd = tempDir();
  const file = configFile('data_dir = "/from/file"');
  const dataDir = (opts: Partial<LoadOptions>) => load({ cwd, ...opts }).data_dir;
  assert.equal(dataDir({ file, dataDir: '/from/flag', env: { MAILFOLD_DATA: '/from/env' } }), '/from/flag');
  assert.equal(dataDir({ file, env: { MAILFOLD_DATA: '/from/env' } }), '/from/env');
  assert.equal(dataDir({ file, env: { MAILFOLD_DATA: '' } }), '/from/file');
  assert.equal(dataDir({ file, dataDir: '' }), '/from/file');
  assert.equal(dataDir({ file: configFile('') }), join(cwd, 'data'));
  assert.equal(loadConfig({ profile: 'system', file: configFile(''), env: {} }).data_dir, '/var/lib/mailfold');
});

test('a relative data dir is relative to the config file; from the flag or env, to the cwd', () => {
  const cwd = tempDir();
  const confDir = join(tempDir(), 'etc');
  mkdirSync(confDir);
  const file = configFile('data_dir = "../var/mail"', confDir);
  assert.equal(load({ cwd, file }).data_dir, join(confDir, '..', 'var', 'mail'));
  assert.equal(load({ cwd, file, dataDir: 'here' }).data_dir, join(cwd, 'here'));
  assert.equal(load({ cwd, file, env: { MAILFOLD_DATA: './there' } }).data_dir, join(cwd, 'there'));
});

test('showConfig masks the smarthost password and loads back to the same config', () => {
  const file = configFile(`
hostname = "mx.example.net"
data_dir = "mail"
[listeners.https]
enabled = false
[limits]
message_size = "10M"
[smtp.smarthost]
host = "relay.example"
username = "me"
password = "hunter2-secret"
`);
  const config = load({ file });
  const shown = showConfig(config);
  assert.ok(!shown.includes('hunter2-secret'));
  assert.match(shown, /password = "\*{8}"/);

  const reloaded = load({ file: configFile(shown) });
  const masked = structuredClone(config);
  masked.smtp.smarthost!.password = '********';
  assert.deepEqual({ ...reloaded, config_file: null }, { ...masked, config_file: null });

  const plain = load({ file: configFile('') });
  assert.deepEqual({ ...load({ file: configFile(showConfig(plain)) }), config_file: null }, { ...plain, config_file: null });
});

test('parseSize reads bytes and binary units', () => {
  assert.equal(parseSize('65536'), 65536);
  assert.equal(parseSize('64k'), 65536);
  assert.equal(parseSize('50M'), 52428800);
  assert.equal(parseSize('1G'), 2 ** 30);
  assert.equal(parseSize('2 TiB'), 2 * 2 ** 40);
  assert.equal(parseSize('1.5k'), 1536);
  assert.equal(parseSize('10MB'), 10 * 2 ** 20);
  for (const bad of ['', 'M', '-1', '1X', '1e3', '1 2']) assert.equal(parseSize(bad), null, bad);
});

test('[queue] and [dns]: durations with units, resolver addresses, a capture address; bad values one line each', () => {
  const config = load({
    file: configFile('[queue]\nretry_first = "90s"\nretry_max = "2h"\ngive_up_after = "3d"\ndelay_warning_after = 0\ncapture = "outbox@example.org"\nmx_port = 2525\n[dns]\nservers = ["127.0.0.1:5353", "::1", "[::1]:53", "192.0.2.1"]\n'),
  });
  assert.deepEqual(config.queue, { ...defaultConfig('dev').queue, retry_first: 90, retry_max: 7200, give_up_after: 259200, delay_warning_after: 0, capture: 'outbox@example.org', mx_port: 2525 });
  assert.deepEqual(config.dns.servers, ['127.0.0.1:5353', '::1', '[::1]:53', '192.0.2.1']);
  assert.deepEqual(load().queue, { mx_port: 25, concurrency: 10, concurrency_per_domain: 2, retry_first: 300, retry_max: 14400, give_up_after: 432000, delay_warning_after: 14400 });
  assert.deepEqual(
    problems('[queue]\nretry_first = "soon"\ngive_up_after = "10s"\ncapture = "not an address"\nmx_port = 0\n[dns]\nservers = ["dns.example", "127.0.0.1:99999", 53]\n'),
    [
      'queue.retry_first: expected a duration from 1s to 1d (seconds, or a string like "30s", "5m", "4h", "5d"), got "soon"',
      'queue.give_up_after: expected a duration from 1m to 30d (seconds, or a string like "30s", "5m", "4h", "5d"), got "10s"',
      'queue.capture: expected a mail address like "outbox@example.org", got "not an address"',
      'queue.mx_port: expected an integer from 1 to 65535, got 0',
      'dns.servers.0: expected an IP address with an optional port, like "127.0.0.1", "127.0.0.1:5353" or "[::1]:5353", got "dns.example"',
      'dns.servers.1: expected an IP address with an optional port, like "127.0.0.1", "127.0.0.1:5353" or "[::1]:5353", got "127.0.0.1:99999"',
      'dns.servers.2: expected an IP address with an optional port, like "127.0.0.1", "127.0.0.1:5353" or "[::1]:5353", got 53',
    ],
  );
});
