import type { MailService } from '../net/services.ts';
import { escapeXml } from './xml.ts';

const SOCKET_TYPE: Record<MailService['security'], string> = { tls: 'SSL', starttls: 'STARTTLS' };

function server(element: 'incomingServer' | 'outgoingServer' | 'setupServer', hostname: string, service: { protocol: string; port: number; security: MailService['security'] }, indent = '    '): string {
  return [
    `<${element} type="${service.protocol}">`,
    `  <hostname>${escapeXml(hostname)}</hostname>`,
    `  <port>${service.port}</port>`,
    `  <socketType>${SOCKET_TYPE[service.security]}</socketType>`,
    // Over TLS only, so the plain password is safe; %EMAILADDRESS% is Thunderbird's placeholder.
    '  <authentication>password-cleartext</authentication>',
    '  <username>%EMAILADDRESS%</username>',
    `</${element}>`,
  ].map((line) => indent + line).join('\n');
}

/**
 * Thunderbird's autoconfig file (clientConfig version 1.1) for a domain: every
 * incoming server in order of preference, then the submission servers, and ManageSieve
 * as draft-ietf-mailmaint-autoconfig's `setupServer` (clients ignore what they do not know).
 */
export function autoconfigXml(domain: string, hostname: string, services: MailService[], managesievePort?: number): string {
  const incoming = services.filter((s) => s.protocol !== 'smtp').map((s) => server('incomingServer', hostname, s));
  const outgoing = services.filter((s) => s.protocol === 'smtp').map((s) => server('outgoingServer', hostname, s));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${escapeXml(domain)}">`,
    `    <domain>${escapeXml(domain)}</domain>`,
    `    <displayName>${escapeXml(domain)} mail</displayName>`,
    `    <displayShortName>${escapeXml(domain)}</displayShortName>`,
    ...incoming,
    ...outgoing,
    '  </emailProvider>',
    ...(managesievePort === undefined ? [] : [server('setupServer', hostname, { protocol: 'managesieve', port: managesievePort, security: 'starttls' }, '  ')]),
    '</clientConfig>',
    '',
  ].join('\n');
}
