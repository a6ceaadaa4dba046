import { domainToASCII } from 'node:url';

export interface Address {
  local: string;
  domain: string;
}

const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+$/u;
const MAX_LOCAL = 64;
const MAX_ADDRESS = 254;

/** Lower-cases and IDNA-encodes a domain; null when it is not a valid host name. */
export function normalizeDomain(domain: string): string | null {
  const trimmed = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (trimmed.length === 0 || trimmed.length > 253 || /[\s@]/.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  return labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) ? ascii : null;
}

/**
 * Parses a plain `local@domain` address (dot-atom local part; SMTPUTF8 letters allowed)
 * into its normalized form: the domain IDNA-encoded and lower case, the local part
 * lower case, since Mailfold treats local parts case-insensitively as Postfix does.
 */
export function parseAddress(input: string): Address | null {
  const text = input.trim().replace(/^<(.*)>$/, '$1');
  const at = text.lastIndexOf('@');
  if (at <= 0 || text.length > MAX_ADDRESS) return null;
  const local = text.slice(0, at);
  const domain = normalizeDomain(text.slice(at + 1));
  if (!domain || Buffer.byteLength(local) > MAX_LOCAL) return null;
  const atoms = local.split('.');
  if (!atoms.every((a) => ATOM.test(a))) return null;
  return { local: local.toLowerCase(), domain };
}

export const formatAddress = (a: Address): string => `${a.local}@${a.domain}`;

/** `alice@example.org` normalized, or null. */
export function normalizeAddress(input: string): string | null {
  const parsed = parseAddress(input);
  return parsed ? formatAddress(parsed) : null;
}
