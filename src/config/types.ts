/** The typed config every module reads. Keys mirror the TOML file exactly (snake_case). */

export type Profile = 'dev' | 'system';

export const LISTENER_NAMES = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http', 'https', 'managesieve'] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const SMARTHOST_TLS = ['implicit', 'starttls', 'none'] as const;
/** RFC 7888: which non-synchronizing literals IMAP offers. */
export const IMAP_LITERALS = ['plus', 'minus'] as const;
export type SmarthostTls = (typeof SMARTHOST_TLS)[number];

/** "" turns subaddressing off. */
export const SUBADDRESS_SEPARATORS = ['+', '-', '_', '.', ''] as const;
export type SubaddressSeparator = (typeof SUBADDRESS_SEPARATORS)[number];

export const ACME_CHALLENGES = ['http-01', 'tls-alpn-01'] as const;
export type AcmeChallenge = (typeof ACME_CHALLENGES)[number];

/** RFC 8461 policy modes. */
export const MTA_STS_MODES = ['none', 'testing', 'enforce'] as const;
export type MtaStsMode = (typeof MTA_STS_MODES)[number];

export interface Listener {
  enabled: boolean;
  address: string;
  port: number;
  /** Every connection starts with a PROXY protocol header (HAProxy `send-proxy-v2`) naming the client (the config always sets it). */
  proxy_protocol?: boolean;
  /** The networks the proxy connects from; a connection from anywhere else is refused. */
  proxy_from?: string[];
}

/** LMTP (RFC 2033) for a local MTA such as Postfix; `socket`, when set, is used instead of address and port. */
export interface Lmtp {
  enabled: boolean;
  address: string;
  port: number;
  socket?: string;
}

export interface Smarthost {
  host: string;
  port: number;
  tls: SmarthostTls;
  /** false accepts any certificate: only for a relay on a LAN with a self-signed one, or tests. */
  verify_certificate: boolean;
  /** username and password come together or not at all. */
  username?: string;
  password?: string;
  /** The SPF mechanism that authorises the relay ("include:_spf.provider.example"); unset: its address (a:HOST). */
  spf?: string;
}

/** The outbound queue: where and how often remote mail is tried. Durations are in seconds. */
export interface QueueConfig {
  /** The port of remote MX hosts: 25, except in tests. */
  mx_port: number;
  concurrency: number;
  concurrency_per_domain: number;
  retry_first: number;
  retry_max: number;
  give_up_after: number;
  /** 0: never warn. */
  delay_warning_after: number;
  /** When set, outbound mail is not sent but filed into this local address's INBOX (for testing applications). */
  capture?: string;
  /** PEM file of CA certificates trusted besides the system's when outbound TLS is verified (private CAs). */
  ca_file?: string;
}

