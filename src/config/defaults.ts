import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config, ListenerName, Listener, Profile } from './types.ts';

/** [dev, system]: a checkout runs unprivileged on loopback; the packaged binary on the standard ports. */
const PORTS: Record<ListenerName, [number, number]> = {
  smtp: [2525, 25],
  submission: [2587, 587],
  submissions: [2465, 465],
  imap: [2143, 143],
  imaps: [2993, 993],
  pop3: [2110, 110],
  pop3s: [2995, 995],
  http: [2080, 80],
  https: [2443, 443],
  // RFC 5804 section 1.8; the dev port is fixed by docs/architecture.md.
  managesieve: [24190, 4190],
};

export const DEFAULT_DATA_DIR: Record<Profile, string> = { dev: './data', system: '/var/lib/mailfold' };

/** Used when neither --config nor MAILFOLD_CONFIG names a file, and only if it exists. */
export const DEFAULT_CONFIG_FILE: Record<Profile, string> = { dev: 'mailfold.toml', system: '/etc/mailfold/mailfold.toml' };

function listeners(profile: Profile): Record<ListenerName, Listener> {
  const address = profile === 'dev' ? '127.0.0.1' : '::';
  const index = profile === 'dev' ? 0 : 1;
  const entries = Object.entries(PORTS).map(([name, ports]) => [name, { enabled: true, address, port: ports[index], proxy_protocol: false, proxy_from: [] }]);
  return Object.fromEntries(entries) as Record<ListenerName, Listener>;
}

/** Every option's default; `cwd` anchors the dev profile's relative data dir. */
export function defaultConfig(profile: Profile, cwd = process.cwd()): Config {
  return {
    config_file: null,
    data_dir: resolve(cwd, DEFAULT_DATA_DIR[profile]),
    hostname: hostname(),
    listeners: listeners(profile),
    log: { level: 'info', format: 'auto' },
    limits: {
      message_size: 50 * 1024 * 1024,
      line_length: 65536,
      recipients: 1000,
      mime_depth: 100,
      connections_per_ip: 20,
      // Each holds a file descriptor and some memory; a Raspberry Pi keeps several listeners' worth.
      connections_per_listener: 1000,
      imap_connections_per_account: 20,
      // A sender with a few stale addresses stays well under these; a guessing run does not.
      failed_recipients_per_session: 5,
      failed_recipients_per_ip: 20,
      failed_recipients_window: 600,
      login_timeout: 60,
    },
    delivery: { subaddress_separator: '+', default_quota_bytes: 0, default_quota_messages: 0 },
    auth: { min_password_length: 10, plaintext_on_loopback: true, throttle_max_failures: 5, throttle_ip_max_failures: 20, throttle_window_seconds: 900, cache_ttl: 3600 },
    // Postfix's smtpd_timeout; a session must start a transaction (or log in) within a minute.
    smtp: { command_timeout: 300, pre_mail_timeout: 60, dane: { enabled: false, resolver: '127.0.0.1:53' } },
    // Off: only a setup with another MTA in front (Postfix) needs it. 24 is LMTP's registered port.
    lmtp: { enabled: false, address: profile === 'dev' ? '127.0.0.1' : '::1', port: profile === 'dev' ? 2024 : 24 },
    // About 0.3 s of CPU on a desktop core (so about a second on a Raspberry Pi 4): 50 keys over 100,000 messages.
    // INPROGRESS (RFC 9585) at most once a second while a long SEARCH or FETCH runs.
    imap: { literal: 'plus', search_cost: 5_000_000, progress_interval: 1, message_limit: 100_000, max_keywords: 128 },
    tls: {},
    acme: { enabled: false, directory: 'letsencrypt', challenge: 'http-01' },
    // testing until the admin has seen the TLS reports; a week, as RFC 8461 suggests at least.
    mta_sts: { mode: 'testing', max_age: 604800 },
    queue: {
      mx_port: 25,
      concurrency: 10,
      concurrency_per_domain: 2,
      // First retry within minutes, doubling up to every 4 hours, for 5 days, as Postfix roughly does.
      retry_first: 5 * 60,
      retry_max: 4 * 3600,
      give_up_after: 5 * 86400,
      delay_warning_after: 4 * 3600,
    },
    dns: { servers: [] },
    dmarc: { reject: true, quarantine: true },
    reports: { enabled: true },
    // SpamAssassin's threshold, which the classifier alone reaches at a probability of 0.75 (bench/spam.ts measured the cut).
    spam: { enabled: true, junk_score: 5, bayes_weight: 10, min_learned: 10, dnsbl: [], dnsbl_weight: 3, dnswl: [], dnswl_weight: -3, greylist: false, greylist_delay: 300 },
    // Enough for a person or a family; a stolen password then sends little spam before someone notices.
    submission_limits: { messages_per_hour: 100, recipients_per_hour: 500 },
    // Half an hour idle ends a web session, as banks and mail providers do.
    web: { enabled: true, session_idle_timeout: 1800 },
    sandbox: { enabled: false, account: 'sandbox@sandbox.test', password: 'sandbox' },
    http: {},
    store: { sync: true, chunk_size: 65536, backend: 'level', pool_size: 10, tls: 'auto' },
    // Roundcube and Thunderbird's add-on keep one or two scripts; 64 KiB is hundreds of rules.
    managesieve: { max_scripts: 20, max_script_size: 64 * 1024 },
  };
}
