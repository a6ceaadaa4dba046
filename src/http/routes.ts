import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeAddress, normalizeDomain } from '../delivery/address.ts';
import type { Logger } from '../log/logger.ts';
import { renderMetrics } from '../metrics/registry.ts';
import type { MailService } from '../net/services.ts';
import type { Directory } from '../store/types.ts';
import type { AcmeChallenges } from '../tls/challenges.ts';
import { autoconfigXml } from './autoconfig.ts';
import { autodiscoverInvalidRequest, autodiscoverXml, requestedAddress } from './autodiscover.ts';
import { metricsRefusal } from './metrics.ts';
import { mobileconfig } from './mobileconfig.ts';
import { mtaStsPolicy } from './mta-sts.ts';
import type { WebRequest } from '../web/request.ts';

export interface HttpContext {
  store: Directory;
  log: Logger;
  /** The mail host name clients connect to. */
  hostname: string;
  services: MailService[];
  /** The ManageSieve port when it listens, for autoconfig's setupServer. */
  managesievePort?: number;
  challenges: AcmeChallenges;
  mtaSts: { mode: 'none' | 'testing' | 'enforce'; maxAge: number };
  /** The HTTPS listener's bound port, where plain-HTTP Autodiscover is redirected; set by startHttp, undefined when it is off. */
  httpsPort?: number;
  /** With it, /metrics is served to whoever sends it as a bearer token; without, to loopback clients only. */
  metricsToken?: string;
  /** The web interface (src/web/), which answers everything under /admin/, /account/ and /sandbox/ when it is on. */
  web?: (req: WebRequest) => Promise<Reply>;
}

/** An Autodiscover request is a few hundred bytes; anything much larger is not one. */
const MAX_BODY = 16 * 1024;

export interface Reply {
  status: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  /** A long-lived answer (an event stream): written after the head, instead of `body`. */
  stream?: (res: ServerResponse) => void;
}

const text = (status: number, body: string): Reply => ({ status, type: 'text/plain; charset=utf-8', body: body + '\n' });

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface Request {
  method: string;
  url: URL;
  host: string;
  remoteAddress: string | undefined;
  /** Whether the request came over TLS. */
  secure: boolean;
  authorization: string | undefined;
  body(): Promise<string>;
}

type Handler = (ctx: HttpContext, req: Request) => Promise<Reply> | Reply;

/** The address a client asks about, which must belong to a local domain. */
async function localAddress(ctx: HttpContext, input: string | null): Promise<string> {
  if (!input) throw new HttpError(400, 'an email address is required');
  const address = normalizeAddress(input);
  if (!address) throw new HttpError(400, `not an email address: ${input.slice(0, 100)}`);
  await localDomain(ctx, address.slice(address.lastIndexOf('@') + 1));
  return address;
}

async function localDomain(ctx: HttpContext, input: string): Promise<string> {
  const domain = normalizeDomain(input);
  if (!domain || !(await ctx.store.getDomain(domain))) throw new HttpError(404, `not a domain of this server: ${input.slice(0, 100)}`);
  return domain;
}

/** Thunderbird: the address when it sends one, else the domain named by autoconfig.DOMAIN. */
async function autoconfig(ctx: HttpContext, req: Request): Promise<Reply> {
  const email = req.url.searchParams.get('emailaddress');
  const domain = email
    ? (await localAddress(ctx, email)).split('@')[1]!
    : await localDomain(ctx, req.host.replace(/^autoconfig\./, ''));
  return { status: 200, type: 'application/xml; charset=utf-8', body: autoconfigXml(domain, ctx.hostname, ctx.services, ctx.managesievePort) };
}

async function autodiscoverPox(ctx: HttpContext, req: Request): Promise<Reply> {
  const address = await localAddress(ctx, requestedAddress(await req.body()));
  return { status: 200, type: 'application/xml; charset=utf-8', body: autodiscoverXml(address, ctx.hostname, ctx.services) };
}

/**
 * Outlook's JSON probe (`/autodiscover/autodiscover.json/v1.0/ADDRESS?Protocol=AutodiscoverV1`,
 * or the address in `Email=`): it asks where the POX service is.
 */
async function autodiscoverJson(ctx: HttpContext, req: Request): Promise<Reply> {
  const fromPath = /^\/autodiscover\/autodiscover\.json\/v1\.0\/([^/]+)$/i.exec(req.url.pathname)?.[1];
  const email = fromPath ? decodeURIComponent(fromPath) : req.url.searchParams.get('Email');
  await localAddress(ctx, email);
  const protocol = req.url.searchParams.get('Protocol') ?? '';
  if (protocol.toLowerCase() !== 'autodiscoverv1') {
    const body = JSON.stringify({ ErrorCode: 'InvalidProtocol', ErrorMessage: `The given protocol value '${protocol.slice(0, 50)}' is invalid. Supported values are 'AutodiscoverV1'.` });
    return { status: 400, type: 'application/json', body };
  }
  const body = JSON.stringify({ Protocol: 'AutodiscoverV1', Url: `https://${ctx.hostname}/autodiscover/autodiscover.xml` });
  return { status: 200, type: 'application/json', body };
}