export interface Config {
  /** Absolute path of the file that was loaded, or null when only defaults apply. */
  config_file: string | null;
  /** Always absolute after loading. */
  data_dir: string;
  hostname: string;
  listeners: Record<ListenerName, Listener>;
  log: {
    level: LogLevel;
    format: LogFormat;
  };
  limits: {
    message_size: number;
    line_length: number;
    recipients: number;
    mime_depth: number;
    /** Per client: an IPv4 address or an IPv6 /64, all listeners together (HTTP counts apart). */
    connections_per_ip: number;
    /** Per listener, all clients together. */
    connections_per_listener: number;
    imap_connections_per_account: number;
    /** Refused RCPTs per SMTP session, then 421 and close. */
    failed_recipients_per_session: number;
    /** Refused RCPTs per client address (IPv6: per /64) within failed_recipients_window (seconds). */
    failed_recipients_per_ip: number;
    failed_recipients_window: number;
    /** Seconds from connecting to a successful IMAP or POP3 login. */
    login_timeout: number;
  };
  delivery: {
    subaddress_separator: SubaddressSeparator;
    /** 0 = unlimited. */
    default_quota_bytes: number;
    /** 0 = unlimited. */
    default_quota_messages: number;
  };
  auth: {
    min_password_length: number;
    plaintext_on_loopback: boolean;
    /** Failures on one account from addresses that never logged in to it, before such addresses are refused. */
    throttle_max_failures: number;
    /** Failures from one address (IPv6: one /64), on any accounts, before it is refused. */
    throttle_ip_max_failures: number;
    throttle_window_seconds: number;
    /** Seconds a main password verified by argon2id is remembered (as an HMAC) for the next login; 0: never. */
    cache_ttl: number;
  };
  smtp: {
    smarthost?: Smarthost;
    /** Seconds a client has for each command line, or line of DATA, to arrive complete. */
    command_timeout: number;
    /** Seconds from connect until a MAIL FROM or a login is accepted. */
    pre_mail_timeout: number;
    /** DANE for outbound mail to MX hosts (RFC 7672). */
    dane: {
      enabled: boolean;
      /** The DNSSEC-validating resolver whose AD bit is trusted: "ip:port", best on loopback. */
      resolver: string;
    };
  };
  lmtp: Lmtp;
  imap: {
    literal: (typeof IMAP_LITERALS)[number];
    /** What one SEARCH, SORT or THREAD may cost: search keys evaluated over all messages, plus text scanned. */
    search_cost: number;
    /** Seconds between two INPROGRESS reports of one long command (0: at every batch). */
    progress_interval: number;
    /** The most messages one command may process, advertised as MESSAGELIMIT (RFC 9738). */
    message_limit: number;
    max_keywords: number;
  };
  /** Manual certificate files (PEM), instead of the self-signed or ACME one; both or neither. */
  tls: {
    cert_file?: string;
    key_file?: string;
  };
  acme: {
    enabled: boolean;
    /** "letsencrypt", "letsencrypt-staging", or a directory URL. */
    directory: string;
    email?: string;
    challenge: AcmeChallenge;
    /** External Account Binding (RFC 8555 section 7.3.4); both or neither. */
    eab_kid?: string;
    eab_hmac_key?: string;
    /** A PEM file of CAs trusted for the directory's HTTPS (a private CA, a test CA). */
    ca_file?: string;
  };
  mta_sts: {
    mode: MtaStsMode;
    max_age: number;
  };
  queue: QueueConfig;
  dns: {
    /** Resolvers for outbound MX lookups and SPF, DKIM, DMARC and ARC: "ip" or "ip:port" ("[v6]:port"); empty = the system's. */
    servers: string[];
    /** What `mailfold dns` puts in the A/AAAA records. */
    ipv4?: string;
    ipv6?: string;
  };
  /** What the MX does with mail that fails DMARC of a domain that asks for reject or quarantine. */
  dmarc: {
    /** p=reject: refuse with 550 5.7.1 (true) or file into Junk (false). */
    reject: boolean;
    /** p=quarantine: file into Junk (true) or into INBOX like any other (false). */
    quarantine: boolean;
  };
  /** Aggregate reports: DMARC (RFC 7489) and TLS-RPT (RFC 8460), recorded and sent once a day (docs/deliverability.md). */
  reports: {
    enabled: boolean;
    /** The organization the reports name as their author; absent: the From address's domain. */
    org_name?: string;
    /** The address reports come from (a local address with DKIM keys); absent: postmaster of the oldest local domain. */
    from?: string;
  };
  /** The spam filter (docs/spam.md): it judges mail from outside (MX, LMTP, `mailfold deliver`). */
  spam: {
    enabled: boolean;
    /** At or above this score a message goes to Junk. */
    junk_score: number;
    /** At or above this score the MX refuses at DATA with 550 5.7.1; absent: never. */
    reject_score?: number;
    /** What the classifier adds at probability 1 (and takes away at 0). */
    bayes_weight: number;
    /** The classifier speaks once an account learned this many spam and this many ham messages. */
    min_learned: number;
    /** DNS block lists of client addresses; none by default (public resolvers are refused by most). */
    dnsbl: string[];
    dnsbl_weight: number;
    /** DNS allow lists; their weight is usually negative. */
    dnswl: string[];
    dnswl_weight: number;
    /** Greylisting at RCPT on the MX: a new (network, sender, recipient) is answered 451 until retried after the delay. */
    greylist: boolean;
    greylist_delay: number;
  };
  /** Per account on submission, over any sliding hour; 0 = unlimited. */
  submission_limits: { messages_per_hour: number; recipients_per_hour: number };
  /** The web interface on the HTTP(S) listeners (docs/web.md). */
  web: {
    enabled: boolean;
    /** Seconds without a request after which a web session ends. */
    session_idle_timeout: number;
  };
  /** Sandbox mode for developers (docs/web.md#sandbox): any login submits, nothing leaves the machine. */
  sandbox: {
    enabled: boolean;
    /** The one account every captured message is filed into (its INBOX), made at start. */
    account: string;
    /** Its IMAP/POP3 password, set at every start. */
    password: string;
    /** The JSON API's bearer token for clients not on this machine; generated and logged at start when absent. */
    api_token?: string;
  };
  http: {
    /** When set, /metrics is served to anyone sending `Authorization: Bearer <token>`; else to loopback clients only. */
    metrics_token?: string;
  };
  store: {
    sync: boolean;
    chunk_size: number;
    /** "level": LevelDB in data_dir (one node); "postgres": a PostgreSQL database several nodes share. */
    backend: 'level' | 'postgres';
    url?: string;
    pool_size: number;
    /** TLS to the database; "auto": off for loopback and unix sockets, required (and verified) otherwise. */
    tls: 'auto' | 'off' | 'require';
    ca_file?: string;
  };
  /** Sieve scripts per account, as ManageSieve and `mailfold sieve` keep them (HAVESPACE answers from these). */
  managesieve: {
    max_scripts: number;
    /** Bytes per script; at most the parser's own limit (256 KiB). */
    max_script_size: number;
  };
}
