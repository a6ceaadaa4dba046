import type { ListenerName } from '../config/index.ts';

/** A port a mail client may use, as autoconfig, Autodiscover, profiles and SRV records describe it. */
export interface MailService {
  protocol: 'imap' | 'pop3' | 'smtp';
  port: number;
  /** `tls` from the first byte (RFC 8314), or `starttls` inside the protocol. */
  security: 'tls' | 'starttls';
}

/** Client-facing listeners in order of preference: implicit TLS first (RFC 8314 section 3). */
const CLIENT_LISTENERS: [ListenerName, MailService['protocol'], MailService['security']][] = [
  ['imaps', 'imap', 'tls'],
  ['imap', 'imap', 'starttls'],
  ['pop3s', 'pop3', 'tls'],
  ['pop3', 'pop3', 'starttls'],
  ['submissions', 'smtp', 'tls'],
  ['submission', 'smtp', 'starttls'],
];

/**
 * The client services of the listeners that are on, from their ports (the bound
 * ports when the server runs, so that port 0 in tests reports the real one).
 */
export function mailServices(ports: Partial<Record<ListenerName, number>>): MailService[] {
  return CLIENT_LISTENERS.flatMap(([name, protocol, security]) => {
    const port = ports[name];
    return port === undefined ? [] : [{ protocol, port, security }];
  });
}
