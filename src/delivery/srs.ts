import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Sender Rewriting Scheme, in the form libsrs2 and postsrsd use, so that mail
 * forwarded by an alias passes SPF at the next hop and its bounces come back to
 * be sent on to the original sender:
 *
 *   SRS0=HHHHHHHH=TT=example.com=alice@forwarder.example     (first forward)
 *   SRS1=HHHHHHHH=first.example==HHHHHHHH=TT=example.com=alice@forwarder.example   (a forward of a forward)
 *
 * TT is the day (mod 1024) in two base32 letters; HHHHHHHH the start of an
 * HMAC-SHA256 over the rest, in base32: its alphabet has no two letters that
 * differ only in case, so an MTA that lower-cases local parts costs no bits.
 * 8 characters are 40 bits; with the failed-RCPT limits of the MX, guessing one
 * takes longer than the 21 days an address lives.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DAY_MS = 86_400_000;
const HASH_LENGTH = 8;
/** The store secret that SRS hashes are made with. */
export const SRS_SECRET = 'srs';
/** How long a rewritten address stays valid, as in postsrsd. */
export const SRS_MAX_AGE_DAYS = 21;

/** The first HASH_LENGTH base32 characters (5 bits each) of the HMAC. */
function hash(secret: Buffer, ...parts: string[]): string {
  const mac = createHmac('sha256', secret);
  // A separator that cannot occur in an address keeps ("ab", "c") and ("a", "bc") apart.
  for (const part of parts) mac.update(`${part.toLowerCase()}\0`);
  const digest = mac.digest();
  let out = '';
  for (let i = 0; i < HASH_LENGTH; i++) {
    const bit = i * 5;
    const pair = (digest[bit >> 3]! << 8) | digest[(bit >> 3) + 1]!;
    out += BASE32[(pair >> (11 - (bit & 7))) & 31];
  }
  return out;
}

/** Constant time (the length is no secret), whatever case the address came back in. */
function sameHash(given: string, expected: string): boolean {
  const a = Buffer.from(given.toUpperCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const today = (now: number): number => Math.floor(now / DAY_MS) % 1024;
const encodeDay = (day: number): string => BASE32[(day >> 5) & 31]! + BASE32[day & 31]!;

function dayAge(stamp: string, now: number): number | null {
  if (stamp.length !== 2) return null;
  const hi = BASE32.indexOf(stamp[0]!.toUpperCase());
  const lo = BASE32.indexOf(stamp[1]!.toUpperCase());
  if (hi < 0 || lo < 0) return null;
  return (today(now) - ((hi << 5) | lo) + 1024) % 1024;
}

function split(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? { local: address.slice(0, at), domain: address.slice(at + 1) } : null;
}

/** Whether an address's local part is an SRS one (the reverse direction applies to it). */
export const isSrsAddress = (address: string): boolean => /^SRS[01][=+-]/i.test(address);

/**
 * The envelope sender to use when forwarding `sender`'s mail from `forwardDomain`.
 * A null sender stays null; a sender already in the forwarding domain needs no rewrite.
 */
export function srsForward(sender: string, forwardDomain: string, secret: Buffer, now: number): string {
  const parts = split(sender);
  if (!parts || parts.domain.toLowerCase() === forwardDomain.toLowerCase()) return sender;
  const srs0 = /^SRS0[=+-](.*)$/i.exec(parts.local);
  if (srs0) {
    // Forwarding a forward: keep the first forwarder's address and name its domain.
    const rest = srs0[1]!;
    return `SRS1=${hash(secret, parts.domain, rest)}=${parts.domain}==${rest}@${forwardDomain}`;
  }
  const srs1 = /^SRS1[=+-][^=]+=([^=]+)==?(.+)$/i.exec(parts.local);
  if (srs1) {
    // A third forward: the first forwarder still takes the bounce, only the hash is ours.
    const [, firstDomain, rest] = srs1 as unknown as [string, string, string];
    return `SRS1=${hash(secret, firstDomain, rest)}=${firstDomain}==${rest}@${forwardDomain}`;
  }
  const stamp = encodeDay(today(now));
  return `SRS0=${hash(secret, stamp, parts.domain, parts.local)}=${stamp}=${parts.domain}=${parts.local}@${forwardDomain}`;
}

export type SrsReverse = { address: string } | { error: 'not-srs' | 'malformed' | 'bad-hash' | 'expired' };

/**
 * Where a bounce sent to an SRS address goes: the original sender for SRS0,
 * the first forwarder's SRS0 address for SRS1. The hash must match this
 * server's secret and an SRS0 stamp be at most SRS_MAX_AGE_DAYS old, or anyone
 * could relay through us. (Only the null sender may use it at all: resolve.ts.)
 */
export function srsReverse(address: string, secret: Buffer, now: number): SrsReverse {
  const parts = split(address);
  if (!parts || !isSrsAddress(parts.local)) return { error: 'not-srs' };
  const srs0 = /^SRS0[=+-]([^=]+)=([^=]+)=([^=]+)=(.+)$/i.exec(parts.local);
  if (srs0) {
    const [, given, stamp, domain, local] = srs0 as unknown as [string, string, string, string, string];
    if (!sameHash(given, hash(secret, stamp, domain, local))) return { error: 'bad-hash' };
    const age = dayAge(stamp, now);
    if (age === null) return { error: 'malformed' };
    if (age > SRS_MAX_AGE_DAYS) return { error: 'expired' };
    return { address: `${local}@${domain}` };
  }
  const srs1 = /^SRS1[=+-]([^=]+)=([^=]+)==?(.+)$/i.exec(parts.local);
  if (srs1) {
    const [, given, firstDomain, rest] = srs1 as unknown as [string, string, string, string];
    if (!sameHash(given, hash(secret, firstDomain, rest))) return { error: 'bad-hash' };
    return { address: `SRS0=${rest}@${firstDomain}` };
  }
  return { error: 'malformed' };
}
