import { createHash } from 'node:crypto';
import type { MailService } from '../net/services.ts';
import { escapeXml } from './xml.ts';

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

function plist(value: PlistValue, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${escapeXml(value)}</string>`;
  if (typeof value === 'number') return `${indent}<integer>${value}</integer>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  if (Array.isArray(value)) return [`${indent}<array>`, ...value.map((v) => plist(v, indent + '  ')), `${indent}</array>`].join('\n');
  const entries = Object.entries(value).flatMap(([k, v]) => [`${indent}  <key>${escapeXml(k)}</key>`, plist(v, indent + '  ')]);
  return [`${indent}<dict>`, ...entries, `${indent}</dict>`].join('\n');
}

/** A stable UUID from a name, so that downloading the profile again replaces the installed one. */
function nameUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

const reverse = (hostname: string) => hostname.split('.').reverse().join('.');

/**
 * An Apple configuration profile (unsigned) with one com.apple.mail.managed
 * account: the preferred incoming server (IMAP before POP3) and submission server.
 * Apple's UseSSL means "TLS", and Mail uses STARTTLS on a port that needs it.
 * Null when the server offers no incoming or no submission port.
 */
export function mobileconfig(address: string, hostname: string, services: MailService[]): string | null {
  const incoming = services.find((s) => s.protocol !== 'smtp');
  const outgoing = services.find((s) => s.protocol === 'smtp');
  if (!incoming || !outgoing) return null;
  const id = `${reverse(hostname)}.mailfold.${address}`;
  const account = {
    EmailAccountDescription: address,
    EmailAccountName: address,
    EmailAccountType: incoming.protocol === 'imap' ? 'EmailTypeIMAP' : 'EmailTypePOP',
    EmailAddress: address,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerHostName: hostname,
    IncomingMailServerPortNumber: incoming.port,
    IncomingMailServerUseSSL: true,
    IncomingMailServerUsername: address,
    OutgoingMailServerAuthentication: 'EmailAuthPassword',
    OutgoingMailServerHostName: hostname,
    OutgoingMailServerPortNumber: outgoing.port,
    OutgoingMailServerUseSSL: true,
    OutgoingMailServerUsername: address,
    OutgoingPasswordSameAsIncomingPassword: true,
    PayloadDisplayName: `Mail: ${address}`,
    PayloadIdentifier: `${id}.account`,
    PayloadType: 'com.apple.mail.managed',
    PayloadUUID: nameUuid(`${id}.account`),
    PayloadVersion: 1,
  };
  const profile = {
    PayloadContent: [account],
    PayloadDisplayName: `${address} (${hostname})`,
    PayloadIdentifier: id,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: nameUuid(id),
    PayloadVersion: 1,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plist(profile, ''),
    '</plist>',
    '',
  ].join('\n');
}
