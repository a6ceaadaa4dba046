import { X509Certificate } from 'node:crypto';
import type forge from 'node-forge';

/** ACME Renewal Information (RFC 9773): the CA's suggested window for renewing one certificate. */
export interface RenewalWindow {
  start: number;
  end: number;
}

const AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const base64url = (binary: string): string => Buffer.from(binary, 'binary').toString('base64url');

/** The first child of `node` in the context-specific class (tag class 0x80) with this tag number. */
function contextChild(node: forge.asn1.Asn1, tag: number): forge.asn1.Asn1 | undefined {
  return (node.value as forge.asn1.Asn1[]).find((c) => c.tagClass === 0x80 && c.type === tag);
}

/**
 * The certificate's ARI identifier (RFC 9773 section 4.1): the authority key
 * identifier's keyIdentifier and the serial number's DER content bytes, each
 * base64url without padding, joined by a dot. Null when the certificate has no
 * authority key identifier (a CA that offers ARI always sets one).
 */
export async function certId(certPem: string): Promise<string | null> {
  // Loaded only when asked: node-forge is about 11 MB of RSS (see self-signed.ts).
  const { default: forge } = await import('node-forge');
  const der = new X509Certificate(certPem).raw.toString('binary');
  const tbs = (forge.asn1.fromDer(der).value as forge.asn1.Asn1[])[0]!;
  const fields = tbs.value as forge.asn1.Asn1[];
  // The version is an explicit [0] before the serial number when present.
  const serial = fields[contextChild(tbs, 0) ? 1 : 0]!;
  const extensions = contextChild(tbs, 3);
  if (!extensions) return null;
  for (const extension of (extensions.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]) {
    const parts = extension.value as forge.asn1.Asn1[];
    if (forge.asn1.derToOid(parts[0]!.value as string) !== AUTHORITY_KEY_IDENTIFIER) continue;
    const aki = forge.asn1.fromDer(parts[parts.length - 1]!.value as string);
    const keyIdentifier = contextChild(aki, 0);
    if (!keyIdentifier) return null;
    return `${base64url(keyIdentifier.value as string)}.${base64url(serial.value as string)}`;
  }
  return null;
}

/** The renewalInfo answer's window, or null when it is not one (both ends dates, start before end). */
export function parseRenewalInfo(body: unknown): RenewalWindow | null {
  const window = (body as { suggestedWindow?: { start?: unknown; end?: unknown } } | null)?.suggestedWindow;
  if (typeof window?.start !== 'string' || typeof window.end !== 'string') return null;
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  return Number.isFinite(start) && Number.isFinite(end) && start < end ? { start, end } : null;
}

/** A moment picked uniformly in the window, so that the CA's clients spread out (section 4.2). */
export const pickInWindow = (window: RenewalWindow, random: number): number => Math.floor(window.start + random * (window.end - window.start));

/**
 * When to ask again, from a Retry-After header (seconds or an HTTP date);
 * kept between a minute and a day, as section 4.3 suggests, and six hours when
 * the CA gives none.
 */
export function retryAfterMs(header: string | undefined, now: number): number {
  if (!header) return 6 * 60 * MINUTE;
  const value = header.trim();
  // delay-seconds, or an HTTP-date (RFC 9110 section 10.2.3), which opens with a day name.
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : /^[A-Za-z]{3}, /.test(value) ? Date.parse(value) - now : NaN;
  if (!Number.isFinite(ms)) return 6 * 60 * MINUTE;
  return Math.min(DAY, Math.max(MINUTE, ms));
}
