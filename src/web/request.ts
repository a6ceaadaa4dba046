import type { IncomingHttpHeaders } from 'node:http';

/** What the web interface reads of a request. */
export interface WebRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  remoteAddress: string;
  /** Over TLS (the HTTPS listener), not the loopback-only HTTP listener. */
  secure: boolean;
  /** Aborted when the client goes away: a long wait stops waiting. */
  signal: AbortSignal;
  /** The body as text, refused (413) past `limit` bytes. */
  body(limit: number): Promise<string>;
}
