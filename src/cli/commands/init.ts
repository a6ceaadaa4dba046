import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP, isIPv6 } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { stringify } from 'smol-toml';
import { AdminService } from '../../admin/service.ts';
import { DEFAULT_CONFIG_FILE, DEFAULT_DATA_DIR, defaultConfig, POSTGRES_URL, type Config } from '../../config/index.ts';
import { checkSendingHost, DEFAULT_PROBE } from '../../dns/check/sending-host.ts';
import { dkimPublicKeys, dnsRecords, formatZone, type DkimPublicKey } from '../../dns/records.ts';
import { createResolver } from '../../net/dns.ts';
import { adminSettings, openStore } from '../../server.ts';
import { ensureCertificate } from '../../tls/certificates.ts';
import { CliError, globals } from '../context.ts';
import { initAnswers, type InitAnswers, type InitFlags } from '../init/answers.ts';
import { invocation } from '../init/invocation.ts';
import { nextSteps, type NextStepsInput } from '../init/next-steps.ts';
import { runtimeProfile } from '../profile.ts';

interface CheckFlags {
  publicIp?: string;
  dnsServer?: string[];
  probe?: string;
  check: boolean;
}

function publicAddress(value: string): string {
  if (!isIP(value)) throw new CliError(`--public-ip: not an IP address: ${JSON.stringify(value)}`);
  return value;
}

function probeTarget(value: string): { host: string; port: number } {
  const m = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  const port = Number(m?.[2] ?? 25);
  if (!m || port < 1 || port > 65535) throw new CliError(`--probe: expected HOST or HOST:PORT, got ${JSON.stringify(value)}`);
  return { host: m[1]!, port };
}

/** What is already there; init touches nothing when this is not empty. */
function existing(configFile: string, dataDir: string): string[] {
  const found: string[] = [];
  if (existsSync(configFile)) found.push(`config file ${configFile} exists`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) found.push(`data dir ${dataDir} is not empty`);
  return found;
}

