import { createHash } from 'node:crypto';
import type { Reply } from '../http/routes.ts';
import { SCRIPT } from './static/script.ts';
import { STYLE } from './static/style.ts';
import { SANDBOX_SCRIPT } from './static/sandbox-script.ts';
import { SANDBOX_STYLE } from './static/sandbox-style.ts';

interface Asset {
  type: string;
  body: string;
  /** A hash of the body: pages link to `NAME?v=VERSION`, which may be cached for a year. */
  version: string;
}

const asset = (type: string, body: string): Asset => ({ type, body, version: createHash('sha256').update(body).digest('hex').slice(0, 12) });

/** Every static file, by name: nothing is read from disk, so no path can lead anywhere else. */
const ASSETS: Record<string, Asset> = {
  'web.css': asset('text/css; charset=utf-8', STYLE),
  'web.js': asset('text/javascript; charset=utf-8', SCRIPT),
  'sandbox.css': asset('text/css; charset=utf-8', SANDBOX_STYLE),
  'sandbox.js': asset('text/javascript; charset=utf-8', SANDBOX_SCRIPT),
};

export const ASSET_PREFIX = '/account/static/';

/** The URL pages use for an asset, with its version. */
export const assetUrl = (name: 'web.css' | 'web.js' | 'sandbox.css' | 'sandbox.js'): string => `${ASSET_PREFIX}${name}?v=${ASSETS[name]!.version}`;

/** The asset at `path`, or null when there is none of that name. */
export function serveAsset(path: string, version: string | null, etag: string | undefined): Reply | null {
  const name = path.slice(ASSET_PREFIX.length);
  const found = Object.hasOwn(ASSETS, name) ? ASSETS[name]! : null;
  if (!found) return null;
  const tag = `"${found.version}"`;
  const cache = version === found.version ? 'public, max-age=31536000, immutable' : 'no-cache';
  if (etag === tag) return { status: 304, type: found.type, body: '', headers: { ETag: tag, 'Cache-Control': cache } };
  return { status: 200, type: found.type, body: found.body, headers: { ETag: tag, 'Cache-Control': cache } };
}
