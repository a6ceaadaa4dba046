/**
 * Where a `postgres://` URL leads, as postgres.js is to be told. A unix socket is written
 * the way libpq takes it, a directory in the `host` query parameter
 * (`postgres://USER@/DATABASE?host=/run/postgresql`): postgres.js reads no such
 * parameter (and no URL with an empty host), so the directory becomes its `path`, the
 * socket file `DIR/.s.PGSQL.PORT`, and the URL one it parses.
 */
export interface PgTarget {
  url: string;
  /** The unix socket file, when the URL names one. */
  path?: string;
  /** On this machine: a loopback address or a unix socket (TLS is then off under "auto"). */
  local: boolean;
}

const SHAPE = /^(postgres(?:ql)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;

export function pgTarget(url: string): PgTarget {
  const match = SHAPE.exec(url);
  if (!match) return { url, local: false };
  const [, scheme, userinfo, authority = '', pathname = '', query = ''] = match;
  const params = new URLSearchParams(query);
  const socketDir = params.get('host');
  if (socketDir?.startsWith('/')) {
    const port = /:(\d+)$/.exec(authority)?.[1] ?? params.get('port') ?? '5432';
    params.delete('host');
    params.delete('port');
    const rest = params.size > 0 ? `?${params.toString()}` : '';
    return { url: `${scheme}://${userinfo === undefined ? '' : `${userinfo}@`}localhost:${port}${pathname}${rest}`, path: `${socketDir.replace(/\/+$/, '')}/.s.PGSQL.${port}`, local: true };
  }
  const host = authority.replace(/:\d+$/, '').toLowerCase();
  return { url, local: host === '' || host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host) };
}