/** Refuses before any question is asked when `path` cannot be created here (not root, a file in the way). */
function creatable(path: string, what: string): void {
  let dir = dirname(path);
  while (!existsSync(dir)) dir = dirname(dir);
  const problem = !statSync(dir).isDirectory() ? `${dir} is not a directory` : !writable(dir) ? `no permission to write in ${dir} (run as root?)` : null;
  if (problem) throw new CliError(`cannot create the ${what} ${path}: ${problem}`);
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The data dir with the store, the domain, the account, DKIM keys and the certificate;
 * removed again if a step fails. Returns the DKIM keys' DNS data.
 */
async function createStore(config: Config, answers: InitAnswers): Promise<DkimPublicKey[]> {
  const created = !existsSync(config.data_dir);
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  try {
    const store = await openStore(config);
    // A shared database in use is another installation's: refused like a config file that exists.
    if (config.store.backend === 'postgres' && (await store.listDomains()).length > 0) {
      await store.close();
      throw new CliError('already set up: the database of --store holds domains already; nothing was changed');
    }
    try {
      const admin = new AdminService(store, adminSettings(config));
      await admin.domainAdd({ name: answers.domain });
      try {
        // The first account runs the server: it gets the web interface's admin pages.
        await admin.userAdd({ address: answers.address, password: answers.password, admin: true });
        const dkim = await admin.dkimGenerate({ domain: answers.domain });
        await ensureCertificate(store, answers.hostname, pino({ level: 'silent' }));
        return dkimPublicKeys(dkim);
      } catch (err) {
        // A database outlives the data dir removed below: what init added to it goes too.
        if (config.store.backend === 'postgres') {
          await store.removeAccount(answers.address).catch(() => {});
          await store.removeDomain(answers.domain).catch(() => {});
        }
        throw err;
      }
    } finally {
      await store.close();
    }
  } catch (err) {
    if (created) rmSync(config.data_dir, { recursive: true, force: true });
    else for (const entry of readdirSync(config.data_dir)) rmSync(resolve(config.data_dir, entry), { recursive: true, force: true });
    throw err;
  }
}

export function initCommand(program: Command): void {
  program
    .command('init')
    .description('set up a new server: config file, data dir, first domain and account, certificate')
    .option('--hostname <name>', 'the mail host name, e.g. mail.example.org')
    .option('--domain <domain>', 'the first mail domain, e.g. example.org')
    .option('--user <address>', 'the first account, e.g. alice@example.org')
    .option('--password-stdin', "read the first account's password from the first line of standard input")
    .option('--store <url>', 'keep the store in this PostgreSQL database (postgres://USER:PASSWORD@HOST/DB) instead of LevelDB in the data dir')
    .option('--public-ip <address>', 'the public address of this server: written as dns.ipv4/ipv6, and checked (reverse DNS, blocklists)')
    .option('--dns-server <ip[:port]>', 'the resolver for the checks (default: the system\'s); repeatable', (v: string, all: string[] = []) => [...all, v])
    .option('--probe <host[:port]>', `another organisation's MX to test outgoing port 25 against (default ${DEFAULT_PROBE.host})`)
    .option('--no-check', 'skip the network checks (outgoing port 25, reverse DNS, blocklists)')
    .action(async (flags: InitFlags & CheckFlags, cmd: Command) => {
      const opts = globals(cmd);
      const profile = runtimeProfile();
      const cwd = process.cwd();
      const configFile = resolve(cwd, opts.config || process.env.MAILFOLD_CONFIG || DEFAULT_CONFIG_FILE[profile]);
      const dataDir = resolve(cwd, opts.dataDir || process.env.MAILFOLD_DATA || DEFAULT_DATA_DIR[profile]);
      const found = existing(configFile, dataDir);
      if (found.length) throw new CliError(`already set up: ${found.join('; ')}; nothing was changed`);

      if (flags.store !== undefined && !POSTGRES_URL.test(flags.store)) throw new CliError('--store: must be a postgres:// URL, e.g. postgres://mailfold:secret@db.example.org/mailfold');
      creatable(configFile, 'config file');
      if (!existsSync(dataDir)) creatable(dataDir, 'data dir');
      const defaults = defaultConfig(profile, cwd);
      const store = flags.store === undefined ? defaults.store : { ...defaults.store, backend: 'postgres' as const, url: flags.store };
      const config = { ...defaults, data_dir: dataDir, store };
      const publicIp = flags.publicIp === undefined ? undefined : publicAddress(flags.publicIp);
      const probe = flags.probe === undefined ? DEFAULT_PROBE : probeTarget(flags.probe);
      const answers = await initAnswers(flags, config.auth.min_password_length);
      config.hostname = answers.hostname;
      if (publicIp) config.dns[isIPv6(publicIp) ? 'ipv6' : 'ipv4'] = publicIp;
      const dkim = await createStore(config, answers);
      // Written last: a config file means init finished. Without a database password it holds no
      // secret, and the service's own user must read it (and pass through its directory) when root
      // ran init; with one it is the owner's only (docs/cli.md says to hand it to the service's user).
      const header = `# Written by mailfold init. Every option and its default: docs/configuration.md\n\n`;
      const umask = process.umask(0o022);
      try {
        mkdirSync(dirname(configFile), { recursive: true });
        const dns = publicIp ? { dns: { [isIPv6(publicIp) ? 'ipv6' : 'ipv4']: publicIp } } : {};
        const values = { hostname: answers.hostname, data_dir: dataDir, ...dns, ...(flags.store === undefined ? {} : { store: { backend: 'postgres', url: flags.store } }) };
        const secret = flags.store !== undefined && URL.parse(flags.store)?.password;
        writeFileSync(configFile, header + stringify(values) + '\n', { flag: 'wx', mode: secret ? 0o600 : 0o644 });
      } finally {
        process.umask(umask);
      }
      const host = flags.check
        ? await checkSendingHost({ hostname: answers.hostname, publicAddress: publicIp, resolve: createResolver({ servers: flags.dnsServer ?? [] }), probe })
        : undefined;
      const how = invocation({ profile, cwd, script: process.argv[1], execPath: process.execPath, path: process.env.PATH ?? '', configFile, defaultConfigFile: resolve(cwd, DEFAULT_CONFIG_FILE[profile]) });
      const standardPorts = Object.fromEntries(Object.entries(defaultConfig('system').listeners).map(([name, l]) => [name, l.port])) as NextStepsInput['standardPorts'];
      process.stdout.write(nextSteps({ ...answers, ...how, configFile, dataDir, profile, listeners: config.listeners, standardPorts, host }));
      process.stdout.write(`\nThe DNS records to publish for ${answers.domain} (\`${how.cli} dns ${answers.domain}\` prints them again):\n\n`);
      process.stdout.write(formatZone(dnsRecords(answers.domain, config, dkim)));
    });
}