/**
 * Outlook's GET of the POX URL. Over plain HTTP it is the "HTTP redirect" step of the
 * Autodiscover search (Microsoft's MS-OXDISCO, the HTTP redirect method): a 302 to the HTTPS URL,
 * which Outlook then POSTs to after asking the user. Over HTTPS, Exchange's own answer to
 * a GET: the Autodiscover error 600, "Invalid Request".
 */
function autodiscoverGet(ctx: HttpContext, req: Request): Reply {
  if (req.secure) return { status: 200, type: 'application/xml; charset=utf-8', body: autodiscoverInvalidRequest() };
  if (ctx.httpsPort === undefined) throw new HttpError(404, 'autodiscover is served over HTTPS only, and HTTPS is off');
  const port = ctx.httpsPort === 443 ? '' : `:${ctx.httpsPort}`;
  return { ...text(302, 'moved to HTTPS'), headers: { Location: `https://${ctx.hostname}${port}/autodiscover/autodiscover.xml` } };
}

async function appleProfile(ctx: HttpContext, req: Request): Promise<Reply> {
  const address = await localAddress(ctx, req.url.searchParams.get('emailaddress'));
  const body = mobileconfig(address, ctx.hostname, ctx.services);
  if (!body) throw new HttpError(404, 'this server offers no IMAP/POP3 and submission ports');
  const filename = `${address.replace(/[^A-Za-z0-9@._-]/g, '_')}.mobileconfig`;
  return { status: 200, type: 'application/x-apple-aspen-config', body, headers: { 'Content-Disposition': `attachment; filename="${filename}"` } };
}

function metrics(ctx: HttpContext, req: Request): Reply {
  const refusal = metricsRefusal(ctx.metricsToken, req.remoteAddress, req.authorization);
  if (!refusal) return { status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: renderMetrics() };
  ctx.log.info({ ip: req.remoteAddress, status: refusal.status }, 'metrics refused');
  const reply = text(refusal.status, refusal.reason);
  return refusal.status === 401 ? { ...reply, headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } } : reply;
}

/** The route's pattern bounds the token, so an unknown one costs one read of the store. */
async function acmeChallenge(ctx: HttpContext, req: Request): Promise<Reply> {
  const token = req.url.pathname.slice('/.well-known/acme-challenge/'.length);
  const keyAuthorization = await ctx.challenges.http(token);
  if (keyAuthorization === null) return text(404, 'no such challenge');
  ctx.log.info({ token }, 'ACME HTTP-01 challenge answered');
  return { status: 200, type: 'application/octet-stream', body: keyAuthorization };
}

const ROUTES: { path: RegExp; methods: string[]; handler: Handler }[] = [
  { path: /^\/healthz$/, methods: ['GET', 'HEAD'], handler: () => text(200, 'ok') },
  { path: /^\/metrics$/, methods: ['GET', 'HEAD'], handler: metrics },
  { path: /^\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]{1,256}$/, methods: ['GET', 'HEAD'], handler: acmeChallenge },
  {
    path: /^\/\.well-known\/mta-sts\.txt$/,
    methods: ['GET', 'HEAD'],
    handler: (ctx) => ({ status: 200, type: 'text/plain; charset=utf-8', body: mtaStsPolicy(ctx.mtaSts.mode, ctx.hostname, ctx.mtaSts.maxAge) }),
  },
  { path: /^(?:\/\.well-known\/autoconfig)?\/mail\/config-v1\.1\.xml$/, methods: ['GET', 'HEAD'], handler: autoconfig },
  { path: /^\/autodiscover\/autodiscover\.xml$/i, methods: ['POST', 'GET', 'HEAD'], handler: (ctx, req) => (req.method === 'POST' ? autodiscoverPox(ctx, req) : autodiscoverGet(ctx, req)) },
  { path: /^\/autodiscover\/autodiscover\.json(?:\/v1\.0\/[^/]+)?$/i, methods: ['GET', 'HEAD'], handler: autodiscoverJson },
  { path: /^\/mail\.mobileconfig$/, methods: ['GET', 'HEAD'], handler: appleProfile },
];

function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `the request body is larger than ${limit} bytes`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers one request; every failure becomes a status code and a one-line reason. */
export async function route(ctx: HttpContext, req: IncomingMessage): Promise<Reply> {
  try {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, 'malformed request target');
    }
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const method = req.method ?? 'GET';
    if (ctx.web && /^\/(?:admin|account|sandbox)(?:\/|$)/.test(url.pathname)) {
      const secure = 'encrypted' in req.socket;
      const gone = new AbortController();
      const abort = () => gone.abort();
      req.socket.once('close', abort);
      try {
        return await ctx.web({ method, url, headers: req.headers, remoteAddress: req.socket.remoteAddress ?? '', secure, signal: gone.signal, body: (limit) => readBody(req, limit) });
      } finally {
        req.socket.off('close', abort);
      }
    }
    const match = ROUTES.find((r) => r.path.test(url.pathname));
    if (!match) return text(404, 'not found');
    if (!match.methods.includes(method)) return { ...text(405, 'method not allowed'), headers: { Allow: match.methods.join(', ') } };
    const remoteAddress = req.socket.remoteAddress;
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
    return await match.handler(ctx, { method, url, host, remoteAddress, secure, authorization: req.headers.authorization, body: () => readBody(req) });
  } catch (err) {
    if (err instanceof HttpError) return text(err.status, err.message);
    ctx.log.error({ err, url: req.url }, 'HTTP request failed');
    return text(500, 'internal error');
  }
}
