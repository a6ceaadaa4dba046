import { splitHeader } from '../mime/header.ts';
import type { HopTls } from './dane.ts';

/**
 * "REQUIRETLS support required" (RFC 8689, registered with IANA): the status of a
 * message refused or returned because no hop could carry it as REQUIRETLS asks.
 */
export const REQUIRETLS_STATUS = '5.7.30';

/** How far a message's header is looked at for TLS-Required: a header larger than this is not one a sender wrote. */
const HEADER_LIMIT = 64 * 1024;

/**
 * What a message asks of the hops that carry it (RFC 8689): `true` for the
 * REQUIRETLS MAIL FROM parameter, `false` for a `TLS-Required: No` header field
 * (section 3: only the value "No" is defined), undefined for neither: the
 * recipient domain's policy (MTA-STS) decides. REQUIRETLS wins over the header
 * (section 4.1), which then stays in the message as it is.
 */
export function tlsRequirement(requireTls: boolean | undefined, raw: Buffer): boolean | undefined {
  if (requireTls) return true;
  const field = splitHeader(raw.subarray(0, HEADER_LIMIT)).find((f) => f.name === 'tls-required');
  return field && field.value.trim().toLowerCase() === 'no' ? false : undefined;
}

/**
 * RFC 8689 section 4.2.1: a REQUIRETLS message goes only to an MX host that an
 * authenticated source names (DNSSEC with DANE, or MTA-STS), over TLS with a verified certificate. That the hop then
 * offers REQUIRETLS after STARTTLS is checked on the connection (nodemailer refuses
 * MAIL FROM otherwise).
 */
export const mayCarryRequireTls = (tls: HopTls): boolean => tls.policy !== 'opportunistic' && tls.verified;
