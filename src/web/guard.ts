import { timingSafeEqual } from 'node:crypto';
import type { WebRequest } from './request.ts';

/** The origin this request was made to: its scheme and Host header. */
export const ownOrigin = (req: WebRequest): string => `${req.secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;

/**
 * Whether a form post comes from our own pages. Browsers send Origin with every POST;
 * Sec-Fetch-Site and Referer are the fallbacks. A client that sends none of them (a
 * script, not a browser) is judged by the CSRF token alone.
 */
export function sameOrigin(req: WebRequest): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) return origin === ownOrigin(req);
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const referer = req.headers.referer;
  if (referer !== undefined) return referer.startsWith(ownOrigin(req) + '/');
  return true;
}

/** Constant-time comparison of the token a form carried with the one it must carry. */
export function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
