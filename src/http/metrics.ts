import { createHash, timingSafeEqual } from 'node:crypto';
import { isLoopback } from '../net/loopback.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may read /metrics (it tells how busy the server is and what it runs): with a token
 * configured, whoever sends it as `Authorization: Bearer`; without one, this machine only.
 * Returns null when allowed, else the status and reason to answer.
 */
export function metricsRefusal(token: string | undefined, remoteAddress: string | undefined, authorization: string | undefined): { status: number; reason: string } | null {
  if (token === undefined) {
    return isLoopback(remoteAddress) ? null : { status: 403, reason: 'metrics are served to this machine only unless http.metrics_token is set' };
  }
  const given = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  // Digests have one length whatever was sent, so the comparison time says nothing about the token.
  if (given !== undefined && timingSafeEqual(digest(given), digest(token))) return null;
  return { status: 401, reason: 'a bearer token is required' };
}
