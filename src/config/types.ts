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
  /** username and password come together or not at all. */
  username?: string;
  password?: string;
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
  /** DNS for SPF, DKIM, DMARC and ARC: "ip" or "ip:port" ("[v6]:port"); empty = the system's resolver. */
  dns: { servers: string[] };
  /** What the MX does with mail that fails DMARC of a domain that asks for reject or quarantine. */
  dmarc: {
    /** p=reject: refuse with 550 5.7.1 (true) or file into Junk (false). */
    reject: boolean;
    /** p=quarantine: file into Junk (true) or into INBOX like any other (false). */
    quarantine: boolean;
  };
  /** Per account on submission, over any sliding hour; 0 = unlimited. */
  submission_limits: { messages_per_hour: number; recipients_per_hour: number };
  store: {
    sync: boolean;
    chunk_size: number;
  };
}
