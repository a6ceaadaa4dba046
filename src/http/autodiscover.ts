import type { MailService } from '../net/services.ts';
import { escapeXml } from './xml.ts';

export const AUTODISCOVER_RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/**
 * The address in an Outlook POX request (`<Request><EMailAddress>`), or null when
 * the body has none. The request is tiny and flat, so one anchored match reads it
 * without an XML parser; the caller limits the body's size.
 */
export function requestedAddress(body: string): string | null {
  const match = /<(?:[\w.-]+:)?EMailAddress>\s*([^<>\s]{1,320})\s*<\/(?:[\w.-]+:)?EMailAddress>/.exec(body);
  return match ? match[1]! : null;
}

function protocol(hostname: string, address: string, service: MailService): string {
  // Outlook reads Encryption before SSL: SSL is TLS from the first byte, TLS is STARTTLS.
  const security = service.security === 'tls' ? '<Encryption>SSL</Encryption>' : '<Encryption>TLS</Encryption>';
  return [
    '      <Protocol>',
    `        <Type>${service.protocol.toUpperCase()}</Type>`,
    `        <Server>${escapeXml(hostname)}</Server>`,
    `        <Port>${service.port}</Port>`,
    '        <DomainRequired>off</DomainRequired>',
    `        <LoginName>${escapeXml(address)}</LoginName>`,
    '        <SPA>off</SPA>',
    `        ${security}`,
    '        <AuthRequired>on</AuthRequired>',
    ...(service.protocol === 'smtp' ? ['        <UsePOPAuth>off</UsePOPAuth>', '        <SMTPLast>off</SMTPLast>'] : []),
    '      </Protocol>',
  ].join('\n');
}

/**
 * The POX Autodiscover answer (MS-OXDSCLI) with one Protocol element per protocol
 * (IMAP, POP3, SMTP), each the preferred port of its kind; Outlook picks the first
 * incoming one it supports.
 */
export function autodiscoverXml(address: string, hostname: string, services: MailService[]): string {
  const seen = new Set<string>();
  const chosen = services.filter((s) => !seen.has(s.protocol) && seen.add(s.protocol));
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">',
    `  <Response xmlns="${AUTODISCOVER_RESPONSE_SCHEMA}">`,
    '    <Account>',
    '      <AccountType>email</AccountType>',
    '      <Action>settings</Action>',
    ...chosen.map((s) => protocol(hostname, address, s)),
    '    </Account>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}

/** What Exchange answers a request that is not an Autodiscover POST (MS-OXDSCLI error 600): a browser's GET sees it. */
export function autodiscoverInvalidRequest(): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">',
    '  <Response>',
    '    <Error>',
    '      <ErrorCode>600</ErrorCode>',
    '      <Message>Invalid Request</Message>',
    '      <DebugData />',
    '    </Error>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}
