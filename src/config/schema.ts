import { isIP } from 'node:net';
import type { Field, TableRule } from './field.ts';
import { address, bool, networks, decimal, dnsZones, duration, hostname, int, dnsServer, dnsServers, mailAddress, oneOf, size, spfMechanisms, table, text } from './fields.ts';
import { ACME_CHALLENGES, IMAP_LITERALS, MTA_STS_MODES, LOG_FORMATS, LOG_LEVELS, SMARTHOST_TLS, SUBADDRESS_SEPARATORS, type Config, type Listener, type SmarthostTls } from './types.ts';

const SMARTHOST_PORT: Record<SmarthostTls, number> = { implicit: 465, starttls: 587, none: 25 };

/** A proxy's header is believed only from where the proxy is: without the networks, anyone could name any client. */
const proxySources: TableRule = (l) =>
  l.proxy_protocol === true && (!Array.isArray(l.proxy_from) || l.proxy_from.length === 0)
    ? [{ key: 'proxy_from', message: 'is missing; with proxy_protocol = true, list the networks the proxy connects from, like ["10.0.0.0/8"]' }]
    : [];

const listener = (d: Listener) =>
  table(
    {
      enabled: bool().default(d.enabled),
      address: address().default(d.address),
      port: int(1, 65535).default(d.port),
      proxy_protocol: bool().default(d.proxy_protocol ?? false),
      proxy_from: networks().default(d.proxy_from ?? []),
    },
    proxySources,
  );

/** Given as written: username and password together or not at all, and never in clear. */
const smarthostCredentials: TableRule = (s) => {
  if ((s.username === undefined) !== (s.password === undefined)) {
    const missing = s.username === undefined ? 'username' : 'password';
    return [{ key: missing, message: 'is missing; username and password are given together or not at all' }];
  }
  if (s.password !== undefined && s.tls === 'none') {
    return [{ key: 'tls', message: 'must be "starttls" or "implicit" when a password is set; it is never sent in clear' }];
  }
  return [];
};

const smarthost = table(
  {
    host: hostname(),
    port: int(1, 65535).optional(),
    tls: oneOf(SMARTHOST_TLS).default('starttls'),
    verify_certificate: bool().default(true),
    username: text().optional(),
    password: text().optional(),
    spf: spfMechanisms().optional(),
  },
  smarthostCredentials,
)
  .map(({ host, port, tls, verify_certificate, username, password, spf }) => ({
    host,
    port: port ?? SMARTHOST_PORT[tls],
    tls,
    verify_certificate,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(spf === undefined ? {} : { spf }),
  }));

export const STORE_BACKENDS = ['level', 'postgres'] as const;
/** What `[store] url` and `init --store` take. */
export const POSTGRES_URL = /^postgres(?:ql)?:\/\/\S+$/;
export const STORE_TLS = ['auto', 'off', 'require'] as const;

/** The PostgreSQL backend needs its database's URL. */
const postgresUrl: TableRule = (raw) =>
  raw.backend === 'postgres' && raw.url === undefined ? [{ key: 'url', message: 'is missing; backend = "postgres" needs the database URL, e.g. "postgres://mailfold:secret@db.example.org/mailfold"' }] : [];

/** Given together or not at all; the message names the one that is missing. */
const pair = (a: string, b: string, why: string): TableRule => (raw) => {
  if ((raw[a] === undefined) === (raw[b] === undefined)) return [];
  return [{ key: raw[a] === undefined ? a : b, message: `is missing; ${a} and ${b} are given together or not at all${why}` }];
};

/** The config file's values: every key but config_file; data_dir only when the file sets it. */
export type FileConfig = Omit<Config, 'config_file' | 'data_dir'> & { data_dir?: string };

const ACME_DIRECTORY = /^(?:letsencrypt|letsencrypt-staging|https?:\/\/\S+)$/;

/**
 * What mailfold.toml may contain, with the profile's defaults filled in for every key left out.
 * data_dir stays optional: where it came from decides what a relative path is relative to.
 */
