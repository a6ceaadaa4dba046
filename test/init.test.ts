import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { BIN, ROOT, runCli, tempDir } from './helpers/env.ts';
import { serveOnFreePorts } from './helpers/serve.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery';

function workspace(t: TestContext) {
  const dir = tempDir(t);
  const config = join(dir, 'init.toml');
  const data = join(dir, 'data');
  const cli = (args: string[], input?: string) => runCli(['--config', config, '--data-dir', data, ...args], { cwd: dir, input });
  return { dir, config, data, cli };
}

// No network checks here: test/init-checks.test.ts runs them against a test DNS server.
const FLAGS = ['init', '--no-check', '--hostname', 'mail.example.org', '--domain', 'example.org', '--user', 'alice', '--password-stdin'];

async function login(t: TestContext, dir: string, user: string): Promise<void> {
  const { ports } = await serveOnFreePorts(t, dir);
  const imap = new ImapFlow({ host: '127.0.0.1', port: ports.imap, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false });
  imap.on('error', () => {});
  await imap.connect();
  const inbox = await imap.mailboxOpen('INBOX');
  assert.equal(inbox.exists, 0);
  await imap.logout();
}

test('init by flags creates config, store, account and certificate; a second run changes nothing', async (t) => {
  const { dir, config, data, cli } = workspace(t);
  const first = await cli(FLAGS, `${PASSWORD}\n`);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /account:\s+alice@example\.org/);
  assert.match(first.stdout, /Next steps:/);
  // The records to publish, with the DKIM keys init made: one per algorithm.
  assert.match(first.stdout, /^mf-ed-\w+\._domainkey\.example\.org\.\s+3600 IN TXT\s+"v=DKIM1; k=ed25519; p=/m);
  assert.match(first.stdout, /^mf-rsa-\w+\._domainkey\.example\.org\.\s+3600 IN TXT\s+"v=DKIM1; k=rsa; p=/m);
  assert.match(first.stdout, /^example\.org\.\s+3600 IN MX/m);
  assert.match(readFileSync(config, 'utf8'), /^hostname = "mail\.example\.org"$/m);
  assert.equal((await cli(['config', 'check'])).code, 0);
  assert.match((await cli(['user', 'list'])).stdout, /^alice@example\.org\s+enabled/m);
  assert.match((await cli(['user', 'show', 'alice@example.org'])).stdout, /^status:\s+enabled, admin$/m, 'the first account is the admin');

  const before = readdirSync(data).sort();
  const configText = readFileSync(config, 'utf8');
  const second = await cli(FLAGS, `${PASSWORD}\n`);
  assert.equal(second.code, 1);
  assert.equal(second.stderr, `mailfold: already set up: config file ${config} exists; data dir ${data} is not empty; nothing was changed\n`);
  assert.deepEqual(readdirSync(data).sort(), before);
  assert.equal(readFileSync(config, 'utf8'), configText);

  await login(t, dir, 'alice@example.org');
});

test('init refuses bad or missing answers without leaving anything behind', async (t) => {
  const { dir, config, data, cli } = workspace(t);
  const cases: [string[], string, RegExp][] = [
    [['init', '--domain', 'example.org', '--user', 'a', '--password-stdin'], PASSWORD, /^mailfold: missing --hostname \(or run on a terminal to be asked\)$/],
    [['init', '--hostname', 'mail', '--domain', 'example.org', '--user', 'a', '--password-stdin'], PASSWORD, /^mailfold: --hostname: expected a full host name/],
    [['init', '--hostname', 'mail.example.org', '--domain', 'bad domain', '--user', 'a', '--password-stdin'], PASSWORD, /^mailfold: --domain: expected a domain name/],
    [['init', '--hostname', 'mail.example.org', '--domain', 'example.org', '--user', 'bob@other.org', '--password-stdin'], PASSWORD, /must be in example\.org$/],
    [['init', '--hostname', 'mail.example.org', '--domain', 'example.org', '--user', 'a b', '--password-stdin'], PASSWORD, /expected an address/],
    [FLAGS, 'short', /^mailfold: the password is too short/],
    [FLAGS, '', /^mailfold: the password is empty$/],
    [FLAGS.slice(0, -1), PASSWORD, /^mailfold: no password given/],
    [['init', '--hostname', 'x'.repeat(300) + '.org', '--domain', 'example.org', '--user', 'a', '--password-stdin'], PASSWORD, /^mailfold: --hostname:/],
  ];
  const inTheWay = join(dir, 'a-file');
  writeFileSync(inTheWay, '');
  cases.push(
    [['--config', join(inTheWay, 'mailfold.toml'), ...FLAGS], PASSWORD, /^mailfold: cannot create the config file .*\/a-file\/mailfold\.toml: .*a-file is not a directory$/],
    [['--data-dir', join(inTheWay, 'data'), ...FLAGS], PASSWORD, /^mailfold: cannot create the data dir .*\/a-file\/data: .*a-file is not a directory$/],
  );
  for (const [args, input, pattern] of cases) {
    const r = await cli(args, `${input}\n`);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr.trim(), pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(config) && !existsSync(data), `${args.join(' ')} left files in ${dir}`);
  }
});

test('init on a terminal asks, hides the password, and retries a bad answer', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { dir, config, data } = workspace(t);
  const script = [
    ['Mail host name', 'not a host'],
    ['expected a full host name', 'mail.example.net'],
    ['First mail domain (the part after @) [example.net]', ''],
    ['First account', 'bob'],
    ['Password for bob@example.net', 'short'],
    // Typed only once the prompt is back, as a person would: before it, the terminal echoes.
    ['Password for bob@example.net', PASSWORD],
    ['Repeat password', PASSWORD],
  ];
  const args = [join(ROOT, 'test/fixtures/pty_answer.py'), JSON.stringify(script), process.execPath, BIN, '--config', config, '--data-dir', data, 'init', '--no-check'];
  const { stdout } = await run('python3', args, { cwd: dir, env: { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: '' } });
  assert.match(stdout, /Mailfold is set up/);
  assert.match(stdout, /the password is too short/);
  assert.match(stdout, /account:\s+bob@example\.net/);
  assert.ok(!stdout.includes(PASSWORD), 'the password was echoed');
  await login(t, dir, 'bob@example.net');
});
