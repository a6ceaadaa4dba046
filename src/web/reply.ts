import type { Reply } from '../http/routes.ts';
import type { Html } from './html.ts';
import type { Flash, WebSession } from './session.ts';

/**
 * On every page: scripts and styles from our own origin only, no framing, no form posted
 * anywhere else, and no Referer to other sites. `img-src data:` is for the empty icon that
 * keeps browsers from asking for /favicon.ico; the QR code is inline SVG markup.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export const htmlReply = (body: Html, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  type: 'text/html; charset=utf-8',
  body: body.text,
  headers: { ...PAGE_HEADERS, ...headers },
});

export const redirect = (location: string, headers: Record<string, string> = {}): Reply => ({
  status: 303,
  type: 'text/plain; charset=utf-8',
  body: `see ${location}\n`,
  headers: { ...PAGE_HEADERS, Location: location, ...headers },
});

/** After an action: back to a page, which shows what happened once. */
export function done(session: WebSession, location: string, flash: Flash): Reply {
  session.flash = flash;
  return redirect(location);
}
