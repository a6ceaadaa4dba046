/** The typed config every module reads. Keys mirror the TOML file exactly (snake_case). */

export type Profile = 'dev' | 'system';

export const LISTENER_NAMES = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http', 'https'] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const SMARTHOST_TLS = ['implicit', 'starttls', 'none'] as const;
export type SmarthostTls = (typeof SMARTHOST_TLS)[number];

/** "" turns subaddressing off. */
export const SUBADDRESS_SEPARATORS = ['+', '-', '_', '.', ''] as const;
export type SubaddressSeparator = (typeof SUBADDRESS_SEPARATORS)[number];

export interface Listener {
  enabled: boolean;
  address: string;
  port: number;
}

/** LMTP (RFC 2033) for a local MTA such as Postfix; `socket`, when set, is used instead of address and port. */
export interface Lmtp extends Listener {
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
    connections_per_ip: number;
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
    throttle_max_failures: number;
    throttle_window_seconds: number;
  };
  smtp: {
    smarthost?: Smarthost;
  };
  lmtp: Lmtp;
  queue: QueueConfig;
  dns: {
    /** Resolvers for outbound MX lookups, "ip" or "ip:port"; empty uses the system's. */
    servers: string[];
  };
  store: {
    sync: boolean;
    chunk_size: number;
  };
}
