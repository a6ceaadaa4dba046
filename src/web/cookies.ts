/** Longer Cookie headers than this carry no cookie of ours worth reading: they are ignored whole. */
const MAX_HEADER = 4096;

export const SESSION_COOKIE = '__Host-mailfold-session';
/** The login form's CSRF token, before there is a session (double submit: cookie and field must match). */
export const LOGIN_COOKIE = '__Host-mailfold-login';

/** The value of one cookie, or undefined; malformed pairs are skipped. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A cookie only this host's pages get, never script: `__Host-` binds it to this host and
 * path `/`; Secure is kept on the loopback HTTP listener too, where browsers accept it
 * because localhost counts as a secure context.
 */
export function setCookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

export const clearCookie = (name: string): string => setCookie(name, '', 0);