export function fileSchema(d: Config): Field<FileConfig> {
  const L = d.listeners;
  return table({
    hostname: hostname().default(d.hostname),
    data_dir: text().optional(),
    listeners: table({
      smtp: listener(L.smtp),
      submission: listener(L.submission),
      submissions: listener(L.submissions),
      imap: listener(L.imap),
      imaps: listener(L.imaps),
      pop3: listener(L.pop3),
      pop3s: listener(L.pop3s),
      http: listener(L.http),
      https: listener(L.https),
      managesieve: listener(L.managesieve),
    }),
    log: table({
      level: oneOf(LOG_LEVELS).default(d.log.level),
      format: oneOf(LOG_FORMATS).default(d.log.format),
    }),
    limits: table({
      message_size: size(1024, 2 ** 30).default(d.limits.message_size),
      line_length: size(1000, 2 ** 20).default(d.limits.line_length),
      recipients: int(1, 100000).default(d.limits.recipients),
      mime_depth: int(1, 1000).default(d.limits.mime_depth),
      connections_per_ip: int(1, 10000).default(d.limits.connections_per_ip),
      connections_per_listener: int(1, 1000000).default(d.limits.connections_per_listener),
      imap_connections_per_account: int(1, 10000).default(d.limits.imap_connections_per_account),
      failed_recipients_per_session: int(1, 100000).default(d.limits.failed_recipients_per_session),
      failed_recipients_per_ip: int(1, 1000000).default(d.limits.failed_recipients_per_ip),
      failed_recipients_window: duration(1, 86400).default(d.limits.failed_recipients_window),
      login_timeout: duration(1, 3600).default(d.limits.login_timeout),
    }),
    delivery: table({
      subaddress_separator: oneOf(SUBADDRESS_SEPARATORS).default(d.delivery.subaddress_separator),
      default_quota_bytes: size(0).default(d.delivery.default_quota_bytes),
      default_quota_messages: int(0).default(d.delivery.default_quota_messages),
    }),
    auth: table({
      min_password_length: int(8, 1024).default(d.auth.min_password_length),
      plaintext_on_loopback: bool().default(d.auth.plaintext_on_loopback),
      throttle_max_failures: int(1, 1000).default(d.auth.throttle_max_failures),
      throttle_ip_max_failures: int(1, 10000).default(d.auth.throttle_ip_max_failures),
      throttle_window_seconds: int(1, 86400).default(d.auth.throttle_window_seconds),
      cache_ttl: duration(0, 86400).default(d.auth.cache_ttl),
    }),
    smtp: table({
      smarthost: smarthost.optional(),
      command_timeout: duration(1, 3600).default(d.smtp.command_timeout),
      pre_mail_timeout: duration(1, 3600).default(d.smtp.pre_mail_timeout),
      dane: table({
        enabled: bool().default(d.smtp.dane.enabled),
        resolver: dnsServer().default(d.smtp.dane.resolver),
      }),
    }),
    lmtp: table({
      enabled: bool().default(d.lmtp.enabled),
      address: address().default(d.lmtp.address),
      port: int(1, 65535).default(d.lmtp.port),
      socket: text().optional(),
    }),
    imap: table({
      literal: oneOf(IMAP_LITERALS).default(d.imap.literal),
      search_cost: int(1000, 1e12).default(d.imap.search_cost),
      progress_interval: duration(0, 3600).default(d.imap.progress_interval),
      message_limit: int(1000, 2 ** 31).default(d.imap.message_limit),
      max_keywords: int(1, 10000).default(d.imap.max_keywords),
    }),
    tls: table({
      cert_file: text().optional(),
      key_file: text().optional(),
    }, pair('cert_file', 'key_file', '')),
    acme: table({
      enabled: bool().default(d.acme.enabled),
      directory: text()
        .refine((s) => ACME_DIRECTORY.test(s), 'must be "letsencrypt", "letsencrypt-staging" or a directory URL starting with https://')
        .default(d.acme.directory),
      email: text().optional(),
      challenge: oneOf(ACME_CHALLENGES).default(d.acme.challenge),
      eab_kid: text().optional(),
      eab_hmac_key: text().optional(),
      ca_file: text().optional(),
    }, pair('eab_kid', 'eab_hmac_key', ' (External Account Binding)')),
    mta_sts: table({
      mode: oneOf(MTA_STS_MODES).default(d.mta_sts.mode),
      max_age: int(86400, 31557600).default(d.mta_sts.max_age),
    }),
    queue: table({
      mx_port: int(1, 65535).default(d.queue.mx_port),
      concurrency: int(1, 1000).default(d.queue.concurrency),
      concurrency_per_domain: int(1, 100).default(d.queue.concurrency_per_domain),
      retry_first: duration(1, 86400).default(d.queue.retry_first),
      retry_max: duration(1, 7 * 86400).default(d.queue.retry_max),
      give_up_after: duration(60, 30 * 86400).default(d.queue.give_up_after),
      delay_warning_after: duration(0, 30 * 86400).default(d.queue.delay_warning_after),
      capture: mailAddress().optional(),
      ca_file: text().optional(),
    }),
    dns: table({
      servers: dnsServers().default(d.dns.servers),
      ipv4: address().refine((s) => isIP(s) === 4, 'expected an IPv4 address like "192.0.2.10"').optional(),
      ipv6: address().refine((s) => isIP(s) === 6, 'expected an IPv6 address like "2001:db8::10"').optional(),
    }),
    dmarc: table({
      reject: bool().default(d.dmarc.reject),
      quarantine: bool().default(d.dmarc.quarantine),
    }),
    reports: table({
      enabled: bool().default(d.reports.enabled),
      org_name: text().optional(),
      from: mailAddress().optional(),
    }),
    spam: table({
      enabled: bool().default(d.spam.enabled),
      junk_score: decimal(-1000, 1000).default(d.spam.junk_score),
      reject_score: decimal(-1000, 1000).optional(),
      bayes_weight: decimal(0, 100).default(d.spam.bayes_weight),
      min_learned: int(0, 1000000).default(d.spam.min_learned),
      dnsbl: dnsZones().default(d.spam.dnsbl),
      dnsbl_weight: decimal(-100, 100).default(d.spam.dnsbl_weight),
      dnswl: dnsZones().default(d.spam.dnswl),
      dnswl_weight: decimal(-100, 100).default(d.spam.dnswl_weight),
      greylist: bool().default(d.spam.greylist),
      greylist_delay: duration(0, 86400).default(d.spam.greylist_delay),
    }),
    submission_limits: table({
      messages_per_hour: int(0, 1000000).default(d.submission_limits.messages_per_hour),
      recipients_per_hour: int(0, 1000000).default(d.submission_limits.recipients_per_hour),
    }),
    web: table({
      enabled: bool().default(d.web.enabled),
      session_idle_timeout: duration(60, 7 * 86400).default(d.web.session_idle_timeout),
    }),
    sandbox: table({
      enabled: bool().default(d.sandbox.enabled),
      account: mailAddress().default(d.sandbox.account),
      password: text().refine((s) => s.length > 0 && s.length <= 200, 'must be 1 to 200 characters').default(d.sandbox.password),
      api_token: text().refine((s) => s.length >= 16 && !/\s/.test(s), 'must be at least 16 characters without spaces').optional(),
    }),
    http: table({
      metrics_token: text().refine((s) => s.length >= 16 && !/\s/.test(s), 'must be at least 16 characters without spaces').optional(),
    }),
    store: table({
      sync: bool().default(d.store.sync),
      chunk_size: size(4096, 1048576).default(d.store.chunk_size),
      backend: oneOf(STORE_BACKENDS).default(d.store.backend),
      url: text().refine((s) => POSTGRES_URL.test(s), 'must be a postgres:// URL').optional(),
      pool_size: int(1, 1000).default(d.store.pool_size),
      tls: oneOf(STORE_TLS).default(d.store.tls),
      ca_file: text().optional(),
    }, postgresUrl),
    managesieve: table({
      max_scripts: int(1, 1000).default(d.managesieve.max_scripts),
      max_script_size: size(1024, 256 * 1024).default(d.managesieve.max_script_size),
    }),
  });
}

