import type { Logger } from '../../log/logger.ts';
import { isLoopback } from '../../net/loopback.ts';
import { readCookie, setCookie } from '../cookies.ts';
import { tokenMatches } from '../guard.ts';
import type { WebRequest } from '../request.ts';

export const SANDBOX_COOKIE = '__Host-mailfold-sandbox';

/**
 * Who may use the sandbox: any client on this machine, and others with the API token, as
 * `Authorization: Bearer TOKEN` (scripts) or the cookie that opening a page with
 * `?token=TOKEN` sets (browsers).
 */
export function sandboxAllowed(req: WebRequest, token: string): boolean {
  if (isLoopback(req.remoteAddress)) return true;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const given = bearer ?? readCookie(req.headers.cookie, SANDBOX_COOKIE) ?? '';
  return tokenMatches(token, given);
}

/** The cookie a page opened with the right `?token=` sets, or null. */
export function tokenCookie(req: WebRequest, token: string): string | null {
  const given = req.url.searchParams.get('token');
  return given !== null && tokenMatches(token, given) ? setCookie(SANDBOX_COOKIE, token) : null;
}

export function logRefusal(log: Logger, req: WebRequest, reason: string): void {
  log.warn({ ip: req.remoteAddress, account: null, reason, path: req.url.pathname }, 'sandbox request refused');
}
